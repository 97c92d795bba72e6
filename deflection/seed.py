"""Realistic demo records for the dashboard, its browser test and the benchmark.

``seed_demo_data(store, days=30, turns=5000)`` writes conversations across channels
and languages with answers, verdicts, declines ("did you mean" offers, some chosen),
feedback, hand-offs, learned suggestions and tickets. The answer rate improves a little
over the period and weekends are quieter, so the plots have something to show. The
same seed gives the same records (ids and dates relative to ``end``).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from deflection import outcomes as oc
from deflection.models import Conversation, Feedback, Suggestion, Turn
from deflection.store import DeflectionStore
from deflection.tickets import TranscriptLine
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


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _faqs() -> list[FaqRef]:
    from knowledge import load_knowledge

    return [FaqRef(e.id, e.question, e.alternates) for e in load_knowledge().entries]


def generate(
    turns: int, days: int, *, seed: int = 7, end: date | None = None, faqs: Sequence[FaqRef] | None = None
) -> Iterator[DemoRows]:
    """Conversations until about ``turns`` turns, spread over the ``days`` days up to ``end``."""
    rng = random.Random(seed)
    faqs = list(faqs) if faqs is not None else _faqs()
    end = end or datetime.now(UTC).date()
    first = end - timedelta(days=days - 1)
    weights = [0.6 if (first + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(days)]
    made = 0
    while made < turns:
        d = rng.choices(range(days), weights=weights)[0]
        progress = d / max(1, days - 1)  # later days answer a little better
        start = datetime.combine(first + timedelta(days=d), time()) + timedelta(seconds=rng.uniform(0, 86_000))
        rows = _conversation(rng, faqs, start, progress)
        made += len(rows.turns)
        yield rows


def _conversation(rng: random.Random, faqs: Sequence[FaqRef], start: datetime, progress: float) -> DemoRows:
    language = _pick(rng, LANGUAGES)
    channel = _pick(rng, CHANNELS)
    cid = f"demo-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
    rows = DemoRows({"id": cid, "channel": channel, "language": language})
    at = start
    last_answer: dict[str, Any] | None = None
    failures = 0

    def turn(text: str, outcome: str, **extra: Any) -> dict[str, Any]:
        nonlocal at
        at += timedelta(seconds=rng.uniform(5, 90))
        row = {
            "conversation_id": cid,
            "seq": len(rows.turns) + 1,
            "at": at,
            "day": at.date(),
            "channel": channel,
            "language": language,
            "text": text,
            "intent": extra.pop("intent", None),
            "intent_confidence": round(rng.uniform(0.55, 0.99), 3),
            "outcome": outcome,
            "faq_id": extra.pop("faq_id", None),
            "score": extra.pop("score", None),
            "candidates": extra.pop("candidates", None),
            "n_candidates": extra.pop("n_candidates", 0),
            "latency_ms": round(rng.lognormvariate(4.7 if language == "zh" else 4.6, 0.35), 1),
            "handed_off": extra.pop("handed_off", False),
            "ticket_id": extra.pop("ticket_id", None),
            "useful": None,
        }
        rows.turns.append(row)
        return row

    if rng.random() < 0.3:
        turn(rng.choice(GREETINGS[language]), oc.SMALLTALK, intent="greet")
    for _ in range(rng.choices((1, 2, 3, 4), weights=(0.5, 0.3, 0.15, 0.05))[0]):
        r = rng.random()
        answered_share = 0.58 + 0.1 * progress
        if r < answered_share:
            faq = rng.choice(faqs)
            text = rng.choice(faq.alternates) if faq.alternates else faq.question
            last_answer = turn(
                text, oc.ANSWERED, intent="ask_faq", faq_id=faq.id, score=round(rng.uniform(0.62, 0.95), 3)
            )
            failures = 0
        elif r < answered_share + 0.1:
            last_answer = turn(rng.choice(PORT_QUESTIONS[language]), oc.PORT_VERDICT, intent="ask_port")
        elif r < answered_share + 0.13:
            last_answer = turn(rng.choice(DELETE_QUESTIONS[language]), oc.DELETE_DIAGNOSIS, intent="ask_delete_sg")
        else:
            last_answer = _decline(rng, faqs, rows, turn) or last_answer
            failures += 1
        if last_answer is not None and rng.random() < 0.3:
            useful = rng.random() < 0.75 + 0.1 * progress
            feedback = turn(
                FEEDBACK_TEXT[(language, useful)],
                oc.FEEDBACK,
                intent=oc.POSITIVE_FEEDBACK_INTENT if useful else oc.NEGATIVE_FEEDBACK_INTENT,
            )
            last_answer["useful"] = useful
            rows.feedback.append(
                {
                    "conversation_id": cid,
                    "turn_id": None,
                    "faq_id": last_answer["faq_id"],
                    "useful": useful,
                    "text": feedback["text"],
                    "at": feedback["at"],
                    "day": feedback["day"],
                    "channel": channel,
                    "language": language,
                }
            )
            last_answer = None
    if failures >= 2 or rng.random() < 0.04:
        ticket = f"ho-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}"
        turn(HUMAN_TEXT[language], oc.HANDOFF, intent="request_human", handed_off=True, ticket_id=ticket)
        rows.handoff = True
    _finish(rows)
    return rows


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
    )


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
    suggestions: dict[tuple[str, str], int] = {}
    pending: list[DemoRows] = []
    handoffs: list[DemoRows] = []

    def flush() -> None:
        if not pending:
            return
        with store.engine.begin() as conn:
            conn.execute(insert(Conversation), [p.conversation for p in pending])
            conn.execute(insert(Turn), [t for p in pending for t in p.turns])
            feedback = [f for p in pending for f in p.feedback]
            if feedback:
                conn.execute(insert(Feedback), feedback)
        pending.clear()

    size = 0
    for rows in generate(turns, days, seed=seed, end=end, faqs=faqs):
        pending.append(rows)
        counts["conversations"] += 1
        counts["turns"] += len(rows.turns)
        counts["feedback"] += len(rows.feedback)
        for key in rows.suggestions:
            suggestions[key] = suggestions.get(key, 0) + 1
        if rows.handoff and len(handoffs) < 50:
            handoffs.append(rows)
        size += len(rows.turns)
        if size >= batch:
            flush()
            size = 0
    flush()
    now = datetime.now(UTC).replace(tzinfo=None)
    with store.engine.begin() as conn:
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
            for (faq_id, phrasing), n in suggestions.items()
            if (faq_id, normalize_question(phrasing)) not in existing
        ]
        unique = {(r["faq_id"], r["normalized"]): r for r in new}
        if unique:
            conn.execute(insert(Suggestion), list(unique.values()))
        counts["suggestions"] = len(unique)
    for rows in handoffs:
        transcript = [TranscriptLine("user", t["text"], t["at"].replace(tzinfo=UTC).timestamp()) for t in rows.turns]
        store.tickets.create(
            rows.conversation["id"],
            rows.conversation["channel"],
            rows.conversation["language"],
            "user_request",
            transcript,
            [],
            deliver=False,
        )
        counts["tickets"] += 1
    return counts
