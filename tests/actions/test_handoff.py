"""A hand-off carries the troubleshooting case, so the human starts where the bot stopped,
and says so; without a case it is as before; a case the app refuses does not stop it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from tests.actions.fake_app import FakeApp, conversation, serve
from tests.actions.trackers import tracker

CASE = conversation("zh_source_mismatch")[-1]["body"]["case"]


def hand_off(monkeypatch: pytest.MonkeyPatch, text: str, slots: dict[str, Any], refuse_case: bool = False) -> Any:
    """Run action_handoff against a fake app; the app (with its requests) and the messages."""

    async def main() -> tuple[FakeApp, list[dict[str, Any]]]:
        async with serve(FakeApp(refuse_case=refuse_case)) as app:
            monkeypatch.setenv("HELPDESK_API_URL", app.url)
            dispatcher = CollectingDispatcher()
            await ActionHandoff().run(dispatcher, tracker(text, slots=slots), {})
            return app, dispatcher.messages

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "转人工",
            "zh",
            "已为您转接人工客服，工单号：tk-1。这次排查的记录（问题、您粘贴的内容、已做的检查和结论）已一并转给同事",
        ),
        (
            "I want a human",
            "en",
            "I've passed this conversation to a human colleague (ticket tk-1), with this troubleshooting case",
        ),
    ],
)
def test_a_handoff_carries_the_case_and_says_so(
    monkeypatch: pytest.MonkeyPatch, text: str, lang: str, expected: str
) -> None:
    app, sent = hand_off(monkeypatch, text, {"case": CASE})
    (request,) = app.handoff_requests
    assert request["case"] == CASE  # as the last diagnosis returned it: evidence, checks, conclusion
    assert request["reason"] == "user_request"
    (message,) = sent
    assert message["text"].startswith(expected)
    assert message["custom"] == {
        "kind": "handoff",
        "language": lang,
        "ticket_id": "tk-1",
        "reason": "user_request",
    }


def test_without_a_case_the_handoff_is_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    app, sent = hand_off(monkeypatch, "转人工", {})
    (request,) = app.handoff_requests
    assert "case" not in request
    assert sent[0]["text"] == "已为您转接人工客服，工单号：tk-1。同事会尽快在这里回复您。"


def test_a_refused_case_does_not_keep_the_user_from_a_human(monkeypatch: pytest.MonkeyPatch) -> None:
    app, sent = hand_off(monkeypatch, "转人工", {"case": CASE}, refuse_case=True)
    # Refused with the case (422 naming it), made without it: the transcript still goes.
    assert [("case" in r) for r in app.handoff_requests] == [True, False]
    assert sent[0]["custom"]["kind"] == "handoff"
    assert sent[0]["text"] == "已为您转接人工客服，工单号：tk-2。同事会尽快在这里回复您。"  # no claim the case went
