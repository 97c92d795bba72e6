"""The conversation actions over real HTTP against the fake app (answers the real app gave,
``data/app_answers.json``): other clouds declined, an out-of-scope guess that retrieval
overrules, follow-ups in their topic, a named service's protocol in port verdicts, a port
that answers the diagnosis, the language asked for, feedback while a case is worked, a
human offered to a frustrated user, progress said in the engine's words."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import HelpdeskAction
from actions.conversation import ActionDecline, ActionFeedback, ActionSwitchLanguage, requested_language
from actions.diagnose import ActionDiagnose, engine_text, language_hint
from actions.follow_up import ActionFollowUp
from actions.handoff import ActionOfferHuman
from actions.ports import ActionPortVerdict
from actions.topic import current_topic, in_topic
from tests.actions.fake_app import FakeApp, conversation, recorded_answers, serve
from tests.actions.trackers import entity, tracker

Slots = dict[str, Any]
CASE = conversation("zh_next_check")[0]["body"]["case"]  # a case as the app returns it


def run_with_app(monkeypatch: pytest.MonkeyPatch, scenario: Callable[[FakeApp], Awaitable[None]]) -> FakeApp:
    async def main() -> FakeApp:
        async with serve(FakeApp(recorded=recorded_answers())) as app:
            monkeypatch.setenv("HELPDESK_API_URL", app.url)
            await scenario(app)
            return app

    return asyncio.run(main())


def act(
    monkeypatch: pytest.MonkeyPatch,
    action: HelpdeskAction,
    text: str,
    *,
    intent: str | None = None,
    slots: Slots | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    queue: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], Slots, FakeApp]:
    """One run of ``action`` on a message: its messages, the slots it set, the app's requests."""
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        app.answer(*(queue or []))
        dispatcher = CollectingDispatcher()
        done = await action.run(dispatcher, tracker(text, entities, dict(slots or {}), intent, events), {})
        out.extend([dispatcher.messages, {e["name"]: e["value"] for e in done if e.get("event") == "slot"}])

    app = run_with_app(monkeypatch, scenario)
    return out[0], out[1], app


def user(text: str, intent: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}


def bot(custom: dict[str, Any], text: str = "...") -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"custom": custom}}


def kinds(sent: list[dict[str, Any]]) -> list[str]:
    return [m["custom"]["kind"] for m in sent]


# --- other clouds and out of scope -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "lang", "named", "provider"),
    [
        # Chinese replies name the provider as the user wrote it; English ones by its name.
        ("阿里云安全组怎么开放3306端口", "out_of_scope", "zh", "阿里云", "Alibaba Cloud"),
        ("阿里云服务器22端口连不上", "report_problem", "zh", "阿里云", "Alibaba Cloud"),
        ("how do I allow port 22 in an aws security group", "ask_port", "en", "AWS", "AWS"),
    ],
)
def test_another_providers_cloud_is_declined_politely(
    monkeypatch: pytest.MonkeyPatch, text: str, intent: str, lang: str, named: str, provider: str
) -> None:
    sent, _, app = act(monkeypatch, ActionDecline(), text, intent=intent)
    (message,) = sent
    assert message["custom"] == {"kind": "text", "language": lang, "intent": "other_cloud", "provider": provider}
    assert message["text"] == messages.text("other_cloud", lang, provider=named)
    assert app.diagnose_requests == [] and app.port_requests == []  # no Tencent steps were looked up


def test_moving_from_another_cloud_is_diagnosed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retrieval does not decline it (the user is on Tencent Cloud now): the problem is worked.
    fresh = conversation("zh_next_check")[0]
    sent, slots, app = act(
        monkeypatch, ActionDecline(), "从阿里云迁移到腾讯云后22端口连不上", intent="report_problem", queue=[fresh]
    )
    assert kinds(sent) == ["diagnosis"]
    assert [r["text"] for r in app.diagnose_requests] == ["从阿里云迁移到腾讯云后22端口连不上"]
    assert slots["troubleshooting"] is True


def test_a_confident_answer_overrules_an_out_of_scope_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, slots, _ = act(monkeypatch, ActionDecline(), "aqz怎么配置", intent="out_of_scope")
    (message,) = sent
    assert message["custom"]["kind"] == "faq_answer" and message["custom"]["question"] == "如何配置安全组？"
    assert slots["fallback_streak"] == 0.0


