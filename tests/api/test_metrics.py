"""GET /metrics: requests and latency per route template, answers by outcome, several workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import PlainTextResponse
from starlette.routing import Mount

from api.metrics import UNMATCHED, Metrics, install_metrics

REPO = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def route_labels(samples: Samples) -> set[str]:
    return {dict(labels)["route"] for name, labels in samples if name == "helpdesk_http_requests_total"}


# ---- the real app ----------------------------------------------------------------


def test_answers_are_counted_by_outcome(client: TestClient) -> None:
    before = scrape(client)
    assert client.post("/v1/answer", json={"question": "which ports are blocked by the carrier?"}).json()["confident"]
    assert not client.post("/v1/answer", json={"question": "tell me a joke about cats"}).json()["confident"]
    assert not client.post("/v1/answer", json={"question": "今天北京天气怎么样"}).json()["confident"]
    after = scrape(client)

    def moved(outcome: str) -> float:
        name = "helpdesk_answers_total"
        return value(after, name, outcome=outcome) - value(before, name, outcome=outcome)

    assert (moved("confident"), moved("declined")) == (1, 2)


def test_requests_are_labelled_by_route_template_not_raw_path(client: TestClient) -> None:
    ids = [e["id"] for e in client.get("/v1/faq").json()[:3]]
    before = scrape(client)
    for entry_id in ids:
        assert client.get(f"/v1/faq/{entry_id}").status_code == 200
    assert client.get("/v1/faq/no-such-entry").status_code == 404
    after = scrape(client)

    template = "/v1/faq/{entry_id}"
    name = "helpdesk_http_requests_total"
    ok = value(after, name, method="GET", route=template, status="200") - value(
        before, name, method="GET", route=template, status="200"
    )
    missing = value(after, name, method="GET", route=template, status="404") - value(
        before, name, method="GET", route=template, status="404"
    )
    assert (ok, missing) == (3, 1)
    # One series for every entry: no raw path (with an id in it) ever becomes a label.
    assert not any(entry_id in route for route in route_labels(after) for entry_id in [*ids, "no-such-entry"])
    histogram = "helpdesk_http_request_duration_seconds_count"
    assert (
        value(after, histogram, method="GET", route=template) - value(before, histogram, method="GET", route=template)
        == 4
    )


def test_the_answer_route_has_a_latency_histogram(client: TestClient) -> None:
    client.post("/v1/answer", json={"question": "445端口能用吗"})
    samples = scrape(client)
    buckets = {
        dict(labels)["le"]: v
        for (name, labels), v in samples.items()
        if name == "helpdesk_http_request_duration_seconds_bucket" and ("route", "/v1/answer") in labels
    }
    assert buckets["+Inf"] >= 1 and "0.005" in buckets  # a bucket near the 3 ms p50 of /v1/answer
    assert value(samples, "helpdesk_http_request_duration_seconds_sum", method="POST", route="/v1/answer") > 0


# ---- the middleware alone, on a small app -----------------------------------------


@pytest.fixture
def small() -> TestClient:
    app = FastAPI()
    install_metrics(app)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418, "short and stout")

    async def static(scope: object, receive: object, send: object) -> None:
        await PlainTextResponse("file")(scope, receive, send)  # type: ignore[arg-type]

    app.router.routes.append(Mount("/files", app=static))
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("method", "path", "route", "status"),
    [
        ("GET", "/items/1", "/items/{item_id}", "200"),
        ("GET", "/items/not-a-number", "/items/{item_id}", "422"),  # validation error: still the template
        ("GET", "/boom", "/boom", "500"),  # the handler raised: counted as the 500 the client got
        ("GET", "/teapot", "/teapot", "418"),
        ("GET", "/files/a/b/c.txt", "/files/{path}", "200"),  # a mount: its template, not the file's path
        ("GET", "/wp-admin/setup.php", UNMATCHED, "404"),  # scanners: one series however many paths
        ("DELETE", "/items/1", "/items/{item_id}", "405"),
        ("BREW", "/items/1", "/items/{item_id}", "405"),  # methods outside the standard set: OTHER
    ],
)
def test_middleware_labels(small: TestClient, method: str, path: str, route: str, status: str) -> None:
    small.request(method, path)
    samples = scrape(small)
    label_method = method if method != "BREW" else "OTHER"
    assert value(samples, "helpdesk_http_requests_total", method=label_method, route=route, status=status) == 1
    assert route_labels(samples) <= {route, "/metrics"}


def test_each_app_has_its_own_registry() -> None:
    first, second = FastAPI(), FastAPI()
    install_metrics(first)
    install_metrics(second)
    with TestClient(first) as a, TestClient(second) as b:
        a.get("/nowhere")
        a.get("/nowhere")
        b.get("/nowhere")
        name = "helpdesk_http_requests_total"
        assert value(scrape(a), name, method="GET", route=UNMATCHED, status="404") == 2
        assert value(scrape(b), name, method="GET", route=UNMATCHED, status="404") == 1


# ---- several worker processes ----------------------------------------------------------

_WORKER = """
import sys
from api.metrics import Metrics
from helpdesk.settings import Settings
metrics = Metrics(str(Settings().metrics_multiproc_dir))  # the worker reads PROMETHEUS_MULTIPROC_DIR
for _ in range(int(sys.argv[1])):
    metrics.record_answer(confident=True)
metrics.observe_request("GET", "/v1/faq/{entry_id}", 200, 0.004)
if sys.argv[2] == "scrape":
    sys.stdout.write(metrics.exposition().decode())
"""


def test_workers_add_up_with_prometheus_multiproc_dir(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}

    def worker(answers: int, then: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _WORKER, str(answers), then], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    worker(2, "exit")
    worker(3, "exit")
    text = worker(1, "scrape")  # a third worker answers the scrape, and sees all three
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert value(samples, "helpdesk_answers_total", outcome="confident") == 6
    requests = value(samples, "helpdesk_http_requests_total", method="GET", route="/v1/faq/{entry_id}", status="200")
    assert requests == 3


def test_multiproc_dir_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a directory: create it"):
        Metrics(multiproc_dir=str(tmp_path / "missing"))
