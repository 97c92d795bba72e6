"""What a turn can end in, and which outcomes count for which rate."""

from __future__ import annotations

import re
from typing import Final

ANSWERED: Final = "answered"  # a confident FAQ answer
DECLINED: Final = "declined"  # not sure ("did you mean"), nothing found, or out of scope
CANDIDATE_CHOSEN: Final = "candidate_chosen"  # the user picked a "did you mean" candidate
PORT_VERDICT: Final = "port_verdict"
SG_VERDICT: Final = "sg_verdict"
DELETE_DIAGNOSIS: Final = "delete_diagnosis"
HANDOFF: Final = "handoff"  # the user asked for a human
FEEDBACK: Final = "feedback"  # "useful" / "not useful"
SMALLTALK: Final = "smalltalk"  # greetings, thanks, goodbye
ERROR: Final = "error"  # the bot could not reach the service
OTHER: Final = "other"  # anything else (empty input, a choice of an entry that is gone)

OUTCOMES: Final = (
    ANSWERED,
    DECLINED,
    CANDIDATE_CHOSEN,
    PORT_VERDICT,
    SG_VERDICT,
    DELETE_DIAGNOSIS,
    HANDOFF,
    FEEDBACK,
    SMALLTALK,
    ERROR,
    OTHER,
)

# Outcomes that answer the question the user asked (the answer rate's numerator).
ANSWER_OUTCOMES: Final = frozenset({ANSWERED, PORT_VERDICT, SG_VERDICT, DELETE_DIAGNOSIS})
# A question: a turn the bot had to answer or decline (the answer and decline rates' denominator).
QUESTION_OUTCOMES: Final = ANSWER_OUTCOMES | {DECLINED}
# Turns that gave the user an answer that feedback can judge.
FEEDBACK_TARGETS: Final = ANSWER_OUTCOMES | {CANDIDATE_CHOSEN}

# Bot message kinds (``custom.kind``, see actions/replies.py) and the outcome they give a turn.
KIND_OUTCOMES: Final = {
    "faq_answer": ANSWERED,
    "fallback": DECLINED,
    "port_verdict": PORT_VERDICT,
    "sg_verdict": SG_VERDICT,
    "delete_diagnosis": DELETE_DIAGNOSIS,
    "handoff": HANDOFF,
    "feedback": FEEDBACK,
    "error": ERROR,
}
# Plain text replies say what they answer in ``custom.intent``.
TEXT_INTENT_OUTCOMES: Final = {
    "out_of_scope": DECLINED,
    "greet": SMALLTALK,
    "goodbye": SMALLTALK,
    "thank": SMALLTALK,
    "empty": OTHER,
    "choose_faq": OTHER,
    "ask_port": OTHER,
}

POSITIVE_FEEDBACK_INTENT: Final = "feedback_positive"
NEGATIVE_FEEDBACK_INTENT: Final = "feedback_negative"
CHOOSE_FAQ_INTENT: Final = "choose_faq"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str | None:
    """``zh`` for text with Chinese characters, ``en`` for Latin letters, else ``None``."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return None