def test_out_of_scope_retrieval_is_unsure_of_is_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, _, app = act(monkeypatch, ActionDecline(), "给我讲个笑话吧", intent="out_of_scope")
    assert [m["custom"] for m in sent] == [{"kind": "text", "language": "zh", "intent": "out_of_scope"}]
    assert len(app.answer_requests) == 1


@pytest.mark.parametrize("text", ["x" * 1_500, "？？？"])
def test_what_retrieval_cannot_read_is_declined_without_asking_it(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    sent, _, app = act(monkeypatch, ActionDecline(), text, intent="out_of_scope", slots={"language": "zh"})
    assert [m["custom"]["intent"] for m in sent] == ["out_of_scope"]
    assert app.answer_requests == []


def test_out_of_scope_is_declined_when_retrieval_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_API_URL", "http://127.0.0.1:9")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionDecline().run(dispatcher, tracker("讲个笑话", intent="out_of_scope"), {}))
    assert [m["custom"] for m in dispatcher.messages] == [{"kind": "text", "language": "zh", "intent": "out_of_scope"}]


# --- follow-ups in their topic -----------------------------------------------------------------

CLONE_FAQ = {"kind": "faq_answer", "language": "en", "faq_id": "faq-071996b6", "question": "Is there a cloud API?"}


def test_the_topic_is_the_last_substantive_answer_and_the_message_it_answered() -> None:
    events = [
        user("can I clone a security group across regions?", "ask_faq"),
        bot(CLONE_FAQ),
        user("thanks", "thank"),
        bot({"kind": "feedback", "language": "en", "helpful": True}),  # not a topic
        user("what about another account?", "follow_up"),
    ]
    topic = current_topic(tracker("what about another account?", events=events))
    assert topic is not None and topic.kind == "faq_answer"
    assert topic.question == "can I clone a security group across regions?"
    assert in_topic(topic, "what about another account?") == (
        "can I clone a security group across regions? what about another account?"
    )
    # A long follow-up keeps its own words whole: the context is cut, never the question.
    assert in_topic(topic, "y" * 990).endswith("y" * 990) and len(in_topic(topic, "y" * 990)) == 1000


def test_a_follow_up_after_an_faq_answer_asks_retrieval_in_its_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [user("can I clone a security group across regions?", "ask_faq"), bot(CLONE_FAQ)]
    sent, _, app = act(monkeypatch, ActionFollowUp(), "what about another account?", intent="follow_up", events=events)
    assert [r["question"] for r in app.answer_requests] == [
        "can I clone a security group across regions? what about another account?"
    ]
    (message,) = sent
    assert message["custom"]["kind"] == "faq_answer"
    assert message["custom"]["question"] == "Can a security group be cloned across users?"
    assert message["custom"]["translated_from"] == "zh" and message["custom"]["original_url"]


def test_a_recycle_bin_follow_up_after_a_deletion_gets_the_recycle_bin_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    deletion = {
        "kind": "delete_diagnosis",
        "language": "zh",
        "faq_id": "faq-0783f589",
        "security_group_id": "sg-1a2b3c4d",
    }
    events = [user("sg-1a2b3c4d删不掉", "ask_delete_sg"), bot(deletion)]
    sent, _, _ = act(monkeypatch, ActionFollowUp(), "回收站里那台怎么办", intent="follow_up", events=events)
    (message,) = sent
    assert message["custom"]["kind"] == "faq_answer"
    assert message["custom"]["faq_id"] == "faq-0783f589"
    assert message["custom"]["question"] == "云服务器已经全部退还，为什么安全组无法删除?"


def test_a_follow_up_retrieval_is_unsure_of_gets_the_topics_own_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = {
        "kind": "port_verdict",
        "language": "zh",
        "results": [
            {"protocol": "udp", "port": 445, "verdict": "open", "faq_id": "faq-7d4f1d8f"},
            {"protocol": "tcp", "port": 445, "verdict": "blocked", "faq_id": "faq-55fbf659"},
        ],
    }
    events = [user("445能用吗", "ask_port"), bot(verdict)]
    sent, _, app = act(monkeypatch, ActionFollowUp(), "那现在怎么弄", intent="follow_up", events=events)
    # The blocked port's entry explains what to do instead.
    assert [r["id"] for r in app.faq_requests] == ["faq-55fbf659"]
    (message,) = sent
    assert message["custom"]["question"] == "腾讯云不支持哪些端口？"


def test_a_follow_up_does_not_repeat_the_entry_just_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = {"kind": "faq_answer", "language": "zh", "faq_id": "faq-6cdb93b8", "question": "安全组是否支持跨用户克隆？"}
    events = [user("安全组可以跨账号克隆吗", "ask_faq"), bot(shown), user("那跨账号呢", "follow_up")]
    sent, _, _ = act(monkeypatch, ActionFollowUp(), "那跨账号呢", intent="follow_up", events=events)
    (message,) = sent
    assert message["custom"]["kind"] == "fallback"
    assert "faq-6cdb93b8" not in [c["id"] for c in message["custom"]["candidates"]]
    assert message["text"] == messages.text("follow_up_related", "zh")


def test_a_follow_up_naming_another_cloud_is_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, _, _ = act(monkeypatch, ActionFollowUp(), "what about aws?", intent="follow_up")
    assert [(m["custom"]["intent"], m["custom"]["provider"]) for m in sent] == [("other_cloud", "AWS")]


def test_a_follow_up_while_a_case_is_worked_goes_on_with_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = conversation("zh_next_check")[0]
    events = [user("8443访问不了", "report_problem"), bot(recorded["body"]["diagnosis"])]
    sent, _, app = act(
        monkeypatch,
        ActionFollowUp(),
        "那现在怎么弄",
        intent="follow_up",
        slots={"case": CASE, "language": "zh"},
        events=events,
        queue=[recorded],
    )
    assert kinds(sent) == ["diagnosis"]
    assert [(r["case"], r["text"]) for r in app.diagnose_requests] == [(CASE, "那现在怎么弄")]
    assert app.answer_requests == []


@pytest.mark.parametrize(
    ("last", "intent", "expected"),
    [
        # "Still doesn't work" after a port question in the middle of a case: progress on the case.
        ({"kind": "port_verdict", "language": "zh", "results": []}, "still_failing", "diagnosis"),
        # "Didn't help" right after an FAQ answer judges that answer.
        (CLONE_FAQ, "feedback_negative", "feedback"),
    ],
)
def test_progress_or_feedback_while_a_case_is_worked(
    monkeypatch: pytest.MonkeyPatch, last: dict[str, Any], intent: str, expected: str
) -> None:
    recorded = conversation("zh_next_check")[0]
    sent, _, app = act(
        monkeypatch,
        ActionFollowUp(),
        "还是不行",
        intent=intent,
        slots={"case": CASE, "language": "zh"},
        events=[user("445能用吗", "ask_port"), bot(last)],
        queue=[recorded],
    )
    assert kinds(sent) == [expected]
    if expected == "diagnosis":  # said to the engine as progress
        assert [r["text"] for r in app.diagnose_requests] == ["还是不行"]


def test_an_unclear_message_after_another_topic_is_plain_retrieval(monkeypatch: pytest.MonkeyPatch) -> None:
    # nlu_fallback while a case is worked, but the last answer was an FAQ entry: not the case's.
    events = [user("can I clone a security group across regions?", "ask_faq"), bot(CLONE_FAQ)]
    _, _, app = act(monkeypatch, ActionFollowUp(), "规则", intent="nlu_fallback", slots={"case": CASE}, events=events)
    assert [r["question"] for r in app.answer_requests] == ["规则"]
    assert app.diagnose_requests == []


# --- port verdicts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities", "queried"),
    [
        # SSH is TCP only: no UDP 22 line.
        ("ssh 22能用吗", [entity("port", "22", 4)], [("tcp", 22)]),
        ("远程桌面3389被封了吗", [entity("port", "3389", 4)], [("tcp", 3389)]),
        # DNS is UDP and TCP.
        ("can I use port 53 for dns?", [entity("port", "53", 15)], [("udp", 53), ("tcp", 53)]),
        # No service: both protocols, as before.
        ("445能用吗", [entity("port", "445", 0)], [("tcp", 445), ("udp", 445)]),
        # A service and no port: its port.
        ("ssh能用吗", [], [("tcp", 22)]),
    ],
)
def test_a_named_service_fixes_the_protocol(
    monkeypatch: pytest.MonkeyPatch, text: str, entities: list[dict[str, Any]], queried: list[tuple[str, int]]
) -> None:
    sent, slots, app = act(monkeypatch, ActionPortVerdict(), text, intent="ask_port", entities=entities)
    assert app.port_requests == queried
    assert [(r["protocol"], r["port"]) for r in sent[0]["custom"]["results"]] == queried
    # Only what the user said carries to the next question; a service's protocol does not.
    assert slots["protocols"] == []


