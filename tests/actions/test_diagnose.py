"""action_diagnose over real HTTP: the case carried in its slot from turn to turn, the app's
diagnosis forwarded as the ``diagnosis`` payload, its text in the user's language, and the
refusals (a paste too long, a case the app no longer takes, the app down) answered politely.

The app is played by ``fake_app`` with answers the real app gave (``data/``)."""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.diagnose import ActionDiagnose, language_hint
from actions.diagnosis_text import code, diagnosis_text
from contract import api as view
from contract import payloads
from tests.actions.fake_app import FakeApp, conversation, serve
from tests.actions.trackers import tracker

Slots = dict[str, Any]


def run_with_app(monkeypatch: pytest.MonkeyPatch, scenario: Callable[[FakeApp], Awaitable[None]]) -> FakeApp:
    """Run ``scenario`` against a fake app the actions reach through ``HELPDESK_API_URL``."""

    async def main() -> FakeApp:
        async with serve(FakeApp()) as app:
            monkeypatch.setenv("HELPDESK_API_URL", app.url)
            await scenario(app)
            return app

    return asyncio.run(main())


async def turn(text: str, slots: Slots) -> tuple[list[dict[str, Any]], Slots]:
    """One run of the action, as Rasa would call it: its messages, and the slots after it."""
    dispatcher = CollectingDispatcher()
    events = await ActionDiagnose().run(dispatcher, tracker(text, slots=dict(slots)), {})
    after = dict(slots)
    after.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
    return dispatcher.messages, after


def replay(
    monkeypatch: pytest.MonkeyPatch, name: str, slots: Slots | None = None
) -> list[tuple[dict[str, Any], Slots]]:
    """The recorded conversation ``name`` through the action, turn by turn, its slots carried
    as Rasa carries them; each turn's one message and the slots after it."""
    recorded = conversation(name)
    turns: list[tuple[dict[str, Any], Slots]] = []

    async def scenario(app: FakeApp) -> None:
        app.answer(*recorded)
        state = dict(slots or {})
        for exchange in recorded:
            sent, state = await turn(exchange["request"]["text"], state)
            assert len(sent) == 1, sent
            turns.append((sent[0], state))

    app = run_with_app(monkeypatch, scenario)
    # What the action sent is what the app was sent when it gave these answers: the user's
    # message, and the case exactly as the previous answer returned it.
    assert [(r["case"], r["text"]) for r in app.diagnose_requests] == [
        (e["request"]["case"], e["request"]["text"]) for e in recorded
    ]
    return turns


def test_a_description_gets_the_next_check_and_starts_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    ((message, slots),) = replay(monkeypatch, "zh_next_check")
    answer = conversation("zh_next_check")[0]["body"]
    # The payload is the app's diagnosis as it came (kind and language included).
    assert message["custom"] == answer["diagnosis"]
    assert slots["case"] == answer["case"] and slots["language"] == "zh"
    lines = message["text"].split("\n")
    assert lines[0] == "还不能确定原因。下一步：安全组入站规则是否放通 TCP 8443"  # the engine's summary
    next_check = answer["diagnosis"]["checks"][1]
    assert next_check["status"] == "todo"
    assert lines[1] == "怎么查：" + next_check["how"]
    assert lines[2] == "然后：" + next_check["paste"]
    assert lines[3] == "已查：运营商是否拦截 TCP 8443（没问题）"
    assert lines[4].startswith("之后还会查：服务是否在 TCP 8443 上监听")
    assert message["buttons"] == []


def test_the_case_is_carried_over_three_turns_to_a_conclusion(monkeypatch: pytest.MonkeyPatch) -> None:
    turns = replay(monkeypatch, "zh_source_mismatch")
    final, slots = turns[-1]
    recorded = conversation("zh_source_mismatch")[-1]["body"]
    assert final["custom"]["cause"] == "sg_source_mismatch"
    assert slots["case"] == recorded["case"]
    text = final["text"]
    assert "\n\n" not in text  # one message on every channel
    lines = text.split("\n")
    assert lines[0] == "结论：放通规则的来源不包含你的 IP"
    assert lines[1] == recorded["diagnosis"]["summary"]
    # The deciding rule: its label and the rule as the user pasted it.
    assert lines[2] == "依据：sg-xxxxxxxx 入站规则 PolicyIndex 2：`0.0.0.0/0 ALL DROP`"
    assert lines[3] == "修复方法：把你当前的公网 IP（203.0.113.9/32）加入放通规则的来源。"
    assert lines[4].startswith("1. ") and lines[5].startswith("2. ")
    (command,) = recorded["diagnosis"]["fix"]["commands"]
    assert lines[6] == f"命令（tccli）：`{command['command']}`"
    assert lines[7] == "还需要：粘贴的内容没有安全组 ID：命令中的 sg-xxxxxxxx 需要换成实际的安全组 ID。"


