"""Request and response bodies of the events, hand-off and admin routes (the dashboard's contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas import HandoffResponse
from api.schemas_diagnose import CaseBody
from deflection.records_health import RecordsWaiting

MAX_EVENTS_PER_BATCH = 5000


class EventsBatch(BaseModel):
    """What the Rasa event broker (bot/brokers/helpdesk_broker.py) posts."""

    batch_id: str | None = Field(
        None, max_length=64, description="Unique per batch; a retried batch with the same id is recorded once"
    )
    events: list[Any] = Field(
        max_length=MAX_EVENTS_PER_BATCH,
        description="Rasa events as its event broker publishes them: objects with 'event' and, for 'user' and "
        "'bot' events, 'sender_id' (1-200 characters) and 'timestamp' (seconds since the epoch). An item the "
        "recorder cannot take is refused alone (listed in the answer's 'refused'); the others are recorded",
    )


class RefusedItem(BaseModel):
    index: int = Field(description="The event's position in 'events'")
    reason: str = Field(description="Why it was not recorded")


class EventsResult(BaseModel):
    events: int = Field(description="Events accepted: recorded, or ignored as not being turns")
    turns: int = Field(description="Turns (user messages) recorded from this batch")
    duplicate: bool = Field(description="The batch id was recorded before; nothing was written")
    refused: list[RefusedItem] = Field(
        default_factory=list,
        description="Events refused one by one (the rest of the batch is recorded); kept for the admin API "
        "(GET /v1/admin/records)",
    )


class RecordsWaitingBody(BaseModel):
    """Whether every turn reaches the store, as the bots' event brokers last reported it."""

    waiting: int = Field(
        description="Events waiting in the bots' event spools to be recorded (over the slots that reported in "
        "the last 10 minutes): the app or its database could not take them yet"
    )
    rejected: int = Field(
        description="Batches the bots set aside in their spool's rejected/ folder, each with its reason, for a "
        "person to look at"
    )
    as_of: str | None = Field(description="When the latest report came (UTC, ISO 8601); null: none yet")

    @classmethod
    def of(cls, waiting: RecordsWaiting) -> RecordsWaitingBody:
        return cls(waiting=waiting.waiting, rejected=waiting.rejected, as_of=utc_iso(waiting.as_of))


def utc_iso(at: datetime | None) -> str | None:
    """A naive UTC time of the store as ISO 8601 with its zone."""
    return at.isoformat() + "Z" if at is not None else None


class SpoolSlotBody(BaseModel):
    spool: str = Field(description="The spool, as host:folder")
    slot: str = Field(description="The Rasa process's slot in it")
    waiting: int
    rejected: int
    reported_at: str
    fresh: bool = Field(description="Reported in the last 10 minutes, so counted in the totals")


class RefusedEventBody(BaseModel):
    at: str
    batch_id: str | None
    position: int = Field(description="Its index in the batch's events")
    event: str | None = Field(description="Its Rasa event type, if it had one")
    sender_id: str | None
    reason: str
    excerpt: str = Field(description="The start of the event, as JSON")


class RecordsStatusResponse(RecordsWaitingBody):
    slots: list[SpoolSlotBody]
    refused: int = Field(description="Events refused one by one (the latest 10,000 are kept)")
    recent_refused: list[RefusedEventBody] = Field(description="The latest refused events, newest first")


class DeliveryBody(BaseModel):
    attempt: int
    at: str
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float


class TicketResponse(HandoffResponse):
    """A hand-off as ``POST /v1/handoffs`` always returned it, plus its state and delivery."""

    closed_at: str | None = None
    delivery_status: str = Field(
        description="not_configured | pending | sending | delivered | failed | queued (kept on disk: the database "
        "was down; stored with this id when it is back)"
    )
    delivery_attempts: int
    deliveries: list[DeliveryBody] = Field(default_factory=list, description="Each webhook attempt (detail view)")
    case: CaseBody | None = Field(
        None,
        description="The connectivity case the bot was working when it handed off (target, evidence, checks done, "
        "cause), exactly as the hand-off sent it; null when there was none",
    )


