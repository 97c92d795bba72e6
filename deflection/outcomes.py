"""What a turn can end in, and which outcomes count for which rate."""

from __future__ import annotations

from typing import Final

from contract.kinds import REPLY_KINDS, ReplyKind
from contract.payloads import TextIntent

ANSWERED: Final = "answered"  # a confident FAQ answer
DECLINED: Final = "declined"  # not sure ("did you mean"), nothing found, or out of scope
CANDIDATE_CHOSEN: Final = "candidate_chosen"  # the user picked a "did you mean" candidate
PORT_VERDICT: Final = "port_verdict"
DIAGNOSIS: Final = "diagnosis"  # a connection problem worked through (cause, fix or next check)
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
    DIAGNOSIS,
    DELETE_DIAGNOSIS,
    HANDOFF,
    FEEDBACK,
    SMALLTALK,
    ERROR,
    OTHER,
)

# Outcomes that answer the question the user asked (the answer rate's numerator).
ANSWER_OUTCOMES: Final = frozenset({ANSWERED, PORT_VERDICT, DIAGNOSIS, DELETE_DIAGNOSIS})
# A question: a turn the bot had to answer or decline (the answer and decline rates' denominator).
QUESTION_OUTCOMES: Final = ANSWER_OUTCOMES | {DECLINED}
# Turns that gave the user an answer that feedback can judge.
FEEDBACK_TARGETS: Final = ANSWER_OUTCOMES | {CANDIDATE_CHOSEN}

# Bot message kinds (``custom.kind``, contract/kinds.py) and the outcome they give a turn
# (``text`` replies by their ``intent``, below).
KIND_OUTCOMES: Final[dict[ReplyKind, str]] = {
    "faq_answer": ANSWERED,
    "fallback": DECLINED,
    "port_verdict": PORT_VERDICT,
    "diagnosis": DIAGNOSIS,
    "delete_diagnosis": DELETE_DIAGNOSIS,
    "handoff": HANDOFF,
    "feedback": FEEDBACK,
    "error": ERROR,
}
# Plain text replies say what they answer in ``custom.intent``.
TEXT_INTENT_OUTCOMES: Final[dict[TextIntent, str]] = {
    "out_of_scope": DECLINED,
    "other_cloud": DECLINED,
    "greet": SMALLTALK,
    "goodbye": SMALLTALK,
    "thank": SMALLTALK,
    "empty": OTHER,
    "choose_faq": OTHER,
    "ask_port": OTHER,
    "ask_case": OTHER,
    "too_long": OTHER,
    "switch_language": OTHER,
    "offer_human": OTHER,
}

POSITIVE_FEEDBACK_INTENT: Final = "feedback_positive"
NEGATIVE_FEEDBACK_INTENT: Final = "feedback_negative"
CHOOSE_FAQ_INTENT: Final = "choose_faq"


def outcome_of(kind: object, intent: object) -> str | None:
    """The outcome a bot message of ``kind`` gives its turn (``text`` by its ``intent``); None: none."""
    if kind == "text":
        return next((o for i, o in TEXT_INTENT_OUTCOMES.items() if i == intent), None)
    if kind in REPLY_KINDS:
        return KIND_OUTCOMES.get(kind)
    return None
