"""Realistic demo records for the dashboard, its browser test and the benchmark.

``seed_demo_data(store, days=30, turns=5000)`` writes conversations across channels
and languages with answers, verdicts, declines ("did you mean" offers, some chosen),
feedback, hand-offs, learned suggestions and tickets, and troubleshooting conversations
(deflection/seed_cases.py: connectivity cases concluded, handed off with their case, or
abandoned). The answer rate improves a little
over the period and weekends are quieter, so the plots have something to show. The
same seed gives the same records (ids and dates relative to ``end``).
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from deflection import outcomes as oc
from deflection.models import Conversation, Feedback, Suggestion, Turn
from deflection.seed_cases import play_case
from deflection.store import DeflectionStore
from deflection.tickets import Ticket, TranscriptLine, iso
from knowledge.models import normalize_question

CHANNELS = (("socketio", 0.55), ("rest", 0.15), ("slack", 0.15), ("wecom", 0.15))
LANGUAGES = (("zh", 0.7), ("en", 0.3))

# What users ask that the FAQ does not cover, in groups of paraphrases (the dashboard
# should group them back together).
UNANSWERED = (
    ("网站备案需要多久", "ICP备案流程是什么", "怎么申请网站备案", "how long does ICP filing take"),
    ("忘记实例密码怎么办", "如何重置云服务器密码", "forgot my instance password", "how to reset cvm password"),
    ("云服务器怎么退款", "CVM 退费流程", "how do I get a refund for my cvm"),
    ("系统盘怎么扩容", "云硬盘扩容步骤", "how to resize my cloud disk"),
    ("公网带宽怎么升级", "带宽不够用怎么办", "how to upgrade public bandwidth"),
    ("负载均衡怎么绑定SSL证书", "how to add an ssl certificate to a load balancer"),
)
OFF_TOPIC = ("今天天气怎么样", "what's the price of bitcoin", "帮我写一首诗", "who won the football game")
PORT_QUESTIONS = {
    "zh": ("445端口能用吗", "25端口被封了吗", "3389 能开吗"),
    "en": ("can I use port 445", "is port 25 blocked"),
}
DELETE_QUESTIONS = {"zh": ("安全组删不掉怎么办",), "en": ("why can't I delete my security group",)}
GREETINGS = {"zh": ("你好", "在吗"), "en": ("hello", "hi")}
FEEDBACK_TEXT = {("zh", True): "有用", ("zh", False): "没解决", ("en", True): "useful", ("en", False): "not useful"}
HUMAN_TEXT = {"zh": "转人工", "en": "talk to a human"}
CASE_SHARE = 0.12  # of conversations: troubleshooting a connection (deflection/seed_cases.py)
_CASE_STREAM = 7_919  # offsets the seed of the troubleshooting conversations' random stream
_TICKETS_KEPT = 50  # tickets written for hand-offs without a case, and as many for those with one


@dataclass(frozen=True)
class FaqRef:
    id: str
    question: str
    alternates: tuple[str, ...] = ()


@dataclass
class DemoRows:
    """One conversation's rows, ready for a bulk insert."""

    conversation: dict[str, Any]
    turns: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (faq_id, phrasing)
    handoff: bool = False
    case: dict[str, Any] | None = None  # the connectivity case a hand-off carried


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _faqs() -> list[FaqRef]:
    from knowledge import load_knowledge

    return [FaqRef(e.id, e.question, e.alternates) for e in load_knowledge().entries]


