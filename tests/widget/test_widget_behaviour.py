"""How the widget behaves, with the test playing Rasa's socket.io channel.

Keyboard (Enter, Shift+Enter, an IME composition), the typing indicator, the session
kept across reloads on the protocol level, a new conversation, and the one-line embed
on somebody else's page.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def echo(text: str) -> list[dict[str, Any]]:
    return [{"text": f"echo: {text}"}, {"custom": {"kind": "text", "language": "zh"}}]


def user_messages(events: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in events if e["event"] == "user_uttered"]


def keydown(page: Any, **init: Any) -> None:
    """A synthetic Enter keydown on the input (``keyCode`` set as Safari sets it during IME)."""
    page.evaluate(
        """(init) => {
          const input = document.getElementById('cvm-helpdesk-widget').shadowRoot.querySelector('.input');
          const event = new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true, ...init});
          if (init.keyCode) Object.defineProperty(event, 'keyCode', {value: init.keyCode});
          input.dispatchEvent(event);
        }""",
        init,
    )


def test_enter_sends_but_not_during_an_ime_composition(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    events = play_rasa.socket(widget_page.page, echo)
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    page = widget_page.page
    page.locator(".input").fill("duan kou")  # pinyin being composed into 端口

    keydown(page, isComposing=True)  # Enter that picks the IME candidate
    keydown(page, keyCode=229)  # the same in Safari, which reports it after compositionend
    page.locator(".input").press("Shift+Enter")  # a new line
    assert widget_page.rows("user").count() == 0
    assert page.locator(".input").input_value() == "duan kou\n"

    page.locator(".input").fill("端口\n  ")
    widget_page.ask("", "text", by=lambda: page.locator(".input").press("Enter"))
    assert user_messages(events) == ["端口"]  # trimmed
    assert page.locator(".input").input_value() == ""
    page.locator(".send").click()  # empty: nothing is sent
    assert widget_page.rows("user").count() == 1 and user_messages(events) == ["端口"]


def test_typing_indicator_until_the_bot_answers(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    events = play_rasa.socket(widget_page.page, lambda text: [])  # a bot that is still thinking
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    widget_page.page.locator(".input").fill("445 端口能用吗？")
    widget_page.page.locator(".input").press("Enter")
    expect(widget_page.page.locator(".typing")).to_be_visible()
    assert user_messages(events) == ["445 端口能用吗？"]
    widget_page.shot("12-typing-zh")


def test_session_survives_reload_and_new_conversation_starts_another(
    fake_rasa_url: str, widget_page: Any, play_rasa: Any
) -> None:
    events = play_rasa.socket(widget_page.page, echo)
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    widget_page.ask("第一句", "text")
    widget_page.page.reload()
    widget_page.connected()
    widget_page.ask("第二句", "text")

    # Both connections asked Rasa for the same session, and both messages were sent in it.
    sessions = [e["session_id"] for e in events]
    assert len(sessions) == 4 and len(set(sessions)) == 1
    assert sessions[0] == widget_page.stored()["sessionId"]

    widget_page.page.locator(".restart").click()
    widget_page.connected()
    assert widget_page.rows().count() == 1 and widget_page.rows("welcome").count() == 1
    new_session = widget_page.stored()["sessionId"]
    assert new_session != sessions[0]
    assert events[-1] == {"event": "session_request", "session_id": new_session}


def test_one_line_embed_on_another_site(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    """A shop's English page with only the script tag; its data-rasa-url is where the widget connects."""
    page = widget_page.page
    shop = "http://shop.example/"
    # Served under a public name: Chromium blocks a public page from loading 127.0.0.1.
    script = httpx.get(f"{fake_rasa_url}/widget.js").text
    page.route(
        "http://helpdesk.example/widget.js", lambda route: route.fulfill(content_type="text/javascript", body=script)
    )
    embed = '<script src="http://helpdesk.example/widget.js" data-rasa-url="http://rasa.example:5005" defer></script>'
    page.route(
        shop,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!doctype html><html lang="en-GB"><head><title>Shop</title></head><body><h1>Shop</h1>{embed}'
            "<style>button { background: red !important; font-size: 40px !important; }</style></body></html>",
        ),
    )
    urls: list[str] = []
    play_rasa.socket(page, echo, urls)
    page.goto(shop)

    expect(page.locator(".launcher")).to_have_text("Chat with us")  # closed until asked, English
    expect(page.locator(".panel")).to_be_hidden()
    # The host page's styles do not reach into the widget.
    assert page.locator(".launcher").evaluate("b => getComputedStyle(b).fontSize") == "14px"
    page.locator(".launcher").click()
    widget_page.connected()
    assert urls == ["ws://rasa.example:5005/socket.io/?EIO=4&transport=websocket"]
    reply = widget_page.ask("hello", "text")
    assert reply.inner_text().endswith("echo: hello")
    widget_page.page.locator(".close").click()
    expect(page.locator(".panel")).to_be_hidden()
    widget_page.shot("13-embedded-closed-en")
