"""Rasa down: the widget says so and answers from the app's FAQ search until Rasa is back.

Against the real app (``bot_stack.app_url`` serves the widget and /v1/answer) with the
page's way to Rasa cut by Playwright (``play_rasa.switch``: the socket.io channel closes
at once, the REST channel is refused), then restored; or with Rasa's REST webhook
failing; or, for the rendering, with the test playing the FAQ API with hostile entries.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.widget.conftest import NOWHERE

pytestmark = pytest.mark.browser

BACK_TIMEOUT_MS = 20_000  # the socket's retries while down: 1 s, 2 s, 4 s ...


def api_calls(page: Any) -> list[tuple[str, str, Any]]:
    """(method, url, JSON body) of every request the page makes to the FAQ API, as it makes them."""
    calls: list[tuple[str, str, Any]] = []

    def on_request(request: Any) -> None:
        if "/v1/" in request.url:
            body = json.loads(request.post_data) if request.post_data else None
            calls.append((request.method, request.url, body))

    page.on("request", on_request)
    return calls


def test_rasa_down_faq_search_then_back_to_the_bot(bot_stack: Any, widget_page: Any, play_rasa: Any) -> None:
    page = widget_page.page
    rasa = play_rasa.switch(page, bot_stack.rasa_url)
    calls = api_calls(page)
    widget_page.open(bot_stack.app_url)

    # Told at once, in the page's language, before anything is asked.
    widget_page.connected("down")
    notice = widget_page.page.locator(".row[data-notice=offline] .notice")
    expect(notice).to_have_text("助手暂时无法使用；您仍可以搜索常见问题，直接输入问题即可。")
    assert page.locator(".status-text").inner_text() == "助手暂不可用 · 可搜索常见问题"
    widget_page.shot("14-rasa-down-notice-zh")

    # A clear question: the FAQ answer card, from /v1/answer, without feedback buttons.
    question = "如何开启某个端口？"
    expected = bot_stack.api("POST", "/v1/answer", json={"question": question, "top_k": 3})
    assert expected["confident"]
    card = widget_page.ask(question, "faq_answer")
    assert calls[-1] == ("POST", f"{bot_stack.app_url}/v1/answer", {"question": question, "top_k": 3})
    assert card.get_attribute("data-via") == "faq"
    assert card.locator(".faq-question").inner_text() == expected["answer"]["question"]
    assert card.locator("a.source").get_attribute("href") == expected["answer"]["source_url"]
    assert card.locator(".md > ol > li").count() == 3  # the FAQ's Markdown, rendered as for the bot
    assert card.locator(".md a").first.get_attribute("href") == "https://console.cloud.tencent.com/vpc/securitygroup"
    assert card.locator("[data-feedback]").count() == 0 and card.locator(".feedback").count() == 0
    widget_page.shot("15-rasa-down-faq-answer-zh")

    # A vague one: the candidates as buttons; a click shows that entry from /v1/faq/{id}/text.
    vague = "我的服务器连不上"
    search = bot_stack.api("POST", "/v1/answer", json={"question": vague, "top_k": 3})
    assert not search["confident"] and search["candidates"], search
    offer = widget_page.ask(vague, "faq_search")
    chips = offer.locator(".chip")
    assert chips.all_inner_texts() == [c["question"] for c in search["candidates"]]
    assert offer.locator(".md").inner_text() == "没有找到完全匹配的答案，您是想问下面这些问题吗？"
    widget_page.shot("16-rasa-down-candidates-zh")

    first = search["candidates"][0]
    entry = bot_stack.api("GET", f"/v1/faq/{first['id']}/text?language=zh")
    answer = widget_page.ask("", "faq_answer", by=lambda: chips.first.click())
    assert calls[-1] == ("GET", f"{bot_stack.app_url}/v1/faq/{first['id']}/text?language=zh", None)
    assert widget_page.rows("user").last.inner_text().endswith(first["question"])
    assert answer.locator(".faq-question").inner_text() == entry["question"]
    assert answer.locator("a.source").get_attribute("href") == entry["source_url"]
    assert all(chip.is_disabled() for chip in chips.all())  # one entry per question
    expect(chips.first).to_have_class("chip chosen")

    # Rasa is back: the next message goes to the bot (a port verdict only the bot gives),
    # and the widget says it is back.
    rasa.down = False
    answered = len(calls)
    widget_page.ask("445端口能用吗", "port_verdict")
    widget_page.connected("socket")
    assert calls[answered:] == []  # not the FAQ search
    expect(page.locator(".row[data-notice=online] .notice")).to_have_text("助手已恢复，接下来的消息将由助手回答。")
    assert page.locator(".status-text").inner_text() == "在线"
    # Notices in order: down once, back once.
    assert [n.get_attribute("data-notice") for n in page.locator(".row[data-notice]").all()] == ["offline", "online"]
    assert widget_page.errors == []
    widget_page.shot("17-rasa-back-zh")

    # The conversation, FAQ search results included, survives a reload; nothing is announced again.
    before = widget_page.rows().all_inner_texts()
    page.reload()
    widget_page.connected("socket")
    assert widget_page.rows().all_inner_texts() == before
    assert widget_page.stored()["offline"] is False


def test_socket_reconnecting_by_itself_brings_the_bot_back(bot_stack: Any, widget_page: Any, play_rasa: Any) -> None:
    rasa = play_rasa.switch(widget_page.page, bot_stack.rasa_url)
    widget_page.open(bot_stack.app_url + "/?lang=en")
    widget_page.connected("down")
    expect(widget_page.page.locator(".row[data-notice=offline] .notice")).to_have_text(
        "The assistant is unavailable right now; you can still search the FAQ: just type your question."
    )
    assert widget_page.page.locator(".status-text").inner_text() == "Assistant unavailable · FAQ search"

    rasa.down = False  # nobody types: the background retries find it
    expect(widget_page.page.locator(".widget[data-transport=socket]")).to_have_count(1, timeout=BACK_TIMEOUT_MS)
    expect(widget_page.page.locator(".row[data-notice=online] .notice")).to_have_text(
        "The assistant is back; your next messages go to it again."
    )
    card = widget_page.ask("How do I open a port?", "faq_answer")
    assert card.get_attribute("data-via") is None  # the bot's card, with its feedback buttons
    assert card.locator("[data-feedback]").count() == 2


def test_a_failing_rest_call_switches_to_the_faq_search(bot_stack: Any, widget_page: Any, play_rasa: Any) -> None:
    """The socket is refused, REST answers its health check, but the message itself fails (HTTP 500)."""
    page = widget_page.page
    play_rasa.refuse_socket(page)
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(status=500, body="Internal Server Error"))
    calls = api_calls(page)
    widget_page.open(bot_stack.app_url + "/?lang=en")
    widget_page.connected("rest")
    assert widget_page.page.locator(".row[data-notice]").count() == 0  # Rasa looks up so far

    card = widget_page.ask("How do I open a port?", "faq_answer")
    widget_page.connected("down")
    assert card.get_attribute("data-via") == "faq"
    assert [c[1] for c in calls] == [f"{bot_stack.app_url}/v1/answer"]
    # The user's message, then the notice, then the answer.
    assert widget_page.rows().all()[-2].get_attribute("data-notice") == "offline"
    assert widget_page.rows("user").last.get_attribute("class") == "row row-user"  # not marked as failed
    assert card.locator("a.source").count() == 1 and card.locator("[data-feedback]").count() == 0
    widget_page.shot("18-rasa-rest-error-en")

    # Down now: the next question goes to the FAQ search straight away.
    widget_page.ask("Why can't I delete my security group?")
    assert len(calls) == 2 and widget_page.page.locator(".row[data-notice]").count() == 1


IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=2;alert(2)</script>"
HOSTILE_ENTRY = {
    "id": "faq-x",
    "question": f"{IMG}如何开启端口？",
    "answer": f"**粗体** {SCRIPT}\n\n- [恶意链接](javascript:window.__xss=3) 和 [正常链接](https://cloud.tencent.com/document/product/213/12451)",
    "source_url": "javascript:window.__xss=4;alert(4)",
    "score": 0.9,
}


def test_faq_search_results_render_as_text(fake_rasa_url: str, widget_page: Any) -> None:
    """Nothing listens where this page's Rasa is; the test plays the app's FAQ API (found at
    the script's own origin) with hostile entries: they show as text and run nothing."""
    page = widget_page.page
    seen: list[str] = []

    def answer(route: Any) -> None:
        seen.append(route.request.url)
        question = json.loads(route.request.post_data)["question"]
        confident = question == "clear"
        body = {
            "confident": confident,
            "confidence": 0.9 if confident else 0.2,
            "answer": HOSTILE_ENTRY,
            "candidates": [{"id": "faq-x", "question": SCRIPT, "score": 0.4}, {"id": 7, "question": "not an id"}],
        }
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/v1/answer", answer)
    page.route(
        "**/v1/faq/*/text?language=*",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(HOSTILE_ENTRY)),
    )
    widget_page.open(fake_rasa_url)
    widget_page.connected("down")  # NOWHERE: both the socket and REST fail for real

    card = widget_page.ask("clear", "faq_answer")
    assert seen == [f"{fake_rasa_url}/v1/answer"]  # the app that served /widget.js
    assert card.locator(".faq-question").inner_text() == HOSTILE_ENTRY["question"]
    assert card.locator("strong", has_text="粗体").count() == 1
    assert card.locator("a.source").count() == 0  # a javascript: source gets no link
    offer = widget_page.ask("vague", "faq_search")
    assert offer.locator(".chip").all_inner_texts() == [SCRIPT]  # the candidate without a string id is dropped
    widget_page.ask("", "faq_answer", by=lambda: offer.locator(".chip").click())

    found = page.evaluate(
        """() => {
          const root = document.getElementById('cvm-helpdesk-widget').shadowRoot;
          return {
            injected: root.querySelectorAll('img, script, [onerror]').length,
            hrefs: Array.from(root.querySelectorAll('a')).map((a) => a.getAttribute('href')),
            xss: window.__xss === undefined ? null : window.__xss,
          };
        }"""
    )
    assert found == {
        "injected": 0,
        "hrefs": ["https://cloud.tencent.com/document/product/213/12451"] * 2,
        "xss": None,
    }
    assert widget_page.dialogs == [] and widget_page.errors == []
    widget_page.shot("safety-faq-search")


