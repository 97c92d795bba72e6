"""The real stack for end-to-end tests: the app, the action server and Rasa, on free ports.

Registered as a pytest plugin by tests/conftest.py, so every test folder can use
``bot_stack`` (bot conversations, the widget in a browser, the channels).

``bot_stack`` is started as the README's run command starts it (scripts/run.sh): Rasa
with no HTTP API, CORS for the app's origin only, and the local tokens the app and Rasa
share through ``$HELPDESK_DATA_DIR/secrets/`` (none in the environment). Tests that need
Rasa's HTTP API (``/model/parse``) use ``rasa_api``: one more Rasa, started by
scripts/bot.sh with ``RASA_API_TOKEN``, as an operator would.

Started once per session (training first if the model is missing or stale) and
stopped at the end by process group, so nothing is left running.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    env: dict[str, str] = field(default_factory=dict)  # what the services were started with
    widget_port: int = 0  # a page served on this port may call Rasa (RASA_CORS_ORIGINS)

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

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the app's API directly (to compare with what the bot said)."""
        r = httpx.request(method, f"{self.app_url}{path}", timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()


@dataclass
class RasaApi:
    """A Rasa server with its HTTP API on, behind ``token`` (``RASA_API_TOKEN``)."""

    url: str
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API with the token (Rasa reads it from the ``token`` query parameter)."""
        r = httpx.request(method, f"{self.url}{path}", params={"token": self.token}, timeout=30, **kwargs)
        r.raise_for_status()
        return r.json()

    def intent(self, text: str) -> str:
        """The intent the trained model gives ``text`` (``POST /model/parse``)."""
        name: str = self.call("POST", "/model/parse", json={"text": text})["intent"]["name"]
        return name


def rasa_ready(url: str) -> bool:
    """Rasa answers on its REST channel, which it serves only once the model is loaded."""
    return httpx.get(f"{url}/webhooks/rest/", timeout=2).json().get("status") == "ok"


TOKEN_FILES = ("events_token", "handoff_token")
# Secrets the stack makes itself: the developer's environment must not leak into it.
STACK_SECRETS = ("HELPDESK_DATABASE_URL", "HELPDESK_EVENTS_TOKEN", "HELPDESK_HANDOFF_TOKEN", "RASA_API_TOKEN")


def local_tokens(data_dir: Path) -> dict[str, str]:
    """The app's local token files in ``data_dir/secrets`` (as ``helpdesk secrets ensure`` makes them): name -> token.

    Made by ``helpdesk secrets ensure`` when the app has that command, else here, the same way
    (mode 0600), so the stack runs as the README's run command does.
    """
    folder = data_dir / "secrets"
    env = {**os.environ, "HELPDESK_DATA_DIR": str(data_dir)}
    for name in STACK_SECRETS:
        env.pop(name, None)
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "helpdesk"), "secrets", "ensure"], env=env, capture_output=True, check=False
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name in TOKEN_FILES:
        path = folder / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
            path.chmod(0o600)
    return {name: (folder / name).read_text(encoding="utf-8").strip() for name in TOKEN_FILES}


@pytest.fixture(scope="session")
def channel_fakes() -> Iterator[ChannelFakes]:
    """Local fakes of Slack's and WeCom's APIs; ``bot_stack`` enables both channels against them."""
    with start_channel_fakes() as fakes:
        yield fakes


@contextmanager
def running_stack(work: Path, extra_env: dict[str, str] | None = None) -> Iterator[BotStack]:
    """The app, the action server and Rasa started in ``work`` as the README's run command starts
    them (``extra_env`` on top, e.g. a PostgreSQL store), stopped when the block ends."""
    venv = rasa_venv()
    trained = run_bot_sh("train")
    if trained.returncode != 0:
        pytest.fail(f"scripts/bot.sh train failed:\n{trained.stdout[-3000:]}\n{trained.stderr[-3000:]}", pytrace=False)
    app_port, actions_port, rasa_port, widget_port = free_port(), free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    actions_url = f"http://127.0.0.1:{actions_port}"
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    admin_token = f"admin-{uuid.uuid4().hex}"
    data_dir = work / "app-data"  # hand-offs and tokens of the tests stay out of var/
    local_tokens(data_dir)
    env = {
        # The stack's store and tokens are its own: the tokens are the app's local token files,
        # which scripts/bot.sh shares with the action server and Rasa, as in the default run.
        **{k: v for k, v in os.environ.items() if k not in STACK_SECRETS and not k.startswith("TENCENTCLOUD_")},
        "PYTHONPATH": str(REPO),
        "RASA_VENV": str(venv),
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_PORT": str(app_port),
        "HELPDESK_DATA_DIR": str(data_dir),
        "HELPDESK_API_URL": app_url,
        "HELPDESK_RASA_URL": rasa_url,  # the widget served by the app talks to this Rasa
        # Rasa's event broker records every turn in the app (bot/endpoints.yml).
        "HELPDESK_EVENTS_URL": f"{app_url}/v1/events",
        "HELPDESK_EVENTS_SPOOL": str(work / "event-spool"),
        "HELPDESK_ADMIN_TOKEN": admin_token,
        "ACTIONS_PORT": str(actions_port),
        "ACTION_ENDPOINT_URL": f"{actions_url}/webhook",
        "RASA_PORT": str(rasa_port),
        # Browsers may call Rasa from the app (the default) and from the widget page the widget
        # tests serve on widget_port (tests/widget/conftest.py).
        "RASA_CORS_ORIGINS": f"{app_url} http://127.0.0.1:{widget_port}",
        "RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        **(extra_env or {}),
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
        wait_until(rasa, lambda: rasa_ready(rasa_url), RASA_START_TIMEOUT_S)
        yield BotStack(app_url, actions_url, rasa_url, services, admin_token, env, widget_port)
    finally:
        for service in reversed(services):
            service.stop()


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory, channel_fakes: ChannelFakes) -> Iterator[BotStack]:
    """The session's stack, with the Slack and WeCom channels pointed at their local fakes."""
    with running_stack(tmp_path_factory.mktemp("bot-stack"), channel_fakes.env) as stack:
        yield stack


@pytest.fixture(scope="session")
def rasa_api(bot_stack: BotStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaApi]:
    """A second Rasa of the same model, with its HTTP API behind a token, as an operator enables it."""
    work = tmp_path_factory.mktemp("rasa-api")
    port = free_port()
    token = f"api-{uuid.uuid4().hex}"
    env = {
        **{k: v for k, v in bot_stack.env.items() if not k.startswith(("SLACK_", "WECOM_"))},
        "RASA_API_TOKEN": token,
        "RASA_PORT": str(port),
        "RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        "HELPDESK_EVENTS_SPOOL": str(work / "event-spool"),
    }
    url = f"http://127.0.0.1:{port}"
    service = start("rasa-api", [str(BOT_SH), "server"], env, work)
    try:
        wait_until(service, lambda: rasa_ready(url), RASA_START_TIMEOUT_S)
        yield RasaApi(url, token)
    finally:
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
