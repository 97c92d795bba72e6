"""Greeting, goodbye, thanks and feedback, out of scope: the bot's own words."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import HelpdeskApi, Language
from actions.base import HelpdeskAction
from actions.handoff import FAILURES_BEFORE_HANDOFF, hand_off
from actions.replies import reply


class ActionGreet(HelpdeskAction):
    action_name = "action_greet"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        reply(dispatcher, kind="text", lang=lang, text=messages.text("greet", lang), intent="greet")
        return []


class ActionGoodbye(HelpdeskAction):
    action_name = "action_goodbye"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        reply(dispatcher, kind="text", lang=lang, text=messages.text("goodbye", lang), intent="goodbye")
        return []


class ActionDecline(HelpdeskAction):
    """Out of scope: say so, and say what the bot can do."""

    action_name = "action_decline"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        reply(dispatcher, kind="text", lang=lang, text=messages.text("decline", lang), intent="out_of_scope")
        return []


class ActionFeedback(HelpdeskAction):
    """Thanks and feedback; the second "didn't help" in a row hands off to a human."""

    action_name = "action_feedback"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent != "feedback_negative":
            reply(dispatcher, kind="feedback", lang=lang, text=messages.text("thanks_reply", lang), helpful=True)
            return [SlotSet("negative_feedback", 0.0)]
        count = float(tracker.get_slot("negative_feedback") or 0) + 1
        if count >= FAILURES_BEFORE_HANDOFF:
            return await hand_off(dispatcher, tracker, lang, api, "repeated_failure")
        reply(dispatcher, kind="feedback", lang=lang, text=messages.text("sorry_not_helpful", lang), helpful=False)
        return [SlotSet("negative_feedback", count)]