def test_data_api_url_overrides_where_the_faq_search_goes(fake_rasa_url: str, widget_page: Any) -> None:
    """Embedded on another site: Rasa unreachable, the FAQ API where data-api-url says."""
    page = widget_page.page
    script = httpx.get(f"{fake_rasa_url}/widget.js").text
    page.route("http://cdn.example/widget.js", lambda route: route.fulfill(content_type="text/javascript", body=script))
    embed = (
        '<script src="http://cdn.example/widget.js" data-rasa-url="http://rasa.example:5005" '
        'data-api-url="https://helpdesk.example/api/" data-open="true" defer></script>'
    )
    page.route(
        "http://shop.example/",
        lambda route: route.fulfill(
            content_type="text/html", body=f'<!doctype html><html lang="en"><body><h1>Shop</h1>{embed}</body></html>'
        ),
    )
    page.route(re.compile(r"^http://rasa\.example:5005/"), lambda route: route.abort("connectionrefused"))
    page.route_web_socket(re.compile(r"/socket\.io/"), lambda ws: ws.send("1"))
    seen: list[str] = []

    def answer(route: Any) -> None:
        seen.append(route.request.url)
        body = {"confident": False, "confidence": 0.1, "answer": None, "candidates": []}
        route.fulfill(
            status=200,
            headers={"Access-Control-Allow-Origin": "http://shop.example"},
            content_type="application/json",
            body=json.dumps(body),
        )

    page.route("https://helpdesk.example/**", answer)
    page.goto("http://shop.example/")
    widget_page.connected("down")
    reply = widget_page.ask("something the FAQ does not know", "faq_search")
    assert seen == ["https://helpdesk.example/api/v1/answer"]
    assert reply.locator(".md").inner_text() == "Nothing in the FAQ matches; please try other words."
    assert reply.locator(".chip").count() == 0


