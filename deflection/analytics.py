"""Deflection analytics over the recorded turns: what the dashboard shows.

Definitions (all over the filtered period; days are UTC dates):

- **question**: a turn the bot answered (FAQ answer, port / security-group verdict,
  deletion diagnosis, connectivity diagnosis) or declined (not sure, nothing found, out of scope). Greetings,
  feedback, "did you mean" clicks and hand-off requests are turns but not questions.
- **answer rate** = answered questions / questions; **decline rate** = declined / questions.
- **candidate-accept rate** = "did you mean" choices / declined turns that offered candidates.
- **deflection rate** = deflected conversations / support conversations, where a support
  conversation asked at least one question or was handed off, and it is deflected when it
  was not handed off and its last feedback (if any) was not "not useful".

Conversation figures use the conversation's first day, channel and language; turn
figures use each turn's own. A rate whose denominator is 0 is ``None``. Connectivity
cases (how troubleshooting ended) are in deflection/case_analytics.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, case, func, select
from sqlalchemy.sql import ColumnElement, Select

from deflection import outcomes as oc
from deflection.models import Conversation, Feedback, Turn

BreakdownBy = Literal["channel", "language"]
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


# A per-day series lists every day of a period up to this long (ten years), days without
# records included; a longer period lists only its days with records, so an absurd period
# (year 1 to 9999) costs no more than the records it holds.
MAX_FILLED_DAYS = 3660


@dataclass(frozen=True)
class Filters:
    """The period (inclusive days) and the slice asked for.

    ``since`` after ``until`` is an empty period: every figure is zero (or ``None``) and every
    list empty, as for a period without records.
    """

    since: date | None = None
    until: date | None = None
    channel: str | None = None
    language: str | None = None


def period_days(first: date | None, last: date | None, recorded: Iterable[date]) -> list[date]:
    """The days a per-day series lists, from ``first`` to ``last`` inclusive.

    Every day of the period when it is at most :data:`MAX_FILLED_DAYS` long, else only the
    ``recorded`` days within it; none when either end is unknown or the period is empty.
    """
    if first is None or last is None or first > last:
        return []
    span = (last - first).days + 1
    if span > MAX_FILLED_DAYS:
        return sorted(day for day in set(recorded) if first <= day <= last)
    return [first + timedelta(days=offset) for offset in range(span)]


@dataclass
class _TurnCounts:
    turns: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    offered: int = 0  # declined turns that offered candidates

    def count(self, *outcomes: str) -> int:
        return sum(self.by_outcome.get(o, 0) for o in outcomes)


@dataclass
class _ConversationCounts:
    conversations: int = 0
    support: int = 0
    deflected: int = 0
    handoffs: int = 0


@dataclass(frozen=True)
class Rates:
    conversations: int
    turns: int
    deflection_rate: float | None
    answer_rate: float | None
    decline_rate: float | None
    candidate_accept_rate: float | None
    handoffs: int
    questions: int
    deflected: int
    support_conversations: int


@dataclass(frozen=True)
class Summary(Rates):
    useful: int = 0
    not_useful: int = 0

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["feedback"] = {"useful": body.pop("useful"), "not_useful": body.pop("not_useful")}
        return body


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _rates(t: _TurnCounts, c: _ConversationCounts) -> dict[str, Any]:
    questions = t.count(*oc.QUESTION_OUTCOMES)
    return {
        "conversations": c.conversations,
        "turns": t.turns,
        "deflection_rate": _ratio(c.deflected, c.support),
        "answer_rate": _ratio(t.count(*oc.ANSWER_OUTCOMES), questions),
        "decline_rate": _ratio(t.count(oc.DECLINED), questions),
        "candidate_accept_rate": _ratio(t.count(oc.CANDIDATE_CHOSEN), t.offered),
        "handoffs": c.handoffs,
        "questions": questions,
        "deflected": c.deflected,
        "support_conversations": c.support,
    }


def apply_filters(query: Q, table: Any, f: Filters) -> Q:
    """``query`` narrowed to the period and slice of ``f`` (``table``: a model with day, channel, language)."""
    if f.since is not None:
        query = query.where(table.day >= f.since)
    if f.until is not None:
        query = query.where(table.day <= f.until)
    if f.channel:
        query = query.where(table.channel == f.channel)
    if f.language:
        query = query.where(table.language == f.language)
    return query


def _turn_counts(engine: Engine, f: Filters, group: Any | None) -> dict[Any, _TurnCounts]:
    offered = func.sum(case((Turn.n_candidates > 0, 1), else_=0))
    groups = [group] if group is not None else []
    query = select(*groups, Turn.outcome, func.count(), offered).group_by(*groups, Turn.outcome)
    result: dict[Any, _TurnCounts] = {}
    with engine.connect() as conn:
        for row in conn.execute(apply_filters(query, Turn, f)):
            g, (outcome, n, n_offered) = (row[0], tuple(row[1:])) if group is not None else (None, tuple(row))
            counts = result.setdefault(g, _TurnCounts())
            counts.turns += int(n)
            counts.by_outcome[outcome] = counts.by_outcome.get(outcome, 0) + int(n)
            if outcome == oc.DECLINED:
                counts.offered += int(n_offered or 0)
    return result


def _conversation_counts(engine: Engine, f: Filters, group: Any | None) -> dict[Any, _ConversationCounts]:
    support: ColumnElement[bool] = (Conversation.questions > 0) | Conversation.handed_off
    deflected = support & ~Conversation.handed_off & (Conversation.last_feedback.is_(None) | Conversation.last_feedback)
    columns = [
        func.count(),
        func.sum(case((support, 1), else_=0)),
        func.sum(case((deflected, 1), else_=0)),
        func.sum(case((Conversation.handed_off, 1), else_=0)),
    ]
    query = select(group, *columns).group_by(group) if group is not None else select(*columns)
    result: dict[Any, _ConversationCounts] = {}
    with engine.connect() as conn:
        for row in conn.execute(apply_filters(query, Conversation, f)):
            g, values = (row[0], row[1:]) if group is not None else (None, row)
            if values[0]:
                result[g] = _ConversationCounts(*(int(v or 0) for v in values))
    return result


def summary(engine: Engine, f: Filters) -> Summary:
    """The headline figures over the period."""
    turns = _turn_counts(engine, f, None).get(None, _TurnCounts())
    conversations = _conversation_counts(engine, f, None).get(None, _ConversationCounts())
    feedback = {True: 0, False: 0}
    with engine.connect() as conn:
        for useful, n in conn.execute(
            apply_filters(select(Feedback.useful, func.count()).group_by(Feedback.useful), Feedback, f)
        ):
            feedback[bool(useful)] = int(n)
    return Summary(**_rates(turns, conversations), useful=feedback[True], not_useful=feedback[False])


def timeseries(engine: Engine, f: Filters) -> list[dict[str, Any]]:
    """One row per day of the period (days without turns included, with ``None`` rates)."""
    turns = _turn_counts(engine, f, Turn.day)
    conversations = _conversation_counts(engine, f, Conversation.day)
    days = sorted({*turns, *conversations})
    first = f.since or (days[0] if days else None)
    last = f.until or (days[-1] if days else None)
    return [
        {
            "day": day.isoformat(),
            **_rates(turns.get(day, _TurnCounts()), conversations.get(day, _ConversationCounts())),
        }
        for day in period_days(first, last, days)
    ]


def breakdown(engine: Engine, f: Filters, by: BreakdownBy) -> list[dict[str, Any]]:
    """One row per channel or language, most conversations first."""
    if by not in ("channel", "language"):
        raise ValueError(f"breakdown by {by!r}: use 'channel' or 'language'")
    turns = _turn_counts(engine, f, getattr(Turn, by))
    conversations = _conversation_counts(engine, f, getattr(Conversation, by))
    keys = sorted(
        {*turns, *conversations}, key=lambda k: (-conversations.get(k, _ConversationCounts()).conversations, k)
    )
    return [
        {"key": k, **_rates(turns.get(k, _TurnCounts()), conversations.get(k, _ConversationCounts()))} for k in keys
    ]


def top_faq(engine: Engine, f: Filters, questions: Mapping[str, str], limit: int = 10) -> list[dict[str, Any]]:
    """The FAQ entries answered most often, with their feedback."""
    answered = (
        select(Turn.faq_id, func.count())
        .where(Turn.outcome.in_((oc.ANSWERED, oc.CANDIDATE_CHOSEN)), Turn.faq_id.is_not(None))
        .group_by(Turn.faq_id)
        .order_by(func.count().desc(), Turn.faq_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        top = [(str(faq_id), int(n)) for faq_id, n in conn.execute(apply_filters(answered, Turn, f))]
        ids = [faq_id for faq_id, _ in top]
        votes: dict[tuple[str, bool], int] = {}
        if ids:
            feedback = apply_filters(
                select(Feedback.faq_id, Feedback.useful, func.count())
                .where(Feedback.faq_id.in_(ids))
                .group_by(Feedback.faq_id, Feedback.useful),
                Feedback,
                f,
            )
            votes = {(str(a), bool(u)): int(n) for a, u, n in conn.execute(feedback)}
    return [
        {
            "faq_id": faq_id,
            "question": questions.get(faq_id),
            "answered": n,
            "useful": votes.get((faq_id, True), 0),
            "not_useful": votes.get((faq_id, False), 0),
        }
        for faq_id, n in top
    ]


TURN_COLUMNS = (
    "id",
    "conversation_id",
    "seq",
    "at",
    "day",
    "channel",
    "language",
    "text",
    "intent",
    "outcome",
    "faq_id",
    "score",
    "n_candidates",
    "latency_ms",
    "handed_off",
    "ticket_id",
    "useful",
    "cause",  # a diagnosis turn's cause id; empty while undecided and on other turns
)


def iter_turns(engine: Engine, f: Filters, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every turn of the period, oldest first, streamed from the database in chunks."""
    columns = [getattr(Turn, c) for c in TURN_COLUMNS]
    query = apply_filters(select(*columns), Turn, f).order_by(Turn.id)
    with engine.connect().execution_options(stream_results=True, yield_per=chunk) as conn:
        for row in conn.execute(query):
            record = dict(zip(TURN_COLUMNS, row, strict=True))
            record["at"] = record["at"].isoformat() + "Z"
            record["day"] = record["day"].isoformat()
            yield record