class TicketList(BaseModel):
    tickets: list[TicketResponse]


class FeedbackCounts(BaseModel):
    useful: int
    not_useful: int


class RatesBody(BaseModel):
    conversations: int
    turns: int
    deflection_rate: float | None = Field(description="Deflected / support conversations; null without any")
    answer_rate: float | None = Field(description="Answered questions / questions; null without questions")
    decline_rate: float | None
    handoffs: int = Field(description="Conversations handed to a human")
    candidate_accept_rate: float | None = Field(description="'Did you mean' choices / declines that offered some")
    questions: int
    deflected: int
    support_conversations: int


class SummaryResponse(RatesBody):
    feedback: FeedbackCounts


class DayRow(RatesBody):
    day: str = Field(description="UTC date, YYYY-MM-DD")


class TimeseriesResponse(BaseModel):
    days: list[DayRow]


class BreakdownRow(RatesBody):
    key: str


class BreakdownResponse(BaseModel):
    by: str
    rows: list[BreakdownRow]


class TopFaqRow(BaseModel):
    faq_id: str
    question: str | None = Field(description="As written in the FAQ; null if the entry is gone")
    answered: int
    useful: int
    not_useful: int


class TopFaqResponse(BaseModel):
    rows: list[TopFaqRow]


class UnansweredGroupBody(BaseModel):
    id: str
    count: int
    examples: list[str]
    suggested_question: str
    languages: dict[str, int]
    faq_draft: str = Field(description="The entry to add to the FAQ file, in its format; the answer is to be written")
    alternates: list[str] = Field(description="The other examples, as alternates of the new entry")


class UnansweredResponse(BaseModel):
    groups: list[UnansweredGroupBody]


class SuggestionBody(BaseModel):
    id: int
    faq_id: str
    faq_question: str | None
    phrasing: str
    count: int = Field(description="How often users chose this entry after asking this way")
    status: str
    created_at: str
    updated_at: str
    decided_at: str | None
    written: bool | None = Field(None, description="On accept: whether alternates.yaml changed")


class SuggestionList(BaseModel):
    suggestions: list[SuggestionBody]


class CaseCountsBody(BaseModel):
    """Connectivity cases and how they ended (deflection/cases.py)."""

    cases: int = Field(description="Conversations with a connectivity case (at least one diagnosis reply)")
    concluded: int = Field(description="The bot's last diagnosis named a cause (other than unknown), no hand-off")
    handed_off: int = Field(description="Handed to a person during or after the case")
    abandoned: int = Field(
        description="Neither, and the conversation ended (goodbye) or has been idle longer than idle_minutes"
    )
    open: int = Field(description="Neither yet: the user wrote within the last idle_minutes")


class CauseRow(CaseCountsBody):
    cause: str | None = Field(
        description="The cause of the case's last diagnosis (docs/troubleshooting.md); 'unknown': every check made, "
        "nothing found; null: undecided"
    )


class CasesResponse(CaseCountsBody):
    as_of: str = Field(description="The time abandoned and open were decided at (UTC, ISO 8601)")
    idle_minutes: int = Field(description="A case without a conclusion or hand-off idle this long is abandoned")
    by_cause: list[CauseRow] = Field(description="Per cause, most cases first; undecided (null) last")


class CaseDayRow(CaseCountsBody):
    day: str = Field(description="The conversation's first day, UTC, YYYY-MM-DD")


class CasesTimeseriesResponse(BaseModel):
    as_of: str
    idle_minutes: int
    days: list[CaseDayRow]


class TitleBody(BaseModel):
    zh: str
    en: str


class VocabularyResponse(BaseModel):
    """Titles of the diagnosis vocabulary's ids, to show cases as text (knowledge/data/troubleshooting/)."""

    causes: dict[str, TitleBody] = Field(description="Cause id -> title")
    checks: dict[str, TitleBody] = Field(description="Check id -> title; '{target}' stands for the case's target")
    services: dict[str, TitleBody] = Field(description="Service id -> name")
