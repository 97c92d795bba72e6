"""Knowledge questions: answer from retrieval, or offer its candidates when unsure."""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import AnswerResult, ApiRejected, Candidate, EntryText, HelpdeskApi, Language
from actions.base import HelpdeskAction
from actions.handoff import FAILURES_BEFORE_HANDOFF, hand_off
from actions.replies import reply
from actions.topic import MAX_QUESTION_CHARS
from actions.tracker_view import entity_values, latest_text
from contract.api import Declined
from contract.language import detect_language

# Letters or digits in any script; a message without any is not a question.
_WORDISH = re.compile(r"[^\W_]", re.UNICODE)


def faq_text_lines(entry: EntryText, lang: Language) -> list[str]:
    """What the bot says around an FAQ entry: what it answers, the text as written, where it is from.

    A translation says so and links the Chinese original; the source is quoted as written.
    """
    if entry["translated_from"]:
        return [
            messages.text("faq_intro_translated", lang, question=entry["question"]),
            entry["answer"],
            messages.text("source_translated", lang, url=entry["source_url"], original=entry["original_question"]),
        ]
    intro = "faq_intro" if entry["language"] == lang else "faq_intro_untranslated"
    return [
        messages.text(intro, lang, question=entry["question"]),
        entry["answer"],
        messages.text("source", lang, url=entry["source_url"]),
    ]


def send_faq_answer(dispatcher: CollectingDispatcher, lang: Language, entry: EntryText, score: float | None) -> None:
    """Quote the FAQ answer as written (or its curated translation), with its source."""
    reply(
        dispatcher,
        kind="faq_answer",
        lang=lang,
        text="\n".join(faq_text_lines(entry, lang)),
        faq_id=entry["id"],
        question=entry["question"],
        score=score,
        source_url=entry["source_url"],
        answer_markdown=entry["answer"],
        translated_from=entry["translated_from"],
        original_question=entry["original_question"],
        original_url=entry["source_url"],
        source_date=entry["source_date"],
        translation_date=entry["translation_date"],
    )


def send_declined(dispatcher: CollectingDispatcher, lang: Language, declined: Declined) -> None:
    """Retrieval declined a question about another provider's cloud: say this desk covers Tencent
    Cloud, naming the provider as the user wrote it when that is in the reply's language."""
    provider = declined["provider"]
    if lang == "zh" and detect_language(declined["matched"]) == "zh":
        provider = declined["matched"]
    reply(
        dispatcher,
        kind="text",
        lang=lang,
        text=messages.text("other_cloud", lang, provider=provider),
        intent="other_cloud",
        provider=declined["provider"],
    )


def is_question(text: str) -> bool:
    """Whether retrieval can be asked: some letters or digits, within what it reads."""
    return bool(_WORDISH.search(text)) and len(text) <= MAX_QUESTION_CHARS


def candidate_buttons(candidates: list[Candidate], lang: Language) -> list[dict[str, str]]:
    buttons = [{"title": c["question"], "payload": "/choose_faq" + json.dumps({"faq_id": c["id"]})} for c in candidates]
    buttons.append({"title": messages.text("human_button", lang), "payload": "/request_human"})
    return buttons


class ActionAnswer(HelpdeskAction):
    """Send the user's own words to retrieval (``POST /v1/answer``)."""

    action_name = "action_answer"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        question = latest_text(tracker).strip()
        if not _WORDISH.search(question):
            reply(dispatcher, kind="text", lang=lang, text=messages.text("empty_input", lang), intent="empty")
            return []
        return await answer_from(dispatcher, tracker, lang, api, await api.answer(question, lang, top_k=3))


async def answer_from(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    lang: Language,
    api: HelpdeskApi,
    result: AnswerResult,
    fallback_key: str | None = None,
) -> list[dict[str, Any]]:
    """Reply with what retrieval found: a decline (another provider's cloud), the confident
    answer, or its candidates ("did you mean", ``fallback_key`` wording them); the second
    unsure answer in a row brings in a human."""
    declined = result.get("declined")
    if declined:
        send_declined(dispatcher, lang, declined)
        return []
    hit = result.get("answer")
    if result.get("confident") and hit:
        send_faq_answer(dispatcher, lang, hit, hit["score"])
        return [SlotSet("fallback_streak", 0.0)]

    candidates = list(result.get("candidates") or [])
    key = (fallback_key or "fallback_candidates") if candidates else "fallback_none"
    reply(
        dispatcher,
        kind="fallback",
        lang=lang,
        text=messages.text(key, lang),
        buttons=candidate_buttons(candidates, lang) if candidates else None,
        candidates=candidates,
    )
    streak = float(tracker.get_slot("fallback_streak") or 0) + 1
    if streak >= FAILURES_BEFORE_HANDOFF:
        return await hand_off(dispatcher, tracker, lang, api, "repeated_failure", candidates)
    return [SlotSet("fallback_streak", streak)]


class ActionShowFaq(HelpdeskAction):
    """The user clicked a candidate button (``/choose_faq{"faq_id": ...}``)."""

    action_name = "action_show_faq"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        ids = entity_values(tracker, "faq_id")
        try:
            if not ids:
                raise ApiRejected(404, "no faq_id in the message")
            entry = await api.faq_text(ids[0], lang)
        except ApiRejected:
            reply(dispatcher, kind="text", lang=lang, text=messages.text("faq_not_found", lang), intent="choose_faq")
            return []
        send_faq_answer(dispatcher, lang, entry, None)
        return [SlotSet("fallback_streak", 0.0)]