def test_a_protocol_the_user_names_needs_no_service_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    _, slots, app = act(
        monkeypatch,
        ActionPortVerdict(),
        "那 UDP 呢?",
        intent="ask_port",
        entities=[entity("protocol", "UDP", 2)],
        slots={"ports": ["22"]},
    )
    assert app.diagnose_requests == []
    assert app.port_requests == [("udp", 22)] and slots["protocols"] == ["udp"]


def test_a_bare_port_answers_the_diagnosis_that_asked_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = {"kind": "diagnosis", "language": "en", "cause": None, "target": {"ports": [], "service": None}}
    recorded = conversation("zh_next_check")[0]
    sent, _, app = act(
        monkeypatch,
        ActionPortVerdict(),
        "3306",
        intent="ask_port",
        entities=[entity("port", "3306", 0)],
        slots={"case": CASE},
        events=[user("I only allowed my home IP and now changed networks", "report_problem"), bot(asked)],
        queue=[recorded],
    )
    assert kinds(sent) == ["diagnosis"]
    assert [(r["case"], r["text"]) for r in app.diagnose_requests] == [(CASE, "3306")]
    assert app.port_requests == []


# --- the language asked for ---------------------------------------------------------------------


def lang_entity(value: str, start: int) -> dict[str, Any]:
    return {"entity": "language_name", "value": value, "start": start, "end": start + 2}


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        ("能用中文吗", [lang_entity("zh", 2)], "zh"),
        ("can you answer in English", [lang_entity("en", 18)], "en"),
        ("我看不懂英文，能用中文吗", [lang_entity("en", 3), lang_entity("zh", 9)], "zh"),
        ("i don't read chinese, english please", [lang_entity("zh", 13), lang_entity("en", 22)], "en"),
        ("please not chinese", [lang_entity("zh", 11)], "en"),  # only a negated one: the other
        ("speak my language", [], None),
    ],
)
def test_the_language_the_user_asks_for(text: str, found: list[dict[str, Any]], expected: str | None) -> None:
    assert requested_language(tracker(text, found), text) == expected


