"""The troubleshooting card (kind ``diagnosis``) in Chromium, the test playing Rasa.

The payloads are the real diagnosis engine's (``diagnosis.Diagnoser`` over the shipped
knowledge), as action_diagnose forwards them: a conclusion (the deciding rule as the user
wrote it, the fix with a copy button per command) and the next checks, in Chinese and
English, on a desktop and a phone; and a hostile payload, which must render as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.widget.test_widget_safety import AUDIT, IFRAME, IMG, SCRIPT, SVG

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SG_TABLE = (REPO / "tests" / "diagnosis" / "data" / "sg_ssh_office.tsv").read_text(encoding="utf-8")
IPTABLES = (REPO / "tests" / "evidence" / "data" / "host" / "iptables_S.txt").read_text(encoding="utf-8")
CARD = ".row[data-kind=diagnosis] .card-diagnosis"


@pytest.fixture(scope="module")
def diagnose() -> Iterator[Callable[..., dict[str, Any]]]:
    """The engine over the shipped knowledge: messages in turn -> the last diagnosis payload."""
    from diagnosis import Case, Diagnoser
    from knowledge import load_knowledge

    diagnoser = Diagnoser.from_knowledge(load_knowledge())

    def run(*messages: str) -> dict[str, Any]:
        case = Case()
        payload: dict[str, Any] = {}
        for text in messages:
            diagnosis = diagnoser.step(case, text)
            case, payload = diagnosis.case, diagnosis.to_payload()
        # Through JSON, as it reaches the page.
        loaded: dict[str, Any] = json.loads(json.dumps(payload))
        return loaded

    yield run


def play(widget_page: Any, play_rasa: Any, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa answers every message with the bot's text and this diagnosis payload; what the page sent."""
    return play_rasa.socket(widget_page.page, lambda _: [{"text": "diagnosis text"}, {"custom": payload}])  # type: ignore[no-any-return]


def card_facts(card: Any) -> dict[str, Any]:
    """What the card shows, read from the page."""
    checks = card.locator(".diag-check")
    return {
        "state": card.get_attribute("data-state"),
        "summary": card.locator(".diag-summary").inner_text(),
        "statuses": [checks.nth(i).get_attribute("data-status") for i in range(checks.count())],
        "check_titles": card.locator(".diag-check-title").all_inner_texts(),
        "status_labels": card.locator(".diag-status").all_inner_texts(),
        "commands": card.locator(".diag-command-text").all_text_contents(),
        "tools": card.locator(".diag-tool").all_inner_texts(),
        "steps": card.locator(".diag-steps > li").count(),
        "needs": card.locator(".diag-needs li").count(),
        # Each FAQ chip: its id, after words only a screen reader gets ("Show FAQ entry").
        "faqs": [text.rsplit(" ", 1)[-1] for text in card.locator(".diag-faq").all_text_contents()],
    }


