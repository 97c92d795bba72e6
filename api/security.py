"""HTTP hardening at the edge: CORS, per-client rate limits, body size limits, headers.

``install_security(app, settings)`` adds, outermost first:

1. ``SecurityHeadersMiddleware`` on every response: ``nosniff``, ``no-referrer``, no framing,
   a ``default-src 'none'`` Content Security Policy on JSON (pages that set their own
   policy, the dashboard and the widget demo, keep it), HSTS over HTTPS.
2. Starlette's ``CORSMiddleware``, only when ``HELPDESK_CORS_ORIGINS`` lists origins; without
   it browsers allow same-origin calls only. No credentials: the admin API takes a Bearer
   token, never a cookie.
3. ``RequestLimitsMiddleware``: on public routes a token bucket per client address
   (``HELPDESK_RATE_LIMIT``, 429 with ``Retry-After``) and a body ceiling
   (``HELPDESK_MAX_BODY_BYTES``, 413); on the token-protected routes (admin, events) a larger
   ceiling, and a bucket for their writes (``HELPDESK_RATE_LIMIT_PROTECTED_WRITES``). The
   ceiling is enforced on ``Content-Length`` before anything is read and again on the bytes
   actually received, so a chunked upload without a length is cut off at the limit instead
   of being buffered whole. /openapi.json declares the 413 and 429 where they apply
   (``api/responses.py`` asks :func:`is_limited` and :func:`is_rate_limited`).

The client address is the ASGI ``client``: uvicorn already replaces it with the
``X-Forwarded-For`` address when the request comes from a trusted proxy
(``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default), so a client cannot pick its own address.
Buckets live in each worker process: with ``HELPDESK_WORKERS=N`` a client may get up to N
times the limit (the requests it makes are spread over the workers); put the same limit
on the reverse proxy in front when that matters.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI
from fastapi import HTTPException as DetailedHTTPException
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, error_response
from helpdesk.config_types import IPNetwork, RateLimit
from helpdesk.settings import Settings

# Token-protected routes: reads have no per-address limit (the dashboard polls), writes a larger
# one of their own (the broker batches every conversation's records), and a larger body
# ceiling. Probes and /metrics: neither limit (orchestrators call them often).
PROTECTED_PREFIXES = ("/v1/admin", "/v1/events")
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Public routes whose bodies are legitimately large: a host's whole ``iptables-save`` (up to
# 1,000,000 characters, rules.MAX_IPTABLES_CHARS) and up to 50 security groups.
# A diagnosis carries its case (up to 60,000 characters of evidence) and a message of up to
# 20,000 characters, which JSON's \uXXXX escapes of Chinese can triple.
LARGE_BODY_PATHS = {"/v1/security-groups/evaluate": 2 * 1024 * 1024, "/v1/diagnose": 256 * 1024}
MAX_TRACKED_CLIENTS = 50_000  # bounds memory when many addresses (or a spoofing proxy) call


def is_limited(path: str) -> bool:
    """Whether requests to ``path`` meet the body ceiling (413) and, see :func:`is_rate_limited`, a bucket."""
    return path not in UNLIMITED_PATHS


def is_protected(path: str) -> bool:
    """Whether ``path`` is one of the token-protected routes (their own ceiling and write bucket)."""
    return path.startswith(PROTECTED_PREFIXES)


def is_rate_limited(path: str, method: str) -> bool:
    """Whether a ``method`` request to ``path`` takes a token from a bucket (429 when it is empty)."""
    return is_limited(path) and method != "OPTIONS" and (not is_protected(path) or method in WRITE_METHODS)


class TokenBuckets:
    """One bucket per client key; each holds ``limit.requests`` tokens, refilled continuously."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.rate = limit.requests / limit.period_s  # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()
        tokens, updated = self._buckets.get(key, (float(self.limit.requests), now))
        tokens = min(float(self.limit.requests), tokens + (now - updated) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._forget_full(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A bucket that would be full again is the same as no bucket.
        full = [k for k, (t, u) in self._buckets.items() if t + (now - u) * self.rate >= self.limit.requests]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > MAX_TRACKED_CLIENTS:  # still too many: drop the oldest half
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in oldest[: len(oldest) // 2]:
                del self._buckets[key]


# The most a refused body is read (and dropped) so that the client receives the 413; a
# client that sends more than this is cut off (and sees the connection close).
DRAIN_MAX_BYTES = 16 * 1024 * 1024


async def _drain(receive: Receive, expected: int) -> None:
    """Read and drop the rest of the request body, at most ``DRAIN_MAX_BYTES``."""
    if expected > DRAIN_MAX_BYTES:
        return
    read = 0
    while read <= DRAIN_MAX_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _too_large(limit: int) -> HTTPException:
    # FastAPI's subclass, whose detail may be a list (the app's error shape): FastAPI re-raises
    # an HTTPException met while reading the body, where any other error would become a 400.
    problem = Problem(
        f"request body larger than {limit} bytes; send a shorter question or fewer items",
        "body_too_large",
        ("body",),
    )
    return DetailedHTTPException(status_code=413, detail=[problem.as_dict()])


class RequestLimitsMiddleware:
    """Per-client rate limit and body ceiling (pure ASGI: the body is counted as it streams)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate_limit: RateLimit | None,
        max_body_bytes: int,
        protected_max_body_bytes: int,
        exempt: Iterable[IPNetwork] = (),
        protected_write_limit: RateLimit | None = None,
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_limit) if rate_limit else None
        # The token-protected routes' writes (turn records, admin decisions) have a bucket of
        # their own: larger, since one Rasa server sends every conversation's records.
        self.write_buckets = TokenBuckets(protected_write_limit) if protected_write_limit else None
        self.max_body_bytes = max_body_bytes
        self.protected_max_body_bytes = protected_max_body_bytes
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        protected = is_protected(path)
        limit = self.protected_max_body_bytes if protected else max(self.max_body_bytes, LARGE_BODY_PATHS.get(path, 0))
        if is_rate_limited(path, scope["method"]):
            refusal = self._rate_limited(scope, self.write_buckets if protected else self.buckets)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        declared = self._content_length(scope)
        if declared is not None and declared > limit:
            # Read (and drop) what the client is sending before answering: a server that answers
            # and closes while the client still sends makes the client see a connection reset
            # instead of the 413 and its message.
            await _drain(receive, declared)
            await self._reject(_too_large(limit), scope, receive, send)
            return
        await self._with_body_limit(scope, receive, send, limit)

    def _rate_limited(self, scope: Scope, buckets: TokenBuckets | None) -> JSONResponse | None:
        """The 429 answer when the client's bucket is empty, else None."""
        client = self._client(scope) if buckets is not None else None
        if buckets is None or client is None:
            return None
        wait = buckets.take(client)
        if wait <= 0:
            return None
        retry_after = max(1, math.ceil(wait))
        message = f"too many requests from your address (limit {buckets.limit}); retry in {retry_after} s"
        return error_response(429, [Problem(message, "rate_limited")], headers={"Retry-After": str(retry_after)})

    async def _with_body_limit(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app, cutting off a body (without or with a false length) at ``limit`` bytes."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if message.get("more_body", False):
                        await _drain(receive, DRAIN_MAX_BYTES)
                    # FastAPI re-raises HTTPException from body reading, so this becomes the
                    # 413 below (or the app's own HTTPException handler) and never a 400 or 500.
                    raise _too_large(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as e:
            if started or e.status_code != 413:
                raise
            await self._reject(e, scope, receive, send)

    def _client(self, scope: Scope) -> str | None:
        client = scope.get("client")
        if not client:
            return None
        host = str(client[0])
        if self.exempt:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                return host
            if any(address in network for network in self.exempt):
                return None
        return host

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    @staticmethod
    async def _reject(exc: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, so the server does not try to read the rest of the body.
        if isinstance(exc.detail, list):
            response = JSONResponse(
                status_code=exc.status_code, content={"detail": exc.detail}, headers={"Connection": "close"}
            )
        else:
            response = error_response(exc.status_code, [Problem(str(exc.detail), "error")], {"Connection": "close"})
        await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (without overriding a route's own)."""

    JSON_CSP = "default-src 'none'; frame-ancestors 'none'"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                if headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
                    headers.setdefault("Content-Security-Policy", self.JSON_CSP)
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the middleware above, configured from ``settings``; bad values fail at start."""
    app.add_middleware(
        RequestLimitsMiddleware,
        rate_limit=settings.rate_limit,
        max_body_bytes=settings.max_body_bytes,
        protected_max_body_bytes=settings.protected_max_body_bytes,
        exempt=settings.rate_limit_exempt,
        protected_write_limit=settings.rate_limit_protected_writes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)  # added last: outermost, so 429/413 get the headers too
