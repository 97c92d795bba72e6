"""Hand the conversation to a human: on request, or after repeated failures."""

from __future__ import annotations

from typing import Any, Literal

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import Candidate, HelpdeskApi, HelpdeskApiError, Language
from actions.base import HelpdeskAction
from actions.replies import reply
from actions.tracker_view import last_candidates, transcript

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
    """Record the hand-off (with the transcript so far) and tell the user its ticket.

    ``candidates``: what retrieval offered in this very turn (not in the tracker yet);
    by default those of the last fallback the tracker recorded.
    """
    if reason == "repeated_failure":
        dispatcher.utter_message(
            text=messages.text("handoff_after_failures", lang), json_message={"kind": "text", "language": lang}
        )
    try:
        created = await api.create_handoff(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            language=lang,
            reason=reason,
            transcript=transcript(tracker),
            candidates=candidates if candidates is not None else last_candidates(tracker),
        )
    except HelpdeskApiError:
        reply(dispatcher, kind="error", lang=lang, text=messages.text("handoff_failed", lang), error="handoff_failed")
        return []
    reply(
        dispatcher,
        kind="handoff",
        lang=lang,
        text=messages.text("handoff_done", lang, ticket_id=created["id"]),
        ticket_id=created["id"],
        reason=reason,
    )
    return [SlotSet("fallback_streak", 0.0), SlotSet("negative_feedback", 0.0)]


class ActionHandoff(HelpdeskAction):
    """The user asked for a human."""

    action_name = "action_handoff"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        return await hand_off(dispatcher, tracker, lang, api, "user_request")
