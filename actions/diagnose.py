"""Connection problems worked through across turns (``POST /v1/diagnose``).

The case lives in the ``case`` slot: each message goes to the app with the case the last
answer returned, and the answer's case replaces it. The app does the understanding and the
diagnosing; this action only carries the case, words the reply and handles the refusals.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import CaseRejected, DiagnoseResult, HelpdeskApi, Language, TextTooLong
from actions.base import HelpdeskAction
from actions.diagnosis_text import diagnosis_text
from actions.replies import reply
from actions.tracker_view import CASE_SLOT, kept_case, latest_text
from contract.language import LANGUAGES, detect_language
from contract.pastes import has_paste

logger = logging.getLogger(__name__)

TROUBLESHOOTING_SLOT = "troubleshooting"  # featurized: while set, the rules take "还是不行" as progress on the case
# The NLU read the message as "the step was made and it still fails" ("done", "已经加了"), in
# words the engine may not know: its own progress phrase is added to what it reads.
# Only when the NLU is fairly sure: it marks the check asked as made ("密码是对的" came out as
# feedback_negative at 0.54; "done", "没用" come out at 0.8 and more).
PROGRESS_INTENTS = ("still_failing", "feedback_negative")
PROGRESS_CONFIDENCE = 0.6
PROGRESS_WORDS: dict[Language, str] = {"zh": "还是不行", "en": "still doesn't work"}


def language_hint(tracker: Tracker, text: str) -> Language | None:
    """The language to ask the app for: the one the user asked for ("能用中文吗"), if any;
    else none when the message has words of its own (the engine reads them, and keeps the
    case's language for a paste alone); the conversation's when it has none ("8443"), so a
    number alone does not switch a Chinese case to English."""
    preferred = tracker.get_slot("language_preference")
    if preferred in LANGUAGES:
        return next(lang for lang in LANGUAGES if lang == preferred)
    if detect_language(text) is not None:
        return None
    previous = tracker.get_slot("language")
    return next((lang for lang in LANGUAGES if lang == previous), None)


def engine_text(tracker: Tracker, text: str, lang: Language) -> str:
    """What the engine reads: the user's message, plus its progress phrase when the NLU took
    the message as progress (a paste is evidence, never progress)."""
    intent = tracker.latest_message.get("intent") or {}
    sure = intent.get("name") in PROGRESS_INTENTS and float(intent.get("confidence") or 0) >= PROGRESS_CONFIDENCE
    if sure and PROGRESS_WORDS[lang] not in text and not has_paste(text):
        return f"{text}\n{PROGRESS_WORDS[lang]}"
    return text


def too_long_text(error: TextTooLong, lang: Language) -> str:
    """How to shorten a paste the app would not read, in the user's language, with the app's advice."""
    if error.length is None or error.limit is None:
        return messages.text("paste_too_long_plain", lang, advice=error.advice)
    return messages.text("paste_too_long", lang, length=error.length, limit=error.limit, advice=error.advice)


async def diagnose_keeping_up(
    api: HelpdeskApi, case: dict[str, object] | None, text: str, hint: Language | None, conversation_id: str
) -> tuple[DiagnoseResult, bool]:
    """The app's answer, and whether the case had to start again.

    A kept case the app no longer takes (an upgrade changed its vocabulary) would fail every
    later turn the same way, so this message starts a new case instead. ``conversation_id``:
    the app records the account calls this case makes with it.
    """
    try:
        return await api.diagnose(case, text, hint, conversation_id=conversation_id), False
    except CaseRejected as e:
        logger.warning("action_diagnose: the kept case was refused, starting a new one: %s", e)
        return await api.diagnose(None, text, hint, conversation_id=conversation_id), True


class ActionDiagnose(HelpdeskAction):
    """The user's latest message, with the case so far, to the diagnosis engine; its answer as
    a ``diagnosis`` reply (the app's payload) with a text rendering, and the updated case kept."""

    action_name = "action_diagnose"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        try:
            result, restarted = await diagnose_keeping_up(
                api,
                kept_case(tracker),
                engine_text(tracker, text, lang),
                language_hint(tracker, text),
                tracker.sender_id,
            )
        except TextTooLong as e:
            reply(dispatcher, kind="text", lang=lang, text=too_long_text(e, lang), intent="too_long")
            return []
        return send_diagnosis(dispatcher, result, restarted)


def send_diagnosis(
    dispatcher: CollectingDispatcher, result: DiagnoseResult, restarted: bool = False
) -> list[dict[str, Any]]:
    """The app's diagnosis as a ``diagnosis`` reply (its payload, and its text in its language);
    the case it returned kept for the next message."""
    diagnosis = result["diagnosis"]
    language = diagnosis["language"]
    body = diagnosis_text(diagnosis)
    if restarted:
        body = messages.text("case_restarted", language) + "\n" + body
    buttons = [{"title": messages.text("human_button", language), "payload": "/request_human"}]
    payload = {key: value for key, value in diagnosis.items() if key not in ("kind", "language")}
    reply(
        dispatcher,
        kind="diagnosis",
        lang=language,
        text=body,
        buttons=buttons if diagnosis["cause"] == "unknown" else None,
        **payload,
    )
    # The engine's language: it reads the prose, so a pasted iptables output (Latin
    # letters) from a Chinese user keeps the conversation in Chinese.
    return [SlotSet(CASE_SLOT, result["case"]), SlotSet("language", language), SlotSet(TROUBLESHOOTING_SLOT, True)]