def generate(
    turns: int, days: int, *, seed: int = 7, end: date | None = None, faqs: Sequence[FaqRef] | None = None
) -> Iterator[DemoRows]:
    """Conversations until about ``turns`` turns, spread over the ``days`` days up to ``end``.

    Troubleshooting conversations (about ``CASE_SHARE`` of them) are drawn from a random
    stream of their own, so the other conversations are the same as before cases existed.
    """
    rng = random.Random(seed)
    case_rng = random.Random(seed + _CASE_STREAM)
    faqs = list(faqs) if faqs is not None else _faqs()
    end = end or datetime.now(UTC).date()
    first = end - timedelta(days=days - 1)
    weights = [0.6 if (first + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(days)]
    made = 0
    while made < turns:
        if case_rng.random() < CASE_SHARE:
            d, start = _when(case_rng, first, weights)
            rows = _case_conversation(case_rng, start)
        else:
            d, start = _when(rng, first, weights)
            progress = d / max(1, days - 1)  # later days answer a little better
            rows = _conversation(rng, faqs, start, progress)
        made += len(rows.turns)
        yield rows


def _when(rng: random.Random, first: date, weights: Sequence[float]) -> tuple[int, datetime]:
    """A day of the period (weekends quieter) and a time in it."""
    d = rng.choices(range(len(weights)), weights=weights)[0]
    return d, datetime.combine(first + timedelta(days=d), time()) + timedelta(seconds=rng.uniform(0, 86_000))


@dataclass
class _Writer:
    """Writes one conversation's turns in order, on a clock that moves forward."""

    rng: random.Random
    rows: DemoRows
    at: datetime

    @property
    def language(self) -> str:
        return str(self.rows.conversation["language"])

    def turn(self, text: str, outcome: str, **extra: Any) -> dict[str, Any]:
        """Add a turn a few seconds to a minute and a half after the last."""
        rng, conversation = self.rng, self.rows.conversation
        self.at += timedelta(seconds=rng.uniform(5, 90))
        row = {
            "conversation_id": conversation["id"],
            "seq": len(self.rows.turns) + 1,
            "at": self.at,
            "day": self.at.date(),
            "channel": conversation["channel"],
            "language": self.language,
            "text": text,
            "intent": extra.pop("intent", None),
            "intent_confidence": round(rng.uniform(0.55, 0.99), 3),
            "outcome": outcome,
            "faq_id": extra.pop("faq_id", None),
            "score": extra.pop("score", None),
            "candidates": extra.pop("candidates", None),
            "n_candidates": extra.pop("n_candidates", 0),
            "latency_ms": round(rng.lognormvariate(4.7 if self.language == "zh" else 4.6, 0.35), 1),
            "handed_off": extra.pop("handed_off", False),
            "ticket_id": extra.pop("ticket_id", None),
            "useful": None,
            "cause": extra.pop("cause", None),
        }
        self.rows.turns.append(row)
        return row

    def feedback(self, answer: dict[str, Any], useful: bool) -> None:
        """The user judges ``answer``: a feedback turn, and the feedback row attached to it."""
        intent = oc.POSITIVE_FEEDBACK_INTENT if useful else oc.NEGATIVE_FEEDBACK_INTENT
        turn = self.turn(FEEDBACK_TEXT[(self.language, useful)], oc.FEEDBACK, intent=intent)
        answer["useful"] = useful
        self.rows.feedback.append(
            {
                "conversation_id": turn["conversation_id"],
                "turn_id": None,
                "faq_id": answer["faq_id"],
                "useful": useful,
                "text": turn["text"],
                "at": turn["at"],
                "day": turn["day"],
                "channel": turn["channel"],
                "language": turn["language"],
            }
        )

    def hand_off(self, case: dict[str, Any] | None = None) -> None:
        """The user asks for a person: a hand-off turn, and a ticket with ``case``."""
        ticket = f"ho-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:12]}"
        self.turn(HUMAN_TEXT[self.language], oc.HANDOFF, intent="request_human", handed_off=True, ticket_id=ticket)
        self.rows.handoff = True
        self.rows.case = case


def _begin(rng: random.Random, start: datetime) -> _Writer:
    """A new conversation in a language and channel drawn as users come."""
    language = _pick(rng, LANGUAGES)
    channel = _pick(rng, CHANNELS)
    cid = f"demo-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
    return _Writer(rng, DemoRows({"id": cid, "channel": channel, "language": language}), start)


def _conversation(rng: random.Random, faqs: Sequence[FaqRef], start: datetime, progress: float) -> DemoRows:
    """A greeting sometimes, one to four questions with some feedback, and a hand-off after failures."""
    writer = _begin(rng, start)
    if rng.random() < 0.3:
        writer.turn(rng.choice(GREETINGS[writer.language]), oc.SMALLTALK, intent="greet")
    failures = 0
    last_answer: dict[str, Any] | None = None  # the latest answer not judged yet
    for _ in range(rng.choices((1, 2, 3, 4), weights=(0.5, 0.3, 0.15, 0.05))[0]):
        answer, failures = _question(rng, faqs, writer, progress, failures)
        last_answer = answer or last_answer
        if last_answer is not None and rng.random() < 0.3:
            writer.feedback(last_answer, rng.random() < 0.75 + 0.1 * progress)
            last_answer = None
    if failures >= 2 or rng.random() < 0.04:
        writer.hand_off()
    _finish(writer.rows)
    return writer.rows


def _question(
    rng: random.Random, faqs: Sequence[FaqRef], writer: _Writer, progress: float, failures: int
) -> tuple[dict[str, Any] | None, int]:
    """One question and what became of it: the answer feedback may judge, and the failures in a row."""
    r = rng.random()
    answered_share = 0.58 + 0.1 * progress  # later days answer a little better
    language = writer.language
    if r < answered_share:
        faq = rng.choice(faqs)
        text = rng.choice(faq.alternates) if faq.alternates else faq.question
        score = round(rng.uniform(0.62, 0.95), 3)
        return writer.turn(text, oc.ANSWERED, intent="ask_faq", faq_id=faq.id, score=score), 0
    if r < answered_share + 0.1:
        return writer.turn(rng.choice(PORT_QUESTIONS[language]), oc.PORT_VERDICT, intent="ask_port"), failures
    if r < answered_share + 0.13:
        question = rng.choice(DELETE_QUESTIONS[language])
        return writer.turn(question, oc.DELETE_DIAGNOSIS, intent="ask_delete_sg"), failures
    return _decline(rng, faqs, writer.rows, writer.turn), failures + 1


def _decline(rng: random.Random, faqs: Sequence[FaqRef], rows: DemoRows, turn: Any) -> dict[str, Any] | None:
    if rng.random() < 0.25:
        turn(rng.choice(OFF_TOPIC), oc.DECLINED, intent="out_of_scope")
        return None
    if rng.random() < 0.5:
        turn(rng.choice(rng.choice(UNANSWERED)), oc.DECLINED, intent="nlu_fallback")
        return None
    offered = rng.sample(list(faqs), k=min(3, len(faqs)))
    chosen = offered[0]
    asked = rng.choice(chosen.alternates) if chosen.alternates else chosen.question
    asked = asked.rstrip("?？") + rng.choice(("", "呢", "啊", " please", "?"))
    candidates = [{"id": f.id, "question": f.question, "score": round(rng.uniform(0.4, 0.6), 3)} for f in offered]
    turn(asked, oc.DECLINED, intent="ask_faq", candidates=candidates, n_candidates=len(candidates))
    if rng.random() < 0.5:
        rows.suggestions.append((chosen.id, asked))
        payload = "/choose_faq" + json.dumps({"faq_id": chosen.id})
        chosen_turn: dict[str, Any] = turn(payload, oc.CANDIDATE_CHOSEN, intent="choose_faq", faq_id=chosen.id)
        return chosen_turn
    return None


def _case_conversation(rng: random.Random, start: datetime) -> DemoRows:
    """A troubleshooting conversation, sometimes after a greeting."""
    writer = _begin(rng, start)
    if rng.random() < 0.2:
        writer.turn(rng.choice(GREETINGS[writer.language]), oc.SMALLTALK, intent="greet")
    play_case(rng, writer)
    _finish(writer.rows)
    return writer.rows


def _finish(rows: DemoRows) -> None:
    turns = rows.turns
    feedback = [f["useful"] for f in rows.feedback]
    rows.conversation.update(
        started_at=turns[0]["at"],
        day=turns[0]["day"],
        last_at=turns[-1]["at"],
        turns=len(turns),
        questions=sum(1 for t in turns if t["outcome"] in oc.QUESTION_OUTCOMES),
        handed_off=rows.handoff,
        useful=sum(1 for f in rows.feedback if f["useful"]),
        not_useful=sum(1 for f in rows.feedback if not f["useful"]),
        last_feedback=feedback[-1] if feedback else None,
        **_case_fields(turns),
    )


def _case_fields(turns: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The conversation's connectivity case, as the recorder derives it (deflection/cases.py)."""
    diagnosed = [t for t in turns if t["outcome"] == oc.DIAGNOSIS]
    if not diagnosed:
        return {
            "case_started_at": None,
            "case_cause": None,
            "case_handed_off": False,
            "case_ticket_id": None,
            "case_ended": False,
        }
    first, last = diagnosed[0], diagnosed[-1]
    handoff = next((t for t in turns if t["handed_off"] and t["seq"] >= first["seq"]), None)
    return {
        "case_started_at": first["at"],
        "case_cause": last["cause"],
        "case_handed_off": handoff is not None,
        "case_ticket_id": handoff["ticket_id"] if handoff is not None else None,
        "case_ended": any(t["intent"] == "goodbye" and t["seq"] > last["seq"] for t in turns),
    }


def seed_demo_data(
    store: DeflectionStore,
    days: int = 30,
    turns: int = 5000,
    *,
    seed: int = 7,
    end: date | None = None,
    faqs: Sequence[FaqRef] | None = None,
    batch: int = 2000,
) -> dict[str, int]:
    """Write demo records into ``store`` (executemany in batches); returns how many rows of each."""
    counts = {"conversations": 0, "turns": 0, "feedback": 0, "suggestions": 0, "tickets": 0}
    writer = _BulkWriter(store.engine, batch)
    suggestions: Counter[tuple[str, str]] = Counter()
    handoffs: dict[bool, list[DemoRows]] = {False: [], True: []}  # by whether they carry a case
    for rows in generate(turns, days, seed=seed, end=end, faqs=faqs):
        writer.add(rows)
        counts["conversations"] += 1
        counts["turns"] += len(rows.turns)
        counts["feedback"] += len(rows.feedback)
        suggestions.update(rows.suggestions)
        kept = handoffs[rows.case is not None]
        if rows.handoff and len(kept) < _TICKETS_KEPT:
            kept.append(rows)
    writer.flush()
    counts["suggestions"] = _write_suggestions(store.engine, suggestions)
    counts["tickets"] = _write_tickets(store, handoffs[False] + handoffs[True])
    return counts


class _BulkWriter:
    """Conversations, turns and feedback inserted together, about ``batch`` turns at a time."""

    def __init__(self, engine: Engine, batch: int) -> None:
        self._engine = engine
        self._batch = batch
        self._pending: list[DemoRows] = []
        self._size = 0

    def add(self, rows: DemoRows) -> None:
        self._pending.append(rows)
        self._size += len(rows.turns)
        if self._size >= self._batch:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._size = self._pending, [], 0
        if not pending:
            return
        with self._engine.begin() as conn:
            conn.execute(insert(Conversation), [p.conversation for p in pending])
            conn.execute(insert(Turn), [t for p in pending for t in p.turns])
            feedback = [f for p in pending for f in p.feedback]
            if feedback:
                conn.execute(insert(Feedback), feedback)


def _write_suggestions(engine: Engine, chosen: Counter[tuple[str, str]]) -> int:
    """The phrasings learned from "did you mean" choices, pending review; returns how many are new."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        existing = {(r[0], r[1]) for r in conn.execute(select(Suggestion.faq_id, Suggestion.normalized))}
        new = [
            {
                "faq_id": faq_id,
                "phrasing": phrasing,
                "normalized": normalize_question(phrasing),
                "count": n,
                "status": "pending",
                "created_at": now,
                "updated_at": now,
            }
            for (faq_id, phrasing), n in chosen.items()
            if (faq_id, normalize_question(phrasing)) not in existing
        ]
        unique = {(r["faq_id"], r["normalized"]): r for r in new}
        if unique:
            conn.execute(insert(Suggestion), list(unique.values()))
    return len(unique)


def _write_tickets(store: DeflectionStore, handoffs: Sequence[DemoRows]) -> int:
    """The ticket of each conversation handed off (the id its hand-off turn names), with what the
    user said and the case it carried; returns how many."""
    for rows in handoffs:
        handoff = next(t for t in reversed(rows.turns) if t["handed_off"])
        transcript = [TranscriptLine("user", t["text"], t["at"].replace(tzinfo=UTC).timestamp()) for t in rows.turns]
        ticket = Ticket(
            id=handoff["ticket_id"],
            created_at=iso(handoff["at"]) or "",
            conversation_id=rows.conversation["id"],
            channel=rows.conversation["channel"],
            language=rows.conversation["language"],
            reason="user_request",
            transcript=transcript,
            candidates=[],
            case=rows.case,
        )
        store.tickets.insert(ticket, deliver=False)
    return len(handoffs)
