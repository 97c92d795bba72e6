"""Nothing the bot or the FAQ says can put markup or script into the page.

The test plays Rasa (its socket.io channel, or its REST channel when the socket is
refused) and answers with crafted payloads of every kind the widget renders: each
carries <img onerror>, <script>, javascript: links and the like where text goes. They
must show as text, run nothing (no alert, no global set), add no element, and stay
inert after a reload re-renders them from storage. The user's own input is covered
against the real bot in test_widget_e2e.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=2;alert(2)</script>"
SVG = '<svg onload="window.__xss=3;alert(3)"></svg>'
IFRAME = '<iframe src="javascript:alert(6)"></iframe>'
FAQ_MARKDOWN = f"""**粗体** {IMG}
{SCRIPT}

- [恶意链接](javascript:window.__xss=4) 和 [正常链接](https://cloud.tencent.com/document/product/213/12451)
- [数据链接](data:text/html,<script>alert(5)</script>) {IFRAME}

| 协议 | <b>端口</b> |
| --- | --- |
| TCP | <img src=x onerror="window.__xss=8;alert(8)"> |
"""
CHOOSE_PAYLOAD = '/choose_faq{"faq_id": "faq-x"}'


def crafted_replies(user_text: str) -> list[dict[str, Any]]:
    """One message of each kind (socket.io shape: buttons as quick_replies), all hostile."""
    if user_text.startswith("/choose_faq"):
        return [{"text": f"你选了 {SCRIPT}"}, {"custom": {"kind": "text", "language": "zh"}}]
    return [
        {"text": f"常见问题：{SVG}\n{FAQ_MARKDOWN}"},
        {
            "custom": {
                "kind": "faq_answer",
                "language": "zh",
                "faq_id": "faq-x",
                "question": f"{SVG}如何开启端口？",
                "score": 0.9,
                "source_url": "javascript:window.__xss=7;alert(7)",
                "answer_markdown": FAQ_MARKDOWN,
            }
        },
        {"text": "端口查询结果"},
        {
            "custom": {
                "kind": "port_verdict",
                "language": "zh",
                "results": [
                    {"protocol": "<b>tcp</b>", "port": IMG, "verdict": SCRIPT, "reason": SCRIPT, "advice": IMG},
                    {"protocol": "udp", "port": 445, "verdict": "open", "reason": IFRAME, "advice": SVG},
                ],
            }
        },
        {
            "text": f"您是想问下面这些问题吗？{IMG}",
            "quick_replies": [{"content_type": "text", "title": IMG, "payload": CHOOSE_PAYLOAD}],
        },
        {"custom": {"kind": "fallback", "language": "zh", "candidates": [{"id": "faq-x", "question": IMG}]}},
        {"text": f"已转人工 {SCRIPT}"},
        {"custom": {"kind": "handoff", "language": "zh", "ticket_id": IMG, "reason": "user_request"}},
        {"custom": {"kind": "text", "language": "zh", "text": f"custom text {SVG}"}},
        {"text": f"您刚才说：{user_text}"},
    ]


def as_rest(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same messages as Rasa's REST channel sends them (buttons, not quick_replies)."""
    out = []
    for m in messages:
        m = dict(m)
        if "quick_replies" in m:
            m["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in m.pop("quick_replies")]
        out.append(m)
    return out


AUDIT = """() => {
  const root = document.getElementById('cvm-helpdesk-widget').shadowRoot;
  const all = (sel) => Array.from(root.querySelectorAll(sel));
  return {
    injected: all('img, script, iframe, object, embed, b, svg:not(.icon-svg), [onerror], [onload]')
      .map((e) => e.outerHTML),
    hrefs: all('a').map((a) => a.getAttribute('href')),
    pageElements: Array.from(document.querySelectorAll('img, iframe, svg, object, embed')).map((e) => e.outerHTML),
    pageScripts: document.scripts.length,
    xss: window.__xss === undefined ? null : window.__xss,
    text: root.querySelector('.messages').innerText,
  };
}"""


def assert_inert(wp: Any) -> dict[str, Any]:
    audit: dict[str, Any] = wp.page.evaluate(AUDIT)
    assert audit["injected"] == [], "markup from a payload became elements"
    assert audit["pageElements"] == [] and audit["pageScripts"] == 1
    assert audit["xss"] is None and wp.dialogs == [] and wp.errors == []
    # Only the http(s) links survive: the FAQ's real link and the source link never.
    assert audit["hrefs"] == ["https://cloud.tencent.com/document/product/213/12451"]
    for literal in (IMG, SCRIPT, f"custom text {SVG}", IFRAME, "[恶意链接](javascript:window.__xss=4)"):
        assert literal in audit["text"], literal
    return audit


@pytest.mark.parametrize("transport", ["socket", "rest"])
def test_crafted_payloads_of_every_kind_render_as_text(
    transport: str, fake_rasa_url: str, widget_page: Any, play_rasa: Any
) -> None:
    page = widget_page.page
    if transport == "socket":
        sent = play_rasa.socket(page, crafted_replies)
    else:
        play_rasa.refuse_socket(page)
        sent = play_rasa.rest(page, lambda text: as_rest(crafted_replies(text)))
    widget_page.open(fake_rasa_url)
    widget_page.connected(transport)

    widget_page.ask(f"你好 {IMG}{SCRIPT}", "handoff")
    for kind in ("faq_answer", "port_verdict", "fallback", "handoff"):
        assert widget_page.rows(kind).count() == 1, kind
    faq = widget_page.rows("faq_answer")
    assert faq.locator("strong", has_text="粗体").count() == 1  # Markdown still works around the markup
    assert faq.locator("td").nth(1).inner_text() == '<img src=x onerror="window.__xss=8;alert(8)">'
    assert faq.locator("a.source").count() == 0  # a javascript: source gets no link at all
    verdicts = widget_page.rows("port_verdict").locator(".verdict")
    assert verdicts.nth(0).get_attribute("data-verdict") == "unknown"
    assert verdicts.nth(0).locator(".verdict-port").inner_text() == f"<B>TCP</B> {IMG}"
    assert_inert(widget_page)
    widget_page.shot(f"safety-crafted-{transport}")

    # The hostile button title is shown as text, and its payload is what gets sent.
    widget_page.ask("", "text", by=lambda: widget_page.rows("fallback").locator(".chip").first.click())
    assert widget_page.rows("user").last.inner_text().endswith(IMG)
    user_messages = [m["message"] for m in sent if m.get("event", "user_uttered") == "user_uttered"]
    assert user_messages[-1] == CHOOSE_PAYLOAD
    assert_inert(widget_page)

    # Rendered again from storage after a reload: still inert.
    items_before = widget_page.rows().count()
    page.reload()
    widget_page.connected(transport)
    assert widget_page.rows().count() == items_before
    assert_inert(widget_page)


def test_markdown_subset_renders_as_structure(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    """The FAQ's own Markdown: nested lists, an ordered list, a table, links, bold."""
    answer = "\n".join(
        [
            "放通某个端口的操作步骤如下：",
            "1. 登录 [安全组控制台](https://console.cloud.tencent.com/vpc/securitygroup)。",
            "2. 选择入站规则。",
            "",
            "- **问题隐患**",
            " - 远程连接可能失败。",
            " - Ping 可能失败。",
            "- **解决方案**",
            "",
            "| 协议 | 不支持端口 |",
            "| ---- | ---- |",
            "| TCP | 42 135 |",
            "",
            "更多说明请参见 https://cloud.tencent.com/document/product/213/12451。",
        ]
    )
    custom = {
        "kind": "faq_answer",
        "language": "zh",
        "faq_id": "faq-y",
        "question": "如何开启端口？",
        "source_url": "https://cloud.tencent.com/document/product/213/2502",
        "answer_markdown": answer,
    }
    play_rasa.socket(widget_page.page, lambda _: [{"text": answer}, {"custom": custom}])
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    card = widget_page.ask("如何开启端口", "faq_answer")

    assert card.locator(".md > ol > li").count() == 2
    assert card.locator(".md > ul > li").count() == 2  # two top-level items ...
    assert card.locator(".md > ul > li:first-child > ul > li").count() == 2  # ... the first with two nested ones
    assert card.locator("table th").all_inner_texts() == ["协议", "不支持端口"]
    assert card.locator("table td").all_inner_texts() == ["TCP", "42 135"]
    hrefs = [a.get_attribute("href") for a in card.locator("a").all()]
    assert hrefs == [
        "https://console.cloud.tencent.com/vpc/securitygroup",
        # the bare URL stops before the full stop after it
        "https://cloud.tencent.com/document/product/213/12451",
        "https://cloud.tencent.com/document/product/213/2502",
    ]
    assert all(a.get_attribute("rel") == "noopener noreferrer nofollow" for a in card.locator("a").all())
    assert json.loads(json.dumps(widget_page.errors)) == []