@pytest.mark.parametrize(
    ("lang", "messages", "labels"),
    [
        # Three turns: a description, the console's rule table, the user's address.
        ("zh", ["ssh 超时", SG_TABLE, "我的IP是 203.0.113.9"], ("已找到原因", "决定性规则", "修复方法", "通过")),
        # iptables -S pasted under a description.
        ("en", ["mysql 3306 times out\n" + IPTABLES], ("Cause found", "Deciding rule", "How to fix it", "Passed")),
    ],
)
def test_a_conclusion_card_shows_the_rule_the_fix_and_the_checklist(
    lang: str,
    messages: list[str],
    labels: tuple[str, str, str, str],
    diagnose: Callable[..., dict[str, Any]],
    fake_rasa_url: str,
    widget_page: Any,
    play_rasa: Any,
) -> None:
    payload = diagnose(*messages)
    assert payload["language"] == lang and payload["cause"] and payload["fix"]["commands"]
    sent = play(widget_page, play_rasa, payload)
    widget_page.open(fake_rasa_url + ("/?lang=en" if lang == "en" else ""))
    widget_page.connected()
    widget_page.ask(messages[-1], "diagnosis")
    card = widget_page.page.locator(CARD)
    state, rule_heading, fix_heading, passed = labels

    facts = card_facts(card)
    assert facts["state"] == "found"
    assert card.locator(".diag-state").inner_text() == state
    assert card.locator(".diag-title").inner_text() == payload["title"]
    # The deciding rule: its label, and the rule exactly as the user wrote it, in monospace.
    rule = card.locator(".diag-rule")
    assert rule.locator(".diag-heading").inner_text() == rule_heading
    assert rule.locator(".diag-rule-label").inner_text() == payload["decided_by"]["label"]
    assert rule.locator(".diag-rule-text").text_content() == payload["decided_by"]["text"]
    assert "monospace" in rule.locator(".diag-rule-text").evaluate("e => getComputedStyle(e).fontFamily")
    # The fix: every console step, every command with its tool.
    assert card.locator(".diag-fix .diag-heading").inner_text() == fix_heading
    assert facts["steps"] == len(payload["fix"]["console_steps"])
    assert facts["commands"] == [c["command"] for c in payload["fix"]["commands"]]
    assert facts["tools"] == [c["tool"] for c in payload["fix"]["commands"]]
    # The checklist: every check, its status as a mark and as words.
    assert facts["check_titles"] == [c["title"] for c in payload["checks"]]
    assert facts["statuses"] == [c["status"] for c in payload["checks"]]
    assert facts["status_labels"][0] == passed  # the carrier check
    assert card.locator(".diag-check .icon-svg").count() == len(payload["checks"])
    assert facts["faqs"] == payload["faq_ids"] and facts["needs"] == len(payload["needs"])
    assert widget_page.errors == []
    widget_page.shot(f"diagnosis-conclusion-{lang}")

    # An FAQ entry it rests on opens as a "did you mean" candidate does.
    widget_page.ask("", by=lambda: card.locator(".diag-faq").first.click())
    message = sent[-1]["message"]
    assert message.startswith("/choose_faq") and json.loads(message[11:]) == {"faq_id": payload["faq_ids"][0]}


@pytest.mark.parametrize(
    ("lang", "text", "first_check", "how_part"),
    [
        ("zh", "8443访问不了", "sg_inbound", "DescribeSecurityGroupPolicies"),
        ("en", "redis refuses connections from my laptop", "listener", "ss -lntup"),
    ],
)
def test_a_next_checks_card_says_what_to_check_and_paste(
    lang: str,
    text: str,
    first_check: str,
    how_part: str,
    diagnose: Callable[..., dict[str, Any]],
    fake_rasa_url: str,
    widget_page: Any,
    play_rasa: Any,
) -> None:
    payload = diagnose(text)
    assert payload["cause"] is None and payload["language"] == lang
    play(widget_page, play_rasa, payload)
    widget_page.open(fake_rasa_url + ("/?lang=en" if lang == "en" else ""))
    widget_page.connected()
    widget_page.ask(text, "diagnosis")
    card = widget_page.page.locator(CARD)

    facts = card_facts(card)
    assert facts["state"] == "open" and facts["summary"] == payload["summary"]
    assert card.locator(".diag-fix, .diag-rule").count() == 0  # nothing decided yet
    # The next check stands out, with why, how to make it, and (in "send me next") what to paste.
    nxt = card.locator(".diag-next")
    assert nxt.count() == 1
    first = next(c for c in payload["checks"] if c["status"] == "todo")
    assert first["id"] == first_check
    assert nxt.locator(".diag-check-title").inner_text() == first["title"]
    assert nxt.locator(".diag-status").inner_text() == ("下一步" if lang == "zh" else "Next")
    assert how_part in nxt.locator(".diag-how").first.inner_text()
    assert nxt.locator(".diag-how code").count() >= 1  # the engine's `commands` as code
    needs = card.locator(".diag-needs li").all_inner_texts()
    assert needs == payload["needs"] and first["paste"] in needs
    assert facts["statuses"] == [c["status"] for c in payload["checks"]]
    widget_page.shot(f"diagnosis-next-checks-{lang}")