def test_nowhere_is_unreachable() -> None:
    """The premise of the tests above that use ``fake_rasa_url``: nothing answers there."""
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{NOWHERE}/webhooks/rest/", timeout=2)


CHOOSE = '/choose_faq{"faq_id":"faq-x"}'


def test_a_bot_button_choosing_an_faq_entry_still_works_while_rasa_is_down(
    fake_rasa_url: str, widget_page: Any
) -> None:
    """The bot offered candidates, then Rasa went away: a click on one fetches that entry from
    the app instead of sending the intent to nobody."""
    page = widget_page.page
    sockets: list[Any] = []
    down = False
    fallback = [
        {"text": "您是想问下面这些问题吗？", "quick_replies": [{"title": "如何开启端口？", "payload": CHOOSE}]},
        {
            "custom": {
                "kind": "fallback",
                "language": "zh",
                "candidates": [{"id": "faq-x", "question": "如何开启端口？"}],
            }
        },
    ]

    def handler(ws: Any) -> None:
        if down:
            ws.send("1")
            return
        sockets.append(ws)
        ws.send('0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')

        def on_message(message: str | bytes) -> None:
            if message == "40":
                ws.send('40{"sid":"fake-socket"}')
            elif isinstance(message, str) and message.startswith("42"):
                name, data = json.loads(message[2:])
                if name == "session_request":
                    ws.send("42" + json.dumps(["session_confirm", data["session_id"]]))
                elif name == "user_uttered":
                    for reply in fallback:
                        ws.send("42" + json.dumps(["bot_uttered", reply]))

        ws.on_message(on_message)

    entry = {
        "id": "faq-x",
        "question": "如何开启端口？",
        "answer": "登录控制台。",
        "source_url": "https://cloud.tencent.com/",
    }
    fetched: list[str] = []
    page.route_web_socket(re.compile(r"/socket\.io/"), handler)
    page.route(
        "**/v1/faq/*/text?language=*",
        lambda route: (
            fetched.append(route.request.url),
            route.fulfill(status=200, content_type="application/json", body=json.dumps(entry)),
        ),
    )
    widget_page.open(fake_rasa_url)
    widget_page.connected("socket")
    offer = widget_page.ask("端口", "fallback")

    down = True
    sockets[0].send("1")  # Rasa goes away (and REST at NOWHERE never answered)
    answer = widget_page.ask("", "faq_answer", by=lambda: offer.locator(".chip").click())
    assert fetched == [f"{fake_rasa_url}/v1/faq/faq-x/text?language=zh"]
    assert answer.get_attribute("data-via") == "faq"
    assert answer.locator(".md").inner_text() == "登录控制台。"
    assert page.locator(".row[data-notice=offline]").count() == 1
    assert widget_page.rows("user").last.inner_text().endswith("如何开启端口？")