def test_an_english_conclusion_names_the_rule_and_each_command(monkeypatch: pytest.MonkeyPatch) -> None:
    ((message, slots),) = replay(monkeypatch, "en_firewall_conclusion")
    assert message["custom"]["language"] == "en" and slots["language"] == "en"
    lines = message["text"].split("\n")
    assert lines[0] == "Conclusion: The instance's own firewall drops or rejects the traffic"
    assert lines[2] == (
        "Decided by iptables chain MYCHAIN, rule 1 (line 16 of the paste): "
        "`-A MYCHAIN -p tcp -m tcp --dport 3306 -j DROP`"
    )
    assert lines[3].startswith("How to fix it: Allow TCP 3306")
    assert lines[-1] == "Command (iptables): `iptables -I MYCHAIN 1 -p tcp --dport 3306 -j ACCEPT`"


def test_a_paste_alone_keeps_a_chinese_case_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    # The second message is iptables -S output only: Latin letters, which alone would read as
    # English. The engine reads the prose (none) and keeps the case's language; so does the bot.
    turns = replay(monkeypatch, "zh_paste_alone")
    message, slots = turns[1]
    assert message["custom"]["language"] == "zh" and slots["language"] == "zh"
    assert message["text"].startswith("结论：实例内的防火墙丢弃或拒绝了流量\n")


def test_no_cause_found_offers_a_human(monkeypatch: pytest.MonkeyPatch) -> None:
    message, _ = replay(monkeypatch, "en_unknown")[-1]
    assert message["custom"]["cause"] == "unknown"
    assert message["text"].endswith(messages.text("diag_unknown", "en"))
    assert "How to fix it" not in message["text"]  # the engine's "fix" is to hand over: said as an offer
    assert message["buttons"] == [{"title": "Talk to a human", "payload": "/request_human"}]


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("8443访问不了", "en", None),  # words of its own: the engine reads them
        ("-A INPUT -p tcp --dport 22 -j DROP", "zh", None),  # a paste: the engine keeps the case's language
        ("8443", "zh", "zh"),  # no words at all: the conversation's language
        ("8443", None, None),
        ("8443", "fr", None),  # not a language the desk speaks
    ],
)
def test_the_language_asked_for(text: str, previous: str | None, expected: str | None) -> None:
    assert language_hint(tracker(text, slots={"language": previous}), text) == expected


