"""Prometheus metrics: requests and latency per route template, answers by outcome.

``install_metrics(app)`` gives each app its own registry (so tests and several apps in one
process never share counters), adds the ASGI middleware that times every request, and
serves ``GET /metrics`` in the Prometheus text format.

Routes are labelled by their template (``/v1/faq/{entry_id}``), never the raw path, and
methods outside the standard set are folded into ``OTHER``, so a scanner cannot blow up the
number of series. Requests that match no route are labelled ``<unmatched>``.

Several uvicorn workers: each worker process has its own counters, and a scrape sees only
the worker that answered it. Set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
(cleared before each start) in the environment of the server; every worker then writes
its values there and ``/metrics`` adds them up across workers. Process metrics (memory,
CPU) are only exported in single-process mode, as prometheus-client cannot add them up.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import require_token_if_set
from api.strict_json import api_router

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# /v1/answer answers in ~3 ms (p50), so the low buckets matter; index rebuilds take seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

AnswerOutcome = Literal["confident", "declined"]


class Metrics:
    """The metrics of one app, and the registry ``/metrics`` exposes.

    Args:
        multiproc_dir: where worker processes write their values (``Settings.metrics_multiproc_dir``,
            from ``PROMETHEUS_MULTIPROC_DIR``); ``None``: single-process mode.
    """

    def __init__(self, multiproc_dir: str | None = None) -> None:
        self.multiproc_dir = multiproc_dir or None
        if self.multiproc_dir:
            if not Path(self.multiproc_dir).is_dir():
                raise ValueError(
                    f"{MULTIPROC_ENV}={self.multiproc_dir!r} is not a directory: create it (empty) before starting, "
                    f"or unset {MULTIPROC_ENV} to run with one worker"
                )
            # The metrics write to files shared by the workers; the exposed registry reads
            # those files back, so the metrics themselves are registered nowhere.
            self.registry = CollectorRegistry()
            MultiProcessCollector(self.registry, path=self.multiproc_dir)  # type: ignore[no-untyped-call]
            metric_registry: CollectorRegistry | None = None
        else:
            self.registry = CollectorRegistry()
            for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
                self.registry.register(collector)
            metric_registry = self.registry

        self.requests = Counter(
            "helpdesk_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=metric_registry,
        )
        self.latency = Histogram(
            "helpdesk_http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=metric_registry,
        )
        self.answers = Counter(
            "helpdesk_answers",
            "Questions answered by /v1/answer, by outcome (confident answer or declined).",
            ["outcome"],
            registry=metric_registry,
        )
        for outcome in ("confident", "declined"):
            self.answers.labels(outcome=outcome)  # both series exist from the start, at 0

    def record_answer(self, confident: bool) -> None:
        """Count one answer by its outcome."""
        outcome: AnswerOutcome = "confident" if confident else "declined"
        self.answers.labels(outcome=outcome).inc()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "OTHER"
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.latency.labels(method=method, route=route).observe(seconds)

    def exposition(self) -> bytes:
        """The current values in the Prometheus text format."""
        return generate_latest(self.registry)


def route_template(scope: Scope, request_scope: Scope) -> str:
    """The template of the route that served a request, never its raw path.

    Args:
        scope: the scope after routing (the router updates it in place).
        request_scope: a copy taken before routing, to match mounts against.
    """
    route = scope.get("route")  # FastAPI sets this on every APIRoute it matches
    template = getattr(route, "path_format", None)
    if isinstance(template, str):
        return template
    app = scope.get("app")
    # Mounts and plain Starlette routes do not set it: find the route the router chose.
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(request_scope)
        if match is Match.FULL:
            found = getattr(candidate, "path_format", None)
            return found if isinstance(found, str) else UNMATCHED
    return UNMATCHED


class PrometheusMiddleware:
    """Pure ASGI middleware (no buffering of bodies) that counts and times HTTP requests."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_scope = dict(scope)
        status = 500  # what the client gets if the app raises before starting a response
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            # The router updates ``scope`` in place, so the matched route is known here.
            self.metrics.observe_request(
                scope["method"], route_template(scope, request_scope), status, time.perf_counter() - started
            )


router = api_router(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(request: Request) -> Response:
    """Prometheus scrape endpoint; needs ``Authorization: Bearer $HELPDESK_METRICS_TOKEN`` when that is set."""
    services = getattr(request.app.state, "services", None)
    if services is not None:
        require_token_if_set(request, services.settings.metrics_token, "metrics token (HELPDESK_METRICS_TOKEN)")
    return Response(get_metrics(request).exposition(), media_type=CONTENT_TYPE_LATEST)


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics | None = getattr(request.app.state, "metrics", None)
    if metrics is None:
        raise RuntimeError("this app has no metrics: call api.metrics.install_metrics(app) when building it")
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def install_metrics(app: FastAPI, multiproc_dir: Path | None = None, metrics: Metrics | None = None) -> Metrics:
    """Give ``app`` its metrics: the middleware, ``app.state.metrics`` and ``GET /metrics``."""
    metrics = metrics or Metrics(str(multiproc_dir) if multiproc_dir else None)
    app.state.metrics = metrics
    app.add_middleware(PrometheusMiddleware, metrics=metrics)
    app.include_router(router)
    return metrics
