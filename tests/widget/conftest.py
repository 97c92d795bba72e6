"""The widget in a real browser: Debian's chromium driven by Playwright (no browser download).

``widget_url`` serves the widget's router (``api.routes.widget``) from a small app in this
process, pointed at the real Rasa of ``bot_stack``; ``fake_rasa_url`` serves it pointed at
an address where nothing listens, for tests that answer as Rasa themselves (Playwright
routes the page's WebSocket and REST calls to them). Screenshots go to artifacts/widget/.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from api.routes import widget
from helpdesk.settings import Settings
from tests.servers import ThreadServer, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "widget"
REPLY_TIMEOUT_MS = 30_000
# Nothing listens on the discard port: pages whose Rasa is played by the test itself.
NOWHERE = "http://127.0.0.1:9"


def serve_widget(rasa_url: str, port: int | None = None) -> ThreadServer:
    """The widget's router alone, with ``rasa_url`` as its Rasa, on ``port`` (default: a free one)."""
    app = FastAPI()
    app.state.settings = Settings(rasa_url=rasa_url)
    app.include_router(widget.router)
    if port is None:
        return serve_in_thread(app, "widget")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"widget-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"the widget test server did not start on port {port}", pytrace=False)
        time.sleep(0.05)
    return ThreadServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="session")
def widget_url(bot_stack: Any) -> Iterator[str]:
    """The demo page, talking to the real Rasa of ``bot_stack``, from an origin its CORS allows."""
    served = serve_widget(bot_stack.rasa_url, bot_stack.widget_port)
    yield served.url
    served.stop()


@pytest.fixture(scope="session")
def fake_rasa_url() -> Iterator[str]:
    """The demo page, with a Rasa URL where nothing listens (the test plays Rasa)."""
    served = serve_widget(NOWHERE)
    yield served.url
    served.stop()


@dataclass
class WidgetPage:
    """One browser tab with the widget, and what it did that it must not do."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.locator(".panel").wait_for(state="visible")

    def connected(self, transport: str = "socket") -> None:
        from playwright.sync_api import expect

        expect(self.page.locator(f".widget[data-transport={transport}]")).to_have_count(1, timeout=15_000)

    def rows(self, kind: str | None = None) -> Any:
        """Conversation items: all, or those of one kind (a payload kind, "text", "user", "notice")."""
        return self.page.locator(f".row[data-kind={kind}]" if kind else ".row")

    def ask(self, text: str, expect_kind: str | None = None, *, by: Callable[[], None] | None = None) -> Any:
        """Send ``text`` (or do ``by``) and wait for one more bot item of ``expect_kind``
        (any bot item if None) and the end of the typing indicator; that item."""
        from playwright.sync_api import expect

        replies = self.rows(expect_kind) if expect_kind else self.page.locator(".row-bot")
        before = replies.count()
        if by is None:
            self.page.locator(".input").fill(text)
            self.page.locator(".input").press("Enter")
        else:
            by()
        if expect_kind:
            expect(replies).to_have_count(before + 1, timeout=REPLY_TIMEOUT_MS)
        else:
            expect(replies).not_to_have_count(before, timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
        return replies.nth(before)

    def stored(self) -> dict[str, Any]:
        """The conversation as the widget keeps it in sessionStorage."""
        raw = self.page.evaluate(
            "() => Object.keys(sessionStorage).filter(k => k.startsWith('cvm-helpdesk-widget:'))"
            ".map(k => sessionStorage.getItem(k))"
        )
        assert len(raw) == 1, raw
        state: dict[str, Any] = json.loads(raw[0])
        return state

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def make_page(browser: Any) -> Iterator[Callable[..., WidgetPage]]:
    """New isolated tabs (own storage). bypass_csp: the demo page's CSP would stop an
    injected script anyway; without it, these tests show the rendering itself is safe."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800) -> WidgetPage:
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT_MS)
        wp = WidgetPage(page)

        def on_dialog(dialog: Any) -> None:
            wp.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: wp.errors.append(str(e)))
        return wp

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def widget_page(make_page: Callable[..., WidgetPage]) -> WidgetPage:
    return make_page()


