"""Connectivity-case figures for the dashboard and the exports (what a case is: deflection/cases.py).

Cases are counted under their conversation's first day, channel and language, like the
other conversation figures (deflection/analytics.py), with the same filters. Whether a
case is ``abandoned`` or still ``open`` depends on when it is read: every function takes
``now`` (naive UTC; default: the current time) and the answers say which they used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from deflection import cases
from deflection.analytics import Filters, apply_filters, period_days
from deflection.models import Conversation


@dataclass
class CaseCounts:
    """Cases, and how many ended each way."""

    cases: int = 0
    concluded: int = 0
    handed_off: int = 0
    abandoned: int = 0
    open: int = 0

    def add(self, ending: str, n: int) -> None:
        self.cases += n
        setattr(self, ending, getattr(self, ending) + n)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC).replace(tzinfo=None)


def _counts(engine: Engine, f: Filters, now: datetime, group: str) -> dict[Any, CaseCounts]:
    """Case counts per ``group`` (``cause`` or ``day``) and ending."""
    # The ending is computed in a subquery and grouped by its name: grouping by the expression
    # itself would bind its time twice, which PostgreSQL does not take for the same expression.
    rows = apply_filters(
        select(
            Conversation.case_cause.label("cause"),
            Conversation.day.label("day"),
            cases.ending_column(now).label("ending"),
        ).where(Conversation.case_started_at.is_not(None)),
        Conversation,
        f,
    ).subquery()
    key = rows.c[group]
    query = select(key, rows.c.ending, func.count()).group_by(key, rows.c.ending)
    result: dict[Any, CaseCounts] = {}
    with engine.connect() as conn:
        for k, ending, n in conn.execute(query):
            result.setdefault(k, CaseCounts()).add(str(ending), int(n))
    return result


def case_summary(engine: Engine, f: Filters, now: datetime | None = None) -> dict[str, Any]:
    """All cases of the period and how they ended, then the same per cause (most cases first).

    A cause of None is an undecided case (the bot was still asking for evidence).
    """
    at = _now(now)
    by_cause = _counts(engine, f, at, "cause")
    total = CaseCounts()
    for counts in by_cause.values():
        for ending in cases.ENDINGS:
            total.add(ending, getattr(counts, ending))
    order = sorted(by_cause, key=lambda c: (c is None, -by_cause[c].cases, c or ""))
    return {
        **_meta(at),
        **asdict(total),
        "by_cause": [{"cause": c, **asdict(by_cause[c])} for c in order],
    }


def case_timeseries(engine: Engine, f: Filters, now: datetime | None = None) -> dict[str, Any]:
    """``days``: one row per day of the period (days without cases included, with zeros)."""
    at = _now(now)
    by_day = _counts(engine, f, at, "day")
    first = f.since or min(by_day, default=None)
    last = f.until or max(by_day, default=None)
    days = [
        {"day": day.isoformat(), **asdict(by_day.get(day, CaseCounts()))} for day in period_days(first, last, by_day)
    ]
    return {**_meta(at), "days": days}


def _meta(at: datetime) -> dict[str, Any]:
    return {"as_of": at.isoformat() + "Z", "idle_minutes": int(cases.IDLE_AFTER.total_seconds() // 60)}


# The counts of a cause or day row, in the CSV exports' order.
COUNT_COLUMNS = ("cases", *cases.ENDINGS)
CASE_COLUMNS = (
    "conversation_id",
    "day",
    "channel",
    "language",
    "started_at",
    "last_at",
    "turns",
    "cause",
    "ending",
    "ticket_id",
)


def iter_cases(engine: Engine, f: Filters, now: datetime | None = None, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every case of the period (one per conversation), oldest first, streamed in chunks."""
    columns = (
        Conversation.id,
        Conversation.day,
        Conversation.channel,
        Conversation.language,
        Conversation.case_started_at,
        Conversation.last_at,
        Conversation.turns,
        Conversation.case_cause,
        cases.ending_column(_now(now)),
        Conversation.case_ticket_id,
    )
    query = apply_filters(select(*columns).where(Conversation.case_started_at.is_not(None)), Conversation, f)
    query = query.order_by(Conversation.case_started_at, Conversation.id)
    with engine.connect().execution_options(stream_results=True, yield_per=chunk) as conn:
        for row in conn.execute(query):
            record = dict(zip(CASE_COLUMNS, row, strict=True))
            record["day"] = record["day"].isoformat()
            record["started_at"] = record["started_at"].isoformat() + "Z"
            record["last_at"] = record["last_at"].isoformat() + "Z"
            yield record