def test_the_copy_button_puts_the_exact_command_on_the_clipboard(
    diagnose: Callable[..., dict[str, Any]], fake_rasa_url: str, widget_page: Any, play_rasa: Any
) -> None:
    # The tccli command: quotes, braces and JSON, to be copied byte for byte.
    payload = diagnose("ssh 超时", SG_TABLE, "我的IP是 203.0.113.9")
    (command,) = [c["command"] for c in payload["fix"]["commands"]]
    assert '\'{"Ingress"' in command
    widget_page.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_rasa_url)
    play(widget_page, play_rasa, payload)
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    widget_page.ask("我的IP是 203.0.113.9", "diagnosis")
    block = widget_page.page.locator(CARD + " .diag-command").first
    block.locator(".diag-copy").click()
    assert widget_page.page.evaluate("() => navigator.clipboard.readText()") == command
    assert block.locator(".diag-copy-status").inner_text() == "已复制"
    # The button says what it copies to a screen reader.
    assert block.locator(".diag-copy").inner_text().replace("\n", " ").strip().startswith("复制")
    assert block.locator(".diag-copy .sr-only").text_content() == " tccli 命令"


def test_without_the_clipboard_api_the_command_is_selected_for_the_user(
    diagnose: Callable[..., dict[str, Any]], fake_rasa_url: str, widget_page: Any, play_rasa: Any
) -> None:
    payload = diagnose("mysql 3306 times out\n" + IPTABLES)
    command = payload["fix"]["commands"][0]["command"]
    # An older browser, or a page not served over https: no navigator.clipboard.
    widget_page.page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})")
    play(widget_page, play_rasa, payload)
    widget_page.open(fake_rasa_url + "/?lang=en")
    widget_page.connected()
    widget_page.ask("mysql 3306 times out", "diagnosis")
    assert widget_page.page.evaluate("() => navigator.clipboard") is None
    block = widget_page.page.locator(CARD + " .diag-command").first
    block.locator(".diag-copy").click()
    selected = widget_page.page.evaluate(
        "() => { const root = document.getElementById('cvm-helpdesk-widget').shadowRoot;"
        " return (root.getSelection ? root.getSelection() : document.getSelection()).toString(); }"
    )
    assert selected == command
    # execCommand("copy") copied the selection, or the user is told to press Ctrl+C.
    assert block.locator(".diag-copy-status").inner_text() in ("Copied", "Selected: press Ctrl+C (⌘C on a Mac) to copy")


def test_on_a_phone_the_card_fits_the_screen(
    diagnose: Callable[..., dict[str, Any]], fake_rasa_url: str, make_page: Any, play_rasa: Any
) -> None:
    wp = make_page(width=390, height=844)
    payload = diagnose("ssh 超时", SG_TABLE, "我的IP是 203.0.113.9")
    play(wp, play_rasa, payload)
    wp.open(fake_rasa_url)
    wp.connected()
    wp.ask("我的IP是 203.0.113.9", "diagnosis")
    card = wp.page.locator(CARD)
    # Nothing sticks out sideways: the long tccli command wraps inside the card (the
    # screen-reader-only words are clipped on purpose).
    widths = card.evaluate(
        "c => ({card: c.getBoundingClientRect().right, view: window.innerWidth,"
        " overflow: Array.from(c.querySelectorAll('*:not(.sr-only)')).filter(e => e.scrollWidth > e.clientWidth + 1"
        " && getComputedStyle(e).overflowX !== 'auto').map(e => e.className)})"
    )
    assert widths["card"] <= widths["view"] and widths["overflow"] == []
    copy = card.locator(".diag-copy").first
    copy.scroll_into_view_if_needed()
    box = copy.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390 and box["height"] >= 28
    wp.shot("diagnosis-phone")


HOSTILE_LINK = "[点我](javascript:window.__xss=9)"


