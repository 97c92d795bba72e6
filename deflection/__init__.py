"""Support deflection: every turn's outcome, connectivity cases, hand-off tickets, analytics and learned phrasings.

No FastAPI and no Rasa here: the API (api/routes/events.py, handoffs.py, admin.py) and
the Rasa event broker (bot/brokers/) are the edges that call this package.
"""

from deflection.account_calls import AccountCallRecord, AccountCallStore
from deflection.analytics import Filters, Summary, breakdown, iter_turns, summary, timeseries, top_faq
from deflection.availability import StoreGate
from deflection.case_analytics import CASE_COLUMNS, case_summary, case_timeseries, iter_cases
from deflection.db import OUTAGE_ERRORS
from deflection.errors import (
    DatabaseUnreachableError,
    DeflectionError,
    InvalidEventsError,
    RecordNotFoundError,
    StoreUnavailableError,
    SuggestionConflictError,
)
from deflection.recorder import EventRecorder, RecordResult
from deflection.store import DeflectionStore
from deflection.suggestions import Suggestion, SuggestionStore
from deflection.tickets import Delivery, Ticket, TicketStore, TranscriptLine
from deflection.unanswered import UnansweredGroup, unanswered
from deflection.webhook import WebhookDeliverer

__all__ = [
    "CASE_COLUMNS",
    "OUTAGE_ERRORS",
    "AccountCallRecord",
    "AccountCallStore",
    "DatabaseUnreachableError",
    "DeflectionError",
    "DeflectionStore",
    "Delivery",
    "EventRecorder",
    "Filters",
    "InvalidEventsError",
    "RecordNotFoundError",
    "RecordResult",
    "StoreGate",
    "StoreUnavailableError",
    "Suggestion",
    "SuggestionConflictError",
    "SuggestionStore",
    "Summary",
    "Ticket",
    "TicketStore",
    "TranscriptLine",
    "UnansweredGroup",
    "WebhookDeliverer",
    "breakdown",
    "case_summary",
    "case_timeseries",
    "iter_cases",
    "iter_turns",
    "summary",
    "timeseries",
    "top_faq",
    "unanswered",
]
