"""Greeting, goodbye, thanks and feedback, out of scope, the language asked for: the bot's own words."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.answer import is_question, send_declined, send_faq_answer
from actions.api_client import HelpdeskApi, HelpdeskApiError, Language
from actions.base import HelpdeskAction
from actions.diagnose import TROUBLESHOOTING_SLOT, ActionDiagnose, send_diagnosis
from actions.handoff import FAILURES_BEFORE_HANDOFF, hand_off
from actions.ports import ActionPortVerdict
from actions.replies import reply
from actions.security_groups import ActionDeleteDiagnosis
from actions.tracker_view import CASE_SLOT, kept_case, latest_text
from contract.language import LANGUAGES, detect_language

# What the NLU asked for when a message named another provider's cloud (data/rules/answers.yml):
# done when retrieval does not decline it (the user is on Tencent Cloud too, e.g. moving).
IN_SCOPE_ACTIONS: dict[str, type[HelpdeskAction]] = {
    "report_problem": ActionDiagnose,
    "ask_port": ActionPortVerdict,
    "ask_delete_sg": ActionDeleteDiagnosis,
}
# "Still doesn't work" with no case being worked counts as "didn't help".
NEGATIVE_INTENTS = ("feedback_negative", "still_failing")
# Words before a language's name that mean "not this one" ("看不懂英文", "instead of Chinese").
_NOT_THIS = re.compile(
    r"(?:看不懂|不懂|不会|不要|别用|不用|而不是|不是|instead of|rather than|not|don't|do not|can't|cannot)\W{0,3}$"
)


def intent_of(tracker: Tracker) -> str | None:
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return str(name) if name else None


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
    """Out of scope, or another provider's cloud named: retrieval decides first.

    Declined by retrieval (another provider's cloud): "this desk covers Tencent Cloud". Not
    declined, when the NLU asked for a problem, a port or a deletion (the message only named
    another provider, e.g. moving from it): that. A confident answer: given, as an
    out-of-scope guess does not overrule it (安全组 typed as "aqz"). Else: declined, saying
    what the bot can do.
    """

    action_name = "action_decline"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker).strip()
        if is_question(text):
            try:
                result = await api.answer(text, lang, top_k=3)
            except HelpdeskApiError:
                result = None  # retrieval cannot say otherwise: declined
            if result is not None:
                declined = result.get("declined")
                if declined:
                    send_declined(dispatcher, lang, declined)
                    return []
                instead = IN_SCOPE_ACTIONS.get(intent_of(tracker) or "")
                if instead is not None:
                    return await instead().respond(dispatcher, tracker, lang, api)
                hit = result.get("answer")
                if result.get("confident") and hit:
                    send_faq_answer(dispatcher, lang, hit, hit["score"])
                    return [SlotSet("fallback_streak", 0.0)]
        reply(dispatcher, kind="text", lang=lang, text=messages.text("decline", lang), intent="out_of_scope")
        return []


class ActionFeedback(HelpdeskAction):
    """Thanks and feedback; the second "didn't help" in a row hands off to a human."""

    action_name = "action_feedback"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        intent = intent_of(tracker)
        if intent not in NEGATIVE_INTENTS:
            reply(dispatcher, kind="feedback", lang=lang, text=messages.text("thanks_reply", lang), helpful=True)
            events = [SlotSet("negative_feedback", 0.0)]
            if intent == "feedback_positive" and kept_case(tracker) is not None:
                # Solved: the case is closed; a new problem starts a new one.
                events += [SlotSet(CASE_SLOT, None), SlotSet(TROUBLESHOOTING_SLOT, False)]
            return events
        count = float(tracker.get_slot("negative_feedback") or 0) + 1
        if count >= FAILURES_BEFORE_HANDOFF:
            return await hand_off(dispatcher, tracker, lang, api, "repeated_failure")
        reply(dispatcher, kind="feedback", lang=lang, text=messages.text("sorry_not_helpful", lang), helpful=False)
        return [SlotSet("negative_feedback", count)]


def requested_language(tracker: Tracker, text: str) -> Language | None:
    """The language the user asks for: the last one named that is not negated ("我看不懂英文，
    能用中文吗" asks for Chinese); when every one named is negated, the other one."""
    found = sorted(
        (e for e in tracker.latest_message.get("entities", []) if e.get("entity") == "language_name"),
        key=lambda e: e.get("start", 0),
    )
    wanted: Language | None = None
    for e in found:
        value = next((lang for lang in LANGUAGES if lang == e.get("value")), None)
        start = int(e.get("start", 0))
        if value is None:
            continue
        if not _NOT_THIS.search(text[max(0, start - 16) : start].lower()):
            wanted = value
        elif wanted is None:
            wanted = "en" if value == "zh" else "zh"
    return wanted


class ActionSwitchLanguage(HelpdeskAction):
    """ "能用中文吗" / "can you answer in English": reply in that language from now on (the
    ``language_preference`` slot wins over each message's own language), and show the case
    being worked, if any, in it."""

    action_name = "action_switch_language"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        wanted = requested_language(tracker, text) or detect_language(text) or lang
        reply(
            dispatcher,
            kind="text",
            lang=wanted,
            text=messages.text("language_switched", wanted),
            intent="switch_language",
        )
        events: list[dict[str, Any]] = [SlotSet("language_preference", wanted), SlotSet("language", wanted)]
        case = kept_case(tracker)
        if case is not None:
            # The case as it stands, in the new language (no new message for the engine); if the app
            # cannot say, the language is switched all the same and the next message goes on with it.
            with contextlib.suppress(HelpdeskApiError):
                events += send_diagnosis(dispatcher, await api.diagnose(case, None, wanted))
        return events