def hostile_payload() -> dict[str, Any]:
    """Every field the card shows carries markup, script or a javascript: link."""
    return {
        "kind": "diagnosis",
        "language": "zh",
        "cause": f"sg_drop_rule{IMG}",
        "title": f"结论 {SCRIPT}",
        "summary": f"摘要 {IMG} {HOSTILE_LINK} `{SVG}`",
        "decided_by": {
            "source": "security_group",
            "label": f"规则 {IFRAME}",
            "text": f'0.0.0.0/0 TCP:22 DROP {IMG} "><script>alert(10)</script>',
            "reason": SCRIPT,
            "flow": None,
        },
        "checks": [
            {
                "id": "x",
                "status": "failed",
                "title": f"检查 {SVG}",
                "why": IMG,
                "how": IMG,
                "paste": IMG,
                "detail": IMG,
            },
            {"id": "y", "status": f"<b>{SCRIPT}</b>", "title": IMG, "why": "", "how": "", "paste": "", "detail": ""},
        ],
        "fix": {
            "summary": f"修复 {IMG}",
            "console_steps": [f"步骤 {HOSTILE_LINK}", f"<a href='javascript:alert(11)'>{SCRIPT}</a>"],
            "commands": [{"tool": f"<b>{IMG}</b>", "command": f"echo '{SCRIPT}' && {IMG}"}],
        },
        "faq_ids": [f'faq-1"}}{IMG}'],
        "needs": [f"{HOSTILE_LINK} {SCRIPT}"],
        "target": {"service": IMG, "ports": [22], "protocols": ["tcp"], "direction": "ingress"},
    }


def test_a_hostile_payload_renders_as_text(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    payload = hostile_payload()
    widget_page.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_rasa_url)
    sent = play(widget_page, play_rasa, payload)
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    widget_page.ask("还是不行", "diagnosis")
    card = widget_page.page.locator(CARD)

    def assert_inert() -> None:
        audit: dict[str, Any] = widget_page.page.evaluate(AUDIT)
        assert audit["injected"] == [], "markup from the payload became elements"
        assert audit["pageElements"] == [] and audit["pageScripts"] == 1
        assert audit["xss"] is None and widget_page.dialogs == [] and widget_page.errors == []
        assert audit["hrefs"] == []  # javascript: links stay text
        for literal in (SCRIPT, IFRAME, HOSTILE_LINK, '"><script>alert(10)</script>', f'faq-1"}}{IMG}'):
            assert literal in audit["text"], literal

    assert_inert()
    assert card.locator(".diag-rule-text").text_content() == payload["decided_by"]["text"]
    assert card.locator(".diag-command-text").text_content() == payload["fix"]["commands"][0]["command"]
    # A status the widget does not know is shown as "unknown", not as the payload's markup.
    assert card.locator(".diag-check").nth(1).get_attribute("data-status") == "unknown"
    widget_page.shot("diagnosis-hostile")

    # The copy button copies the text, markup and all, and runs nothing.
    card.locator(".diag-copy").click()
    assert widget_page.page.evaluate("() => navigator.clipboard.readText()") == payload["fix"]["commands"][0]["command"]
    # The FAQ chip sends the id inside JSON, as data.
    widget_page.ask("", by=lambda: card.locator(".diag-faq").click())
    assert json.loads(sent[-1]["message"].removeprefix("/choose_faq")) == {"faq_id": payload["faq_ids"][0]}
    assert_inert()

    # Rendered again from storage after a reload: still inert.
    widget_page.page.reload()
    widget_page.connected()
    assert_inert()


def test_no_cause_found_offers_a_human(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    payload = {
        "kind": "diagnosis",
        "language": "en",
        "cause": "unknown",
        "title": "Every check is done and no cause was found",
        "summary": "A person needs to look further.",
        "decided_by": None,
        "checks": [
            {
                "id": "sg_inbound",
                "status": "unknown",
                "title": "Security group?",
                "why": "",
                "how": "",
                "paste": "",
                "detail": "",
            }
        ],
        "fix": {"summary": "Hand the case to a person.", "console_steps": [], "commands": []},
        "faq_ids": [],
        "needs": [],
    }
    human = {"title": "Talk to a human", "payload": "/request_human"}
    sent = play_rasa.socket(
        widget_page.page, lambda _: [{"text": "No cause found.", "quick_replies": [human]}, {"custom": payload}]
    )
    widget_page.open(fake_rasa_url + "/?lang=en")
    widget_page.connected()
    widget_page.ask("still not working", "diagnosis")
    card = widget_page.page.locator(CARD)
    assert card.get_attribute("data-state") == "unknown"
    assert card.locator(".diag-state").inner_text() == "Needs a person"
    assert card.locator(".diag-fix").count() == 0  # handing over is offered, not shown as a fix
    widget_page.ask("", by=lambda: card.locator(".chip", has_text="Talk to a human").click())
    assert sent[-1]["message"] == "/request_human"
