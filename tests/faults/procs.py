"""Processes of the real stack that a test can stop, freeze and restart (faults, scale-out).

``tests/stack.py``'s session ``bot_stack`` is shared and must stay healthy; the tests here
break things, so they start their own processes with the same helpers.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.stack import (
    APP_START_TIMEOUT_S,
    BOT_SH,
    RASA_START_TIMEOUT_S,
    REPO,
    Service,
    free_port,
    rasa_ready,
    start,
    wait_until,
)


def base_env(work: Path) -> dict[str, str]:
    from tests.stack import rasa_venv

    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_VENV": str(rasa_venv()),
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_DATA_DIR": str(work / "app-data"),
        "HELPDESK_RATE_LIMIT": "off",
        "RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        "HELPDESK_EVENTS_SPOOL": str(work / "event-spool"),
    }


@dataclass
class Procs:
    """Started services by name; everything is stopped by ``close()``."""

    work: Path
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start_app(self, name: str = "app", **env: str) -> str:
        port = self.ports.setdefault(name, free_port())
        url = f"http://127.0.0.1:{port}"
        service = start(
            name,
            [str(REPO / ".venv/bin/helpdesk"), "serve"],
            {**self.env, "HELPDESK_PORT": str(port), **env},
            self.work,
        )
        self.services[name], self.urls[name] = service, url
        wait_until(service, lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, APP_START_TIMEOUT_S)
        return url

    def start_actions(self, app_url: str, name: str = "actions") -> str:
        port = self.ports.setdefault(name, free_port())
        url = f"http://127.0.0.1:{port}"
        env = {**self.env, "ACTIONS_PORT": str(port), "HELPDESK_API_URL": app_url}
        service = start(name, [str(BOT_SH), "actions"], env, self.work)
        self.services[name], self.urls[name] = service, url
        wait_until(service, lambda: httpx.get(f"{url}/health", timeout=2).status_code == 200, 60)
        return url

    def start_rasa(self, actions_url: str, name: str = "rasa", endpoints: Path | None = None, **env: str) -> str:
        port = self.ports.setdefault(name, free_port())  # a restart keeps the port
        url = f"http://127.0.0.1:{port}"
        extra = ["--endpoints", str(endpoints)] if endpoints else []
        full_env = {**self.env, "RASA_PORT": str(port), "ACTION_ENDPOINT_URL": f"{actions_url}/webhook", **env}
        # A restart appends to the same log, so a failure shows both runs.
        log_name = name if name not in self.services else f"{name}-{len(self.services)}"
        service = start(log_name, [str(BOT_SH), "server", *extra], full_env, self.work)
        self.services[name], self.urls[name] = service, url
        wait_until(service, lambda: rasa_ready(url), RASA_START_TIMEOUT_S)
        return url

    def stop(self, name: str) -> None:
        self.services[name].stop()

    def freeze(self, name: str) -> None:
        """SIGSTOP: the process keeps its socket (connections are accepted) but never answers."""
        os.killpg(self.services[name].process.pid, signal.SIGSTOP)

    def thaw(self, name: str) -> None:
        os.killpg(self.services[name].process.pid, signal.SIGCONT)

    def log(self, name: str) -> str:
        return self.services[name].log.read_text(errors="replace")

    def close(self) -> None:
        for service in reversed(list(self.services.values())):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.process.pid, signal.SIGCONT)
            service.stop()


def say(rasa_url: str, text: str, sender: str, timeout: float = 60.0) -> tuple[str, list[dict[str, Any]]]:
    """One user message over Rasa's REST channel: (texts joined, custom payloads)."""
    r = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout)
    r.raise_for_status()
    messages: list[dict[str, Any]] = r.json()
    return "\n".join(m["text"] for m in messages if m.get("text")), [m["custom"] for m in messages if "custom" in m]


def port_verdicts(payloads: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    found = [p for p in payloads if p.get("kind") == "port_verdict"]
    assert len(found) == 1, f"expected one port_verdict payload, got {payloads}"
    return [(r["protocol"], r["port"], r["verdict"]) for r in found[0]["results"]]


def procs_fixture(work: Path) -> Iterator[Procs]:
    procs = Procs(work, base_env(work))
    try:
        yield procs
    finally:
        procs.close()
