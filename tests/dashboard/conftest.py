"""The dashboard in a real browser: Debian's chromium driven by Playwright (no browser download).

``contract_url`` serves the dashboard beside an admin API that plays the contract with fixed
data (``contract_app``), in a thread of this process. ``seeded_app`` starts the real app
(``helpdesk serve``) in a subprocess over a store seeded with demo data. Screenshots go to
artifacts/dashboard/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dashboard.contract_app import contract_app
from tests.servers import free_port, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "dashboard"
UI_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def contract_url() -> Iterator[str]:
    served = serve_in_thread(contract_app(), "dashboard")
    yield served.url
    served.stop()


@pytest.fixture(scope="session")
def unconfigured_url() -> Iterator[str]:
    """The contract API of a server with no admin token configured (every admin call: 503)."""
    served = serve_in_thread(contract_app(token=None), "dashboard")
    yield served.url
    served.stop()


@dataclass
class DashboardPage:
    """One tab on the dashboard, with what it did that it must not do."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    admin_requests: list[dict[str, str]] = field(default_factory=list)

    def sign_in(self, token: str) -> None:
        self.page.fill("#token-input", token)
        self.page.click("#token-form button[type=submit]")

    def wait_loaded(self) -> None:
        self.page.wait_for_selector("#status[data-kind=ok]", timeout=UI_TIMEOUT_MS)

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).inner_text())

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_dashboard(browser: Any) -> Iterator[Callable[..., DashboardPage]]:
    """Open ``/admin`` of a server in a fresh context (its own sessionStorage)."""
    contexts: list[Any] = []

    def open_(base_url: str, locale: str = "en-US", width: int = 1280, height: int = 900) -> DashboardPage:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale, accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
        contexts.append(context)
        page = context.new_page()
        dash = DashboardPage(page)
        page.on("pageerror", lambda e: dash.errors.append(str(e)))
        page.on("console", lambda m: dash.errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
        page.on("dialog", lambda d: (dash.dialogs.append(d.message), d.dismiss()))

        def on_request(request: Any) -> None:
            if "/v1/admin/" in request.url:
                dash.admin_requests.append({"url": request.url, "auth": request.headers.get("authorization", "")})

        page.on("request", on_request)
        page.goto(f"{base_url}/admin")
        return dash

    yield open_
    for context in contexts:
        context.close()


# ---- the real app over seeded data -------------------------------------------------

ADMIN_TOKEN = "dashboard-test-token"
APP_START_TIMEOUT_S = 300.0  # may build the retrieval index first


@dataclass
class SeededApp:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def api(self, path: str, **params: Any) -> Any:
        """The admin API's answer, as the page should show it."""
        r = httpx.get(f"{self.url}{path}", params=params, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        r.raise_for_status()
        return r.json()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededApp]:
    """``helpdesk serve`` in a subprocess, over a fresh SQLite store seeded by ``helpdesk db seed-demo``."""
    work = tmp_path_factory.mktemp("dashboard-app")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HELPDESK_PORT": str(port),
        "HELPDESK_DATA_DIR": str(work / "data"),  # the seeded store stays out of var/
        "HELPDESK_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    for inherited in ("HELPDESK_DATABASE_URL", "HELPDESK_HANDOFF_WEBHOOK_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(inherited, None)
    helpdesk = str(REPO / ".venv" / "bin" / "helpdesk")
    seeded = subprocess.run(
        [helpdesk, "db", "seed-demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if seeded.returncode != 0:
        pytest.fail(
            f"helpdesk db seed-demo failed ({seeded.returncode}):\n{seeded.stdout[-2000:]}\n{seeded.stderr[-2000:]}",
            pytrace=False,
        )
    log = work / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [helpdesk, "serve"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    app = SeededApp(f"http://127.0.0.1:{port}", ADMIN_TOKEN, process, log)
    try:
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"helpdesk serve exited with {process.returncode}:\n{app.tail()}", pytrace=False)
            try:
                if httpx.get(f"{app.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"helpdesk serve not ready after {APP_START_TIMEOUT_S:.0f} s:\n{app.tail()}", pytrace=False)
            time.sleep(0.25)
        yield app
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
