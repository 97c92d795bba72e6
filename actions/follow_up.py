"""Messages that only make sense in the current topic: a follow-up ("那现在怎么弄",
"回收站里那台怎么办", "what about another account?"), and, while a case is worked, "still
doesn't work" / "didn't help" and what the NLU could not place.

The topic is the bot's last substantive answer (``actions.topic``). While a case is being
worked and the last answer was its diagnosis, the message goes on with the case (the engine
restates the next check, reads what the user added, or takes "still doesn't work" as
progress); "still doesn't work" after another answer in the middle of a case is progress on
the case too, but "didn't help" right after an FAQ answer judges that answer (feedback).
Otherwise a follow-up asks retrieval with the topic's words before its own ("安全组是否支持跨用户
克隆？ 那跨地域呢"): its confident answer, else the topic's own FAQ entry (a deletion's
recycle-bin entry, a blocked port's entry), else the related entries.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, answer_from, send_declined, send_faq_answer
from actions.api_client import AnswerResult, ApiRejected, HelpdeskApi, Language
from actions.base import HelpdeskAction
from actions.conversation import NEGATIVE_INTENTS, ActionFeedback
from actions.diagnose import ActionDiagnose
from actions.topic import Topic, current_topic, in_topic
from actions.tracker_view import kept_case, latest_text


class ActionFollowUp(HelpdeskAction):
    """A follow-up, and while a case is worked progress or an unclear message, answered within
    the current topic."""

    action_name = "action_follow_up"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        topic = current_topic(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if kept_case(tracker) is not None and topic is not None:
            judged = intent == "feedback_negative" and topic.kind in ("faq_answer", "fallback")  # about that answer
            if topic.kind == "diagnosis" or (intent in NEGATIVE_INTENTS and not judged):
                return await ActionDiagnose().respond(dispatcher, tracker, lang, api)
        if intent in NEGATIVE_INTENTS:
            return await ActionFeedback().respond(dispatcher, tracker, lang, api)
        if intent != "follow_up":  # an unclear message after another topic: retrieval on its own words
            return await ActionAnswer().respond(dispatcher, tracker, lang, api)
        return await answer_in_topic(dispatcher, tracker, lang, api, topic)


async def answer_in_topic(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi, topic: Topic | None
) -> list[dict[str, Any]]:
    """Retrieval on the follow-up in its topic's words; the topic's entry when it is unsure."""
    text = latest_text(tracker).strip()
    result = await api.answer(in_topic(topic, text), lang, top_k=4)
    declined = result.get("declined")
    if declined:
        send_declined(dispatcher, lang, declined)
        return []
    # The entry that was the whole last answer is not given again: the user asks for more.
    shown = topic.faq_ids()[:1] if topic is not None and topic.kind == "faq_answer" else []
    hit = result.get("answer")
    if result.get("confident") and hit and hit["id"] not in shown:
        send_faq_answer(dispatcher, lang, hit, hit["score"])
        return [SlotSet("fallback_streak", 0.0)]
    for faq_id in topic.faq_ids() if topic is not None else []:
        if faq_id in shown:
            continue
        try:
            entry = await api.faq_text(faq_id, lang)
        except ApiRejected:
            continue  # the entry is gone (knowledge updated): try the next
        send_faq_answer(dispatcher, lang, entry, None)
        return [SlotSet("fallback_streak", 0.0)]
    others = [c for c in result.get("candidates") or [] if c["id"] not in shown]
    unsure = AnswerResult(confident=False, confidence=result["confidence"], answer=None, candidates=others[:3])
    return await answer_from(dispatcher, tracker, lang, api, unsure, fallback_key="follow_up_related")
