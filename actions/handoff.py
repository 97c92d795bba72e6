"""Hand the conversation to a human: on request, or after repeated failures."""

from __future__ import annotations

import logging
from typing import Any, Literal

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import ApiRejected, Candidate, HandoffCreated, HelpdeskApi, HelpdeskApiError, Language
from actions.base import HelpdeskAction
from actions.replies import reply
from actions.tracker_view import kept_case, last_candidates, transcript

logger = logging.getLogger(__name__)

# Two consecutive unsure answers, or two "didn't help", bring in a human.
FAILURES_BEFORE_HANDOFF = 2


async def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    lang: Language,
    api: HelpdeskApi,
    reason: Literal["user_request", "repeated_failure"],
    candidates: list[Candidate] | None = None,
) -> list[dict[str, Any]]:
    """Record the hand-off (with the transcript so far, and the troubleshooting case when one
    is being worked) and tell the user its ticket.

    ``candidates``: what retrieval offered in this very turn (not in the tracker yet);
    by default those of the last fallback the tracker recorded.
    """
    if reason == "repeated_failure":
        dispatcher.utter_message(
            text=messages.text("handoff_after_failures", lang), json_message={"kind": "text", "language": lang}
        )
    case = kept_case(tracker)
    try:
        created, case_sent = await _create(api, tracker, lang, reason, candidates, case)
    except HelpdeskApiError:
        reply(dispatcher, kind="error", lang=lang, text=messages.text("handoff_failed", lang), error="handoff_failed")
        return []
    key = "handoff_done_with_case" if case_sent else "handoff_done"
    reply(
        dispatcher,
        kind="handoff",
        lang=lang,
        text=messages.text(key, lang, ticket_id=created["id"]),
        ticket_id=created["id"],
        reason=reason,
    )
    return [SlotSet("fallback_streak", 0.0), SlotSet("negative_feedback", 0.0)]


async def _create(
    api: HelpdeskApi,
    tracker: Tracker,
    lang: Language,
    reason: Literal["user_request", "repeated_failure"],
    candidates: list[Candidate] | None,
    case: dict[str, object] | None,
) -> tuple[HandoffCreated, bool]:
    """The ticket, and whether it carries the case. A case the app refuses (422) does not
    keep the user from a human: the ticket is made without it (the transcript remains)."""
    fields: dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel() or "unknown",
        "language": lang,
        "reason": reason,
        "transcript": transcript(tracker),
        "candidates": candidates if candidates is not None else last_candidates(tracker),
    }
    if case is None:
        return await api.create_handoff(**fields), False
    try:
        return await api.create_handoff(**fields, case=case), True
    except ApiRejected as e:
        if e.status != 422:
            raise
        logger.warning("hand-off: the app refused the case, handing off without it: %s", e)
        return await api.create_handoff(**fields), False


class ActionHandoff(HelpdeskAction):
    """The user asked for a human."""

    action_name = "action_handoff"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        return await hand_off(dispatcher, tracker, lang, api, "user_request")


# A frustrated message that also asks for a human ("烦死了 给我转人工") is that request when the
# NLU gives request_human at least this much.
ASKS_FOR_HUMAN = 0.25


def asks_for_human(tracker: Tracker) -> bool:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return any(r.get("name") == "request_human" and r.get("confidence", 0) >= ASKS_FOR_HUMAN for r in ranking)


class ActionOfferHuman(HelpdeskAction):
    """The user is frustrated ("都试过了 还是不行 烦死了"): offer a human with a button, saying
    that the case being worked (if any) goes with it; hand off when they ask for one too."""

    action_name = "action_offer_human"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        if asks_for_human(tracker):
            return await hand_off(dispatcher, tracker, lang, api, "user_request")
        key = "offer_human_with_case" if kept_case(tracker) is not None else "offer_human"
        reply(
            dispatcher,
            kind="text",
            lang=lang,
            text=messages.text(key, lang),
            buttons=[{"title": messages.text("human_button", lang), "payload": "/request_human"}],
            intent="offer_human",
        )
        return []
