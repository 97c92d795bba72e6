"""Secrets come from the environment only and never reach the logs or the responses.

The real ``helpdesk serve`` runs with secret values in its environment (admin and events
tokens, a webhook URL carrying a key, a database password) at debug log level; the test
drives the paths that log (auth failures, 4xx, a failing hand-off webhook, a database it
cannot reach) and scans everything the process printed.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stack import REPO, free_port

pytestmark = pytest.mark.slow

ADMIN = "adm-SECRET-7c1e5b2a9d"
EVENTS = "evt-SECRET-40f9a8e13b"
HANDOFF = "hof-SECRET-2b7d90c4e1"
HOOK_KEY = "hook-SECRET-e2d6c0b7"
DB_PASSWORD = "db-SECRET-9a3f51c2"
SECRETS = (ADMIN, EVENTS, HANDOFF, HOOK_KEY, DB_PASSWORD)


class _FailingHook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"temporarily broken")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def failing_hook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FailingHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook?key={HOOK_KEY}"
    server.shutdown()


def _serve_env(tmp_path: Path, index_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(
        {
            "HELPDESK_PORT": str(port),
            "HELPDESK_INDEX_DIR": str(index_dir),
            "HELPDESK_DATA_DIR": str(tmp_path / "data"),
            "HELPDESK_LOG_LEVEL": "debug",
            "HELPDESK_ADMIN_TOKEN": ADMIN,
            "HELPDESK_EVENTS_TOKEN": EVENTS,
            "HELPDESK_HANDOFF_TOKEN": HANDOFF,
            "HELPDESK_RATE_LIMIT": "off",
            **extra,
        }
    )
    return env


def _assert_no_secret(text: str, where: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where} contains {leaked}:\n{text[-3000:]}"


def test_secrets_never_logged_nor_served(
    tmp_path: Path, failing_hook: str, open_client: Any, security_root: Path
) -> None:
    port = free_port()
    env = _serve_env(
        tmp_path,
        security_root / "index",  # built by the open_client fixture
        port,
        HELPDESK_HANDOFF_WEBHOOK_URL=failing_hook,
        HELPDESK_HANDOFF_WEBHOOK_ATTEMPTS="2",
        HELPDESK_HANDOFF_WEBHOOK_BACKOFF_S="0.2",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(REPO / ".venv/bin/helpdesk"), "serve"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    bodies: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=10) as c:
            for r in (
                c.get("/v1/admin/tickets"),
                c.get("/v1/admin/tickets", headers={"Authorization": "Bearer wrong"}),
                c.get("/v1/admin/tickets", headers={"Authorization": f"Bearer {ADMIN}"}),
                c.post("/v1/events", json={"events": []}, headers={"Authorization": "Bearer nope"}),
                c.post("/v1/answer", content=b"{bad json"),
                c.get("/readyz"),
                c.get("/openapi.json"),
                c.post(
                    "/v1/handoffs",
                    headers={"Authorization": f"Bearer {HANDOFF}"},
                    json={
                        "conversation_id": "secret-scan",
                        "channel": "rest",
                        "language": "en",
                        "reason": "user_request",
                        "transcript": [{"sender": "user", "text": "a human please"}],
                        "candidates": [],
                    },
                ),
            ):
                bodies.append(r.text)
        time.sleep(2.0)  # two failed webhook attempts, 0.2 s apart, are logged
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log.read_text(errors="replace")
    assert "GET /readyz" in text  # the access log was captured
    assert "hand-off" in text, "the failing webhook should have been logged"
    _assert_no_secret(text, "the service log")
    for body in bodies:
        _assert_no_secret(body, "a response")


def test_database_password_not_in_the_database_down_warnings(
    tmp_path: Path, open_client: Any, security_root: Path
) -> None:
    # A database that cannot be reached does not stop the start (answers need none); the
    # warnings and the 503s that name it must not show the password.
    port, db_port = free_port(), free_port()
    env = _serve_env(
        tmp_path,
        security_root / "index",
        port,
        HELPDESK_DATABASE_URL=f"postgresql+psycopg://helpdesk:{DB_PASSWORD}@127.0.0.1:{db_port}/helpdesk",
    )
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    bodies: list[str] = []
    with open(log, "w") as out:
        proc = subprocess.Popen([str(REPO / ".venv/bin/helpdesk"), "serve"], cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 120
        ready: dict[str, Any] = {}
        while time.monotonic() < deadline and not ready:
            assert proc.poll() is None, log.read_text(errors="replace")
            try:
                r = httpx.get(f"{base}/readyz", timeout=2)
                ready = r.json() if r.status_code == 200 else {}
            except httpx.HTTPError:
                time.sleep(0.3)
        assert ready.get("database") == "unavailable, retrying", ready
        answer = httpx.post(f"{base}/v1/answer", json={"question": "445端口能用吗"}, timeout=10)
        assert answer.status_code == 200
        auth = {"Authorization": f"Bearer {EVENTS}"}
        events = httpx.post(f"{base}/v1/events", json={"events": []}, headers=auth, timeout=10)
        assert events.status_code == 503 and "retry" in events.text
        bodies += [r.text for r in (answer, events, httpx.get(f"{base}/readyz", timeout=10))]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    output = log.read_text(errors="replace")
    assert "HELPDESK_DATABASE_URL" in output and "does not answer" in output
    _assert_no_secret(output, "the database-down warnings")
    for body in bodies:
        _assert_no_secret(body, "a response")