def test_switching_language_is_kept_and_shows_the_case_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # The case as it stands, asked again in Chinese with no new message for the engine.
    recorded = conversation("zh_next_check")[0]
    sent, slots, app = act(
        monkeypatch,
        ActionSwitchLanguage(),
        "can you answer in Chinese?",
        intent="switch_language",
        entities=[lang_entity("zh", 18)],
        slots={"case": CASE, "language": "en"},
        queue=[recorded],
    )
    assert [m["custom"]["kind"] for m in sent] == ["text", "diagnosis"]
    assert sent[0]["text"] == messages.text("language_switched", "zh")
    assert sent[0]["custom"] == {"kind": "text", "language": "zh", "intent": "switch_language"}
    assert app.diagnose_requests == [{"case": CASE, "text": None, "language": "zh"}]
    assert slots["language_preference"] == "zh" and slots["language"] == "zh"


def test_switching_language_with_no_case(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, slots, app = act(
        monkeypatch, ActionSwitchLanguage(), "能用英文回答吗", intent="switch_language", entities=[lang_entity("en", 2)]
    )
    assert [m["custom"]["language"] for m in sent] == ["en"] and app.diagnose_requests == []
    assert slots["language_preference"] == "en"


def test_the_language_asked_for_wins_over_each_messages_own(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, slots, _ = act(
        monkeypatch,
        ActionFeedback(),
        "thanks",
        intent="thank",
        slots={"language_preference": "zh", "language": "zh"},
    )
    assert sent[0]["custom"]["language"] == "zh" and slots["language"] == "zh"
    assert language_hint(tracker("still doesn't work", slots={"language_preference": "zh"}), "x") == "zh"


# --- feedback, frustration and progress while a case is worked --------------------------------


def test_still_failing_with_no_case_counts_as_unhelpful(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, slots, _ = act(monkeypatch, ActionFeedback(), "still not working", intent="still_failing")
    assert sent[0]["custom"] == {"kind": "feedback", "language": "en", "helpful": False}
    assert slots["negative_feedback"] == 1.0


def test_solved_closes_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    _, slots, _ = act(monkeypatch, ActionFeedback(), "that solved it", intent="feedback_positive", slots={"case": CASE})
    assert slots["case"] is None and slots["troubleshooting"] is False
    # Thanks alone does not: the user may still be working on it.
    _, slots, _ = act(monkeypatch, ActionFeedback(), "thanks", intent="thank", slots={"case": CASE})
    assert "case" not in slots


@pytest.mark.parametrize(("case", "key"), [(CASE, "offer_human_with_case"), (None, "offer_human")])
def test_a_frustrated_user_is_offered_a_human(
    monkeypatch: pytest.MonkeyPatch, case: dict[str, Any] | None, key: str
) -> None:
    sent, _, app = act(
        monkeypatch, ActionOfferHuman(), "都试过了 还是不行 烦死了", intent="frustrated", slots={"case": case}
    )
    (message,) = sent
    assert message["text"] == messages.text(key, "zh")
    assert message["custom"] == {"kind": "text", "language": "zh", "intent": "offer_human"}
    assert message["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
    assert app.handoff_requests == []  # offered, not done: the user decides


def test_a_frustrated_request_for_a_human_hands_off(monkeypatch: pytest.MonkeyPatch) -> None:
    out: list[Any] = []

    async def scenario(app: FakeApp) -> None:
        dispatcher = CollectingDispatcher()
        t = tracker("烦死了 给我转人工", slots={"case": CASE}, intent="frustrated")
        t.latest_message["intent_ranking"] = [
            {"name": "frustrated", "confidence": 0.6},
            {"name": "request_human", "confidence": 0.3},
        ]
        await ActionOfferHuman().run(dispatcher, t, {})
        out.extend(dispatcher.messages)

    app = run_with_app(monkeypatch, scenario)
    assert [m["custom"]["kind"] for m in out] == ["handoff"]
    assert app.handoff_requests[0]["reason"] == "user_request" and app.handoff_requests[0]["case"] == CASE


@pytest.mark.parametrize(
    ("text", "intent", "lang", "expected"),
    [
        # "done" / "已经加了" are progress to the NLU; the engine reads its own phrase for it.
        ("done", "still_failing", "en", "done\nstill doesn't work"),
        ("已经加了", "still_failing", "zh", "已经加了\n还是不行"),
        ("没用", "feedback_negative", "zh", "没用\n还是不行"),
        ("8443访问不了", "report_problem", "zh", "8443访问不了"),
        ("还是不行", "still_failing", "zh", "还是不行"),  # the engine's own words already
        # A paste is evidence, never progress.
        ("-P INPUT DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT", "still_failing", "en", None),
    ],
)
def test_progress_is_said_in_the_engines_words(text: str, intent: str, lang: str, expected: str | None) -> None:
    assert engine_text(tracker(text, intent=intent), text, lang) == (expected or text)


def test_progress_needs_a_sure_nlu() -> None:
    # "密码是对的" (the password is right) came out as feedback_negative at 0.54: not progress.
    unsure = tracker("密码是对的", intent="feedback_negative")
    unsure.latest_message["intent"]["confidence"] = 0.54
    assert engine_text(unsure, "密码是对的", "zh") == "密码是对的"


def test_a_diagnosis_marks_the_case_as_being_worked(monkeypatch: pytest.MonkeyPatch) -> None:
    _, slots, _ = act(
        monkeypatch, ActionDiagnose(), "8443访问不了", intent="report_problem", queue=[conversation("zh_next_check")[0]]
    )
    assert slots["troubleshooting"] is True and slots["case"] == CASE