def test_a_number_alone_keeps_the_conversations_language(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(app: FakeApp) -> None:
        app.answer(*conversation("zh_next_check"))
        await turn("8443", {"language": "zh"})

    app = run_with_app(monkeypatch, scenario)
    # The conversation's id goes with it: the app records any account calls with it.
    assert app.diagnose_requests == [{"case": None, "text": "8443", "language": "zh", "conversation_id": "user-1"}]


@pytest.mark.parametrize(
    ("recording", "text", "lang", "expected"),
    [
        (
            "too_long",
            "-P INPUT DROP\n-A INPUT -j ACCEPT",
            "en",
            "That's too long for me to read (24,993 characters; I read at most 20,000). "
            "Paste only the INPUT chain: `sudo iptables -S INPUT`.",
        ),
        (
            "too_long_zh",
            "iptables 规则如下\n-P INPUT DROP",
            "zh",
            "这段内容太长了（25007 个字，我最多读 20000 个字）。只粘贴 INPUT 链：`sudo iptables -S INPUT`。",
        ),
    ],
)
def test_a_paste_too_long_is_answered_with_what_to_paste_instead(
    monkeypatch: pytest.MonkeyPatch, recording: str, text: str, lang: str, expected: str
) -> None:
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        app.answer(*conversation(recording))
        out.extend(await turn(text, {"case": {"kept": True}}))

    run_with_app(monkeypatch, scenario)
    sent, slots = out
    (message,) = sent
    assert message["text"] == expected
    assert message["custom"] == {"kind": "text", "language": lang, "intent": "too_long"}
    assert slots["case"] == {"kept": True}  # the case is not lost: the user sends a shorter paste next


def test_a_413_of_another_shape_still_gets_the_polite_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy in front of the app refuses the body with its own page: shown as the advice.
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        app.diagnoses.append((413, "Request Entity Too Large"))
        out.extend(await turn("ssh times out", {}))

    run_with_app(monkeypatch, scenario)
    (message,) = out[0]
    assert message["text"] == (
        "That's too long for me to read. Please paste only the part that matters. Request Entity Too Large"
    )


def test_a_case_the_app_no_longer_takes_starts_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    stale = conversation("stale_case")[0]
    fresh = conversation("zh_next_check")[0]
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        app.answer(stale, fresh)
        out.extend(await turn("8443访问不了", {"case": stale["request"]["case"]}))

    app = run_with_app(monkeypatch, scenario)
    # Sent with the kept case, refused (422 naming the case), sent again without it.
    assert [r["case"] for r in app.diagnose_requests] == [stale["request"]["case"], None]
    (message,), slots = out
    assert message["text"].startswith(messages.text("case_restarted", "zh") + "\n还不能确定原因。")
    assert slots["case"] == fresh["body"]["case"]


@pytest.mark.parametrize(
    ("status", "body", "error", "reply_key"),
    [
        (500, {"detail": [{"loc": [], "msg": "boom", "type": "internal"}]}, "unavailable", "api_down"),
        (503, {"detail": [{"loc": [], "msg": "still starting", "type": "starting"}]}, "unavailable", "api_down"),
        # A 422 about the text, not the case: nothing to start again from.
        (422, {"detail": [{"loc": ["body", "text"], "msg": "bad", "type": "string_type"}]}, "rejected", "api_rejected"),
    ],
)
def test_other_refusals_get_the_polite_reply_and_keep_the_case(
    monkeypatch: pytest.MonkeyPatch, status: int, body: Any, error: str, reply_key: str
) -> None:
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        app.diagnoses.append((status, body))
        out.extend(await turn("ssh 连不上", {"case": {"kept": True}, "language": "zh"}))

    run_with_app(monkeypatch, scenario)
    (message,), slots = out
    assert message["custom"] == {"kind": "error", "language": "zh", "error": error}
    assert message["text"] == messages.text(reply_key, "zh")
    assert slots["case"] == {"kept": True}


def test_an_app_that_cannot_be_reached_gets_the_polite_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_API_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    (message,), slots = asyncio.run(turn("redis refuses connections", {}))
    assert message["custom"] == {"kind": "error", "language": "en", "error": "unavailable"}
    assert "case" not in slots


def test_a_slot_that_is_not_a_case_starts_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(app: FakeApp) -> None:
        app.answer(*conversation("zh_next_check"))
        await turn("8443访问不了", {"case": "not a case"})

    app = run_with_app(monkeypatch, scenario)
    assert app.diagnose_requests[0]["case"] is None


def test_inline_code_never_breaks_on_a_backtick() -> None:
    assert code("iptables -S") == "`iptables -S`"
    # No inline code span of Markdown, Slack or WeCom can hold a backtick: shown as is.
    assert code("-A INPUT -m comment --comment `x` -j DROP") == "-A INPUT -m comment --comment `x` -j DROP"


def test_every_recorded_diagnosis_renders_without_blank_lines() -> None:
    for name in ("zh_next_check", "en_firewall_conclusion", "zh_source_mismatch", "zh_paste_alone", "en_unknown"):
        for exchange in conversation(name):
            text = diagnosis_text(exchange["body"]["diagnosis"])
            assert text and "\n\n" not in text and not text.startswith("\n"), name


# The API's view of the diagnosis and the payload the channels read name the same keys.
_SAME_SHAPE = [
    (view.Diagnosis, payloads.DiagnosisPayload),
    (view.DiagnosisCheck, payloads.CheckItem),
    (view.DiagnosisFix, payloads.FixItem),
    (view.DiagnosisCommand, payloads.FixCommand),
    (view.DiagnosisDecidedBy, payloads.DecidedBy),
    (view.DiagnosisFlow, payloads.FlowItem),
    (view.DiagnosedTarget, payloads.DiagnosisTarget),
]


@pytest.mark.parametrize(("api_view", "payload"), _SAME_SHAPE, ids=lambda t: t.__name__)
def test_the_forwarded_diagnosis_is_the_contracts_payload(api_view: type, payload: type) -> None:
    assert set(typing.get_type_hints(api_view)) == set(typing.get_type_hints(payload))
