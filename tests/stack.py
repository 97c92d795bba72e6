"""The real stack for end-to-end tests: the app, the action server and Rasa, on free ports.

Registered as a pytest plugin by tests/conftest.py, so every test folder can use
``bot_stack`` (bot conversations, the widget in a browser, the channels).

Started once per session (training first if the model is missing or stale) and
stopped at the end by process group, so nothing is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.channels.fakes import ChannelFakes, start_channel_fakes
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[1]
BOT_SH = REPO / "scripts" / "bot.sh"
APP_START_TIMEOUT_S = 300.0  # may build the retrieval index first
RASA_START_TIMEOUT_S = 120.0


def rasa_venv() -> Path:
    venv = Path(os.environ.get("RASA_VENV", REPO / ".venv-rasa"))
    if not (venv / "bin" / "rasa").exists():
        pytest.fail(
            f"Rasa is not installed at {venv} (set RASA_VENV or create it as the README's setup says); "
            "the bot's tests need the real Rasa and do not skip without it.",
            pytrace=False,
        )
    return venv


def run_bot_sh(*args: str, timeout: float = 900.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASA_VENV": str(rasa_venv()), "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        [str(BOT_SH), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start(name: str, argv: list[str], env: dict[str, str], logs: Path) -> Service:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Service(name, process, log)


def wait_until(service: Service, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(f"{service.name} exited with {service.process.returncode}:\n{service.tail()}", pytrace=False)
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{service.name} not ready after {timeout:.0f} s:\n{service.tail()}", pytrace=False)


@dataclass
class BotStack:
    app_url: str
    actions_url: str
    rasa_url: str
    services: list[Service]
    admin_token: str = ""

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the app's admin API with the stack's admin token."""
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return self.api(method, path, headers=headers, **kwargs)

    def say(self, text: str, sender: str) -> list[dict[str, Any]]:
        """Send one user message over Rasa's REST channel; the bot's messages."""
        r = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
        r.raise_for_status()
        messages: list[dict[str, Any]] = r.json()
        return messages

    def chat(self, text: str, sender: str) -> tuple[str, list[dict[str, Any]]]:
        """``say``, returned as (all texts joined, the structured payloads in order)."""
        messages = self.say(text, sender)
        return "\n\n".join(m["text"] for m in messages if m.get("text")), [
            m["custom"] for m in messages if "custom" in m
        ]

    def rasa(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call Rasa's HTTP API directly (e.g. /model/parse)."""
        r = httpx.request(method, f"{self.rasa_url}{path}", timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the app's API directly (to compare with what the bot said)."""
        r = httpx.request(method, f"{self.app_url}{path}", timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()


@pytest.fixture(scope="session")
def channel_fakes() -> Iterator[ChannelFakes]:
    """Local fakes of Slack's and WeCom's APIs; ``bot_stack`` enables both channels against them."""
    with start_channel_fakes() as fakes:
        yield fakes


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory, channel_fakes: ChannelFakes) -> Iterator[BotStack]:
    venv = rasa_venv()
    trained = run_bot_sh("train")
    if trained.returncode != 0:
        pytest.fail(f"scripts/bot.sh train failed:\n{trained.stdout[-3000:]}\n{trained.stderr[-3000:]}", pytrace=False)

    work = tmp_path_factory.mktemp("bot-stack")
    app_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    actions_url = f"http://127.0.0.1:{actions_port}"
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    admin_token = f"admin-{uuid.uuid4().hex}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "HELPDESK_DATABASE_URL"},  # the stack's store is its own
        "PYTHONPATH": str(REPO),
        "RASA_VENV": str(venv),
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_PORT": str(app_port),
        "HELPDESK_DATA_DIR": str(work / "app-data"),  # hand-offs of the tests stay out of var/
        "HELPDESK_API_URL": app_url,
        "HELPDESK_RASA_URL": rasa_url,  # the widget served by the app talks to this Rasa
        # Rasa's event broker records every turn in the app (bot/endpoints.yml).
        "HELPDESK_EVENTS_URL": f"{app_url}/v1/events",
        "HELPDESK_EVENTS_TOKEN": f"events-{uuid.uuid4().hex}",
        "HELPDESK_EVENTS_SPOOL": str(work / "event-spool"),
        # The app asks for it on POST /v1/handoffs; the action server sends it.
        "HELPDESK_HANDOFF_TOKEN": f"handoff-{uuid.uuid4().hex}",
        "HELPDESK_ADMIN_TOKEN": admin_token,
        "ACTIONS_PORT": str(actions_port),
        "ACTION_ENDPOINT_URL": f"{actions_url}/webhook",
        "RASA_PORT": str(rasa_port),
        "RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        **channel_fakes.env,  # the Slack and WeCom channels, pointed at the fakes
    }
    services: list[Service] = []
    try:
        app = start("app", [str(REPO / ".venv" / "bin" / "helpdesk"), "serve"], env, work)
        services.append(app)
        actions = start("actions", [str(BOT_SH), "actions"], env, work)
        services.append(actions)
        rasa = start("rasa", [str(BOT_SH), "server"], env, work)
        services.append(rasa)

        wait_until(app, lambda: httpx.get(f"{app_url}/readyz", timeout=2).status_code == 200, APP_START_TIMEOUT_S)
        wait_until(actions, lambda: httpx.get(f"{actions_url}/health", timeout=2).status_code == 200, 60)
        wait_until(
            rasa,
            lambda: bool(httpx.get(f"{rasa_url}/status", timeout=2).json().get("model_file")),
            RASA_START_TIMEOUT_S,
        )
        yield BotStack(app_url, actions_url, rasa_url, services, admin_token)
    finally:
        for service in reversed(services):
            service.stop()


@pytest.fixture
def sender() -> str:
    """A fresh conversation id per test."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def bot_sh() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``scripts/bot.sh`` with the given subcommand (fails clearly without Rasa)."""
    rasa_venv()
    return run_bot_sh