# --- playing Rasa: its socket.io (Engine.IO v4 / Socket.IO v5) and REST channels ---------

SOCKET_IO = re.compile(r"/socket\.io/")
REST_WEBHOOK = "**/webhooks/rest/webhook"
REST_HEALTH = re.compile(r"/webhooks/rest/$")


def fake_rasa_socket(
    page: Any, replies: Callable[[str], list[dict[str, Any]]], urls: list[str] | None = None
) -> list[dict[str, Any]]:
    """Answer the page's socket.io connections as Rasa's channel does; the page's events.
    The URLs it connected to are added to ``urls``."""
    received: list[dict[str, Any]] = []

    def handler(ws: Any) -> None:
        if urls is not None:
            urls.append(ws.url)
        ws.send('0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')

        def on_message(message: str | bytes) -> None:
            if message == "40":
                ws.send('40{"sid":"fake-socket"}')
            elif isinstance(message, str) and message.startswith("42"):
                name, data = json.loads(message[2:])
                received.append({"event": name, **data})
                if name == "session_request":
                    ws.send("42" + json.dumps(["session_confirm", data["session_id"]]))
                elif name == "user_uttered":
                    for reply in replies(data["message"]):
                        ws.send("42" + json.dumps(["bot_uttered", reply]))

        ws.on_message(on_message)

    page.route_web_socket(SOCKET_IO, handler)
    return received


def refuse_socket(page: Any) -> None:
    """The socket.io server closes at once (Engine.IO "1"), as if Rasa had no socket channel.

    (An Engine.IO close rather than ``ws.close()``: Playwright's sync ``close`` inside the
    route handler does not return.)
    """
    page.route_web_socket(SOCKET_IO, lambda ws: ws.send("1"))


def fake_rasa_rest(page: Any, replies: Callable[[str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Answer the page's REST calls as Rasa's REST channel does; the requests."""
    received: list[dict[str, Any]] = []

    def handler(route: Any) -> None:
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=_cors())
            return
        body = json.loads(route.request.post_data or "{}")
        received.append(body)
        out = [{"recipient_id": body["sender"], **m} for m in replies(body["message"])]
        route.fulfill(status=200, headers=_cors(), content_type="application/json", body=json.dumps(out))

    page.route(REST_WEBHOOK, handler)
    page.route(REST_HEALTH, _rest_health)
    return received


def _rest_health(route: Any) -> None:
    """Rasa's REST channel health check (GET /webhooks/rest/), which the widget asks when the socket fails."""
    route.fulfill(status=200, headers=_cors(), content_type="application/json", body='{"status": "ok"}')


def _cors() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    }


class RasaSwitch:
    """Rasa down for one page, and up again: while ``down``, its socket.io channel closes at
    once and every HTTP request to it (REST webhook, REST health) is refused; otherwise both
    go through to the real Rasa at ``rasa_url``."""

    def __init__(self, page: Any, rasa_url: str) -> None:
        self.down = True
        page.route_web_socket(SOCKET_IO, self._socket)
        page.route(re.compile("^" + re.escape(rasa_url.rstrip("/")) + "/"), self._http)

    def _socket(self, ws: Any) -> None:
        if self.down:
            ws.send("1")
        else:
            ws.connect_to_server()

    def _http(self, route: Any) -> None:
        if self.down:
            route.abort("connectionrefused")
        else:
            route.continue_()


class PlayRasa:
    """The test as Rasa: ``socket`` / ``rest`` answer with canned bot messages; ``switch``
    takes the real Rasa down for a page (and brings it back)."""

    socket = staticmethod(fake_rasa_socket)
    refuse_socket = staticmethod(refuse_socket)
    rest = staticmethod(fake_rasa_rest)
    switch = RasaSwitch


@pytest.fixture
def play_rasa() -> type[PlayRasa]:
    return PlayRasa
