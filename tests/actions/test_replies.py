"""The actions' reply builders: payloads of the contract's kinds, texts in the user's language."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import candidate_buttons
from actions.conversation import ActionGreet
from actions.ports import localized
from actions.replies import reply
from actions.security_groups import diagnosis_lines, instances_from_message
from contract import REPLY_KINDS
from tests.actions.trackers import entity, tracker


def test_reply_carries_kind_language_and_payload() -> None:
    dispatcher = CollectingDispatcher()
    reply(
        dispatcher, kind="faq_answer", lang="zh", text="答案", faq_id="faq-1", buttons=[{"title": "t", "payload": "/p"}]
    )
    (message,) = dispatcher.messages
    assert message["text"] == "答案" and message["buttons"] == [{"title": "t", "payload": "/p"}]
    assert message["custom"] == {"kind": "faq_answer", "language": "zh", "faq_id": "faq-1"}
    assert message["custom"]["kind"] in REPLY_KINDS


def test_candidates_become_buttons_with_a_human_at_the_end() -> None:
    buttons = candidate_buttons([{"id": "faq-1", "question": "如何开启端口？", "score": 0.5}], "en")
    assert buttons[0] == {"title": "如何开启端口？", "payload": '/choose_faq{"faq_id": "faq-1"}'}
    assert buttons[-1] == {"title": "Talk to a human", "payload": "/request_human"}


@pytest.mark.parametrize(("lang", "reason"), [("zh", "运营商拦截"), ("en", "carrier blocks it")])
def test_port_verdicts_are_told_in_the_users_language(lang: str, reason: str) -> None:
    verdict: Any = {
        "protocol": "tcp",
        "port": 445,
        "verdict": "blocked",
        "faq_id": "faq-1",
        "reason": "carrier blocks it",
        "advice": "use another port",
        "reason_zh": "运营商拦截",
        "advice_zh": "请更换端口",
    }
    assert localized(verdict, lang)["reason"] == reason  # type: ignore[arg-type]


def test_instances_take_the_state_that_follows_them() -> None:
    text = "sg-1a2b3c4d 删不掉 ins-aaaa1111 在回收站 ins-bbbb2222 运行中"
    entities = [
        entity("sg_id", "sg-1a2b3c4d", 0),
        entity("instance_id", "ins-aaaa1111", 16),
        entity("instance_state", "SHUTDOWN", 29),
        entity("instance_id", "ins-bbbb2222", 33),
        entity("instance_state", "RUNNING", 46),
    ]
    found = instances_from_message(tracker(text, entities), "sg-1a2b3c4d")
    assert [(i["InstanceId"], i["InstanceState"]) for i in found] == [
        ("ins-aaaa1111", "SHUTDOWN"),
        ("ins-bbbb2222", "RUNNING"),
    ]
    assert all(i["SecurityGroupIds"] == ["sg-1a2b3c4d"] for i in found)


def test_one_state_alone_applies_to_every_instance() -> None:
    entities = [
        entity("instance_id", "ins-aaaa1111", 0),
        entity("instance_id", "ins-bbbb2222", 13),
        entity("instance_state", "SHUTDOWN", 26),
    ]
    found = instances_from_message(tracker("ins-aaaa1111 ins-bbbb2222 都在回收站", entities), "sg-1")
    # The state follows the second instance; the first, without one of its own, takes the only state given.
    assert [i["InstanceState"] for i in found] == ["SHUTDOWN", "SHUTDOWN"]


def test_deletion_lines_name_each_blocker() -> None:
    check: Any = {
        "security_group_id": "sg-1",
        "deletable": False,
        "reasons": ["recycle_bin"],
        "unchecked": [],
        "blockers": [{"kind": "recycle_bin_instance", "detail": "", "advice": "", "instance_id": "ins-1"}],
        "explanation": "",
        "faq_id": "faq-1",
    }
    lines = diagnosis_lines(check, "sg-1", diagnosed=True, lang="en")
    assert lines[0] == "From what you told me, sg-1 cannot be deleted yet because:"
    assert "recycle bin" in lines[1] and lines[1].endswith("(ins-1)")


def test_an_unreachable_app_gets_a_polite_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on the discard port: the action answers "can't answer right now" in the user's language.
    monkeypatch.setenv("HELPDESK_API_URL", "http://127.0.0.1:9")

    class FailingGreet(ActionGreet):
        async def respond(self, dispatcher: Any, tracker: Any, lang: Any, api: Any) -> list[dict[str, Any]]:
            await api.faq("faq-1")
            return []

    dispatcher = CollectingDispatcher()
    events = asyncio.run(FailingGreet().run(dispatcher, tracker("你好"), {}))
    assert events[0] == {"event": "slot", "timestamp": None, "name": "language", "value": "zh"}
    assert dispatcher.messages[0]["custom"] == {"kind": "error", "language": "zh", "error": "unavailable"}


def _entry(**fields: Any) -> Any:
    base = {
        "id": "faq-1",
        "question": "Which ports does Tencent Cloud not support?",
        "answer": "| TCP | 445 |",
        "language": "en",
        "translated_from": "zh",
        "original_question": "腾讯云不支持哪些端口？",
        "source_url": "https://cloud.tencent.com/document/product/213/2502",
        "international_url": None,
        "source_date": "2026-11-29",
        "translation_date": "2026-12-05",
    }
    return {**base, **fields}


def test_a_translated_answer_says_so_and_links_the_original() -> None:
    from actions.answer import faq_text_lines

    lines = faq_text_lines(_entry(), "en")
    assert (
        lines[0] == "From the Tencent Cloud FAQ (translated from Chinese): Which ports does Tencent Cloud not support?"
    )
    assert lines[1] == "| TCP | 445 |"
    assert lines[2] == (
        "Source: https://cloud.tencent.com/document/product/213/2502 (original, in Chinese: 腾讯云不支持哪些端口？)"
    )


def test_an_untranslated_entry_is_shown_in_chinese_and_said_to_be() -> None:
    from actions.answer import faq_text_lines

    entry = _entry(question="腾讯云不支持哪些端口？", language="zh", translated_from=None, translation_date=None)
    assert faq_text_lines(entry, "en")[0].startswith("From the Tencent Cloud FAQ (in Chinese, not translated yet)")
    assert faq_text_lines(entry, "zh")[0] == "常见问题：腾讯云不支持哪些端口？"  # Chinese readers: as before
