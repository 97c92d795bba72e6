"""The admin API (Bearer ``HELPDESK_ADMIN_TOKEN``): analytics, connectivity cases, exports, suggestions, tickets.

The dashboard (api/routes/dashboard.py) reads these; every figure is also available as
CSV (``?format=csv``) for people who would rather use a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from fastapi.responses import StreamingResponse

from api.deps import DeflectionDep, DiagnoserDep, KnowledgeDep, RetrieverDep, ServicesDep, require_admin
from api.routes.handoffs import TicketId, ticket_body
from api.schema_types import MAX_SQL_INT, when_given
from api.schemas_account import AccountCallBody, AccountCallsResponse, AccountStatusBody
from api.schemas_deflection import (
    BreakdownResponse,
    CasesResponse,
    CasesTimeseriesResponse,
    SuggestionBody,
    SuggestionList,
    SummaryResponse,
    TicketList,
    TicketResponse,
    TimeseriesResponse,
    TitleBody,
    TopFaqResponse,
    UnansweredResponse,
    VocabularyResponse,
)
from api.strict_json import api_router
from deflection import Filters, Suggestion, analytics, case_analytics, unanswered
from deflection.analytics import TURN_COLUMNS
from diagnosis.texts import Text
from knowledge import KnowledgeBase

router = api_router(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])
Format = Literal["json", "csv"]


def get_filters(
    since: Annotated[
        date | None, Query(description="First day, YYYY-MM-DD (UTC), inclusive", json_schema_extra=when_given())
    ] = None,
    until: Annotated[
        date | None,
        Query(
            description="Last day, YYYY-MM-DD (UTC), inclusive; before since: an empty period (no figures)",
            json_schema_extra=when_given(),
        ),
    ] = None,
    channel: Annotated[
        str | None, Query(max_length=50, description="Only this channel", json_schema_extra=when_given())
    ] = None,
    language: Annotated[
        str | None,
        Query(max_length=8, description="Only this language (zh, en)", json_schema_extra=when_given()),
    ] = None,
) -> Filters:
    return Filters(since, until, channel or None, language or None)


FiltersDep = Annotated[Filters, Depends(get_filters)]
FormatQuery = Annotated[Format, Query(description="json (default) or csv")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_SQL_INT)]
SuggestionId = Annotated[int, Path(ge=1, le=MAX_SQL_INT, description="The suggestion's id")]


class CSVResponse(StreamingResponse):
    """Streamed CSV (``text/csv; charset=utf-8``: Starlette adds the charset to text types)."""

    media_type = "text/csv"


class JSONArrayResponse(StreamingResponse):
    """A streamed JSON array."""

    media_type = "application/json"


# The figures' routes also answer CSV (``?format=csv``).
_OR_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string", "description": "The rows as CSV, with a header"}}}}
}


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(rows: Iterable[dict[str, Any]], name: str, columns: Sequence[str] | None = None) -> StreamingResponse:
    """Rows as streamed CSV; with ``columns`` the header is written even when there are no rows.

    User text is written as text: cells that would start a formula are neutralised.
    """

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer: csv.DictWriter[str] | None = None
        if columns is not None:
            writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
        for i, row in enumerate(rows):
            if writer is None:
                writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
            if i % 1000 == 999:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return CSVResponse(chunks(), headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _json_array_response(rows: Iterable[dict[str, Any]], name: str) -> StreamingResponse:
    """Rows as a streamed JSON array, downloaded as ``name``."""

    def chunks() -> Iterator[str]:
        yield "["
        for i, row in enumerate(rows):
            yield ("," if i else "") + json.dumps(row, ensure_ascii=False)
        yield "]"

    return JSONArrayResponse(chunks(), headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- analytics -----------------------------------------------------------------------


@router.get(
    "/analytics/summary", response_model=SummaryResponse, summary="Headline deflection figures", responses=_OR_CSV
)
def get_summary(store: DeflectionDep, filters: FiltersDep, format: FormatQuery = "json") -> Any:
    body = analytics.summary(store.engine, filters).to_json()
    if format == "csv":
        flat = {k: v for k, v in body.items() if k != "feedback"}
        flat.update({f"feedback_{k}": v for k, v in body["feedback"].items()})
        return _csv_response([flat], "summary.csv")
    return body


@router.get(
    "/analytics/timeseries", response_model=TimeseriesResponse, summary="The figures per day", responses=_OR_CSV
)
def get_timeseries(store: DeflectionDep, filters: FiltersDep, format: FormatQuery = "json") -> Any:
    days = analytics.timeseries(store.engine, filters)
    return _csv_response(days, "timeseries.csv") if format == "csv" else {"days": days}


@router.get(
    "/analytics/breakdown",
    response_model=BreakdownResponse,
    summary="The figures per channel or language",
    responses=_OR_CSV,
)
def get_breakdown(
    store: DeflectionDep,
    filters: FiltersDep,
    by: Annotated[Literal["channel", "language"], Query(description="channel or language")],
    format: FormatQuery = "json",
) -> Any:
    rows = analytics.breakdown(store.engine, filters, by)
    return _csv_response(rows, f"breakdown-{by}.csv") if format == "csv" else {"by": by, "rows": rows}


@router.get("/analytics/top-faq", response_model=TopFaqResponse, summary="FAQ entries answered most often")
def get_top_faq(
    store: DeflectionDep, kb: KnowledgeDep, filters: FiltersDep, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> Any:
    questions = {e.id: e.question for e in kb.entries}
    return {"rows": analytics.top_faq(store.engine, filters, questions, limit)}


@router.get(
    "/analytics/unanswered", response_model=UnansweredResponse, summary="Declined questions, grouped by meaning"
)
def get_unanswered(
    services: ServicesDep,
    retriever: RetrieverDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Each group is offered as a new FAQ entry (``faq_draft``: the entry in the FAQ file's format)."""
    groups = unanswered(
        services.deflection.engine,
        filters,
        retriever.embedder.encode,
        services.settings.unanswered_similarity,
        limit,
    )
    return {"groups": [g.to_json() for g in groups]}


# --- connectivity cases ----------------------------------------------------------------


@router.get(
    "/analytics/cases",
    response_model=CasesResponse,
    summary="Connectivity cases: how they ended, in all and per cause",
    responses=_OR_CSV,
)
def get_cases(store: DeflectionDep, filters: FiltersDep, format: FormatQuery = "json") -> Any:
    """A case ends ``concluded`` (a cause other than unknown), ``handed_off`` (during or after it),
    ``abandoned`` (neither, and the conversation ended or was idle longer than ``idle_minutes``)
    or is still ``open``. As CSV: the rows per cause."""
    body = case_analytics.case_summary(store.engine, filters)
    if format == "csv":
        return _csv_response(body["by_cause"], "cases-by-cause.csv", ("cause", *case_analytics.COUNT_COLUMNS))
    return body


@router.get(
    "/analytics/cases/timeseries",
    response_model=CasesTimeseriesResponse,
    summary="Connectivity cases per day",
    responses=_OR_CSV,
)
def get_case_timeseries(store: DeflectionDep, filters: FiltersDep, format: FormatQuery = "json") -> Any:
    body = case_analytics.case_timeseries(store.engine, filters)
    if format == "csv":
        return _csv_response(body["days"], "cases-by-day.csv", ("day", *case_analytics.COUNT_COLUMNS))
    return body


@router.get("/vocabulary", response_model=VocabularyResponse, summary="Titles of cause, check and service ids")
def get_vocabulary(diagnoser: DiagnoserDep) -> VocabularyResponse:
    """What the dashboard shows for the ids of a case (knowledge/data/troubleshooting/)."""
    vocab = diagnoser.vocab

    def titles(texts: Iterable[tuple[str, Text]]) -> dict[str, TitleBody]:
        return {key: TitleBody(zh=text.zh, en=text.en) for key, text in texts}

    return VocabularyResponse(
        causes=titles((k, c.title) for k, c in vocab.causes.items()),
        checks=titles((k, c.title) for k, c in vocab.checks.items()),
        services=titles((k, s.name) for k, s in vocab.services.items()),
    )


# --- exports -------------------------------------------------------------------------


@router.get("/export/turns.csv", summary="Every turn of the period, as CSV (streamed)", response_class=CSVResponse)
def export_turns_csv(store: DeflectionDep, filters: FiltersDep) -> StreamingResponse:
    return _csv_response(analytics.iter_turns(store.engine, filters), "turns.csv", TURN_COLUMNS)


@router.get(
    "/export/turns.json",
    summary="Every turn of the period, as a JSON array (streamed)",
    response_model=list[dict[str, Any]],
)
def export_turns_json(store: DeflectionDep, filters: FiltersDep) -> StreamingResponse:
    return _json_array_response(analytics.iter_turns(store.engine, filters), "turns.json")


@router.get(
    "/export/cases.csv", summary="Every connectivity case of the period, as CSV (streamed)", response_class=CSVResponse
)
def export_cases_csv(store: DeflectionDep, filters: FiltersDep) -> StreamingResponse:
    """One row per case: its conversation, when it started, its cause and how it ended (``ending``)."""
    rows = case_analytics.iter_cases(store.engine, filters)
    return _csv_response(rows, "cases.csv", case_analytics.CASE_COLUMNS)


@router.get(
    "/export/cases.json",
    summary="Every connectivity case of the period, as a JSON array (streamed)",
    response_model=list[dict[str, Any]],
)
def export_cases_json(store: DeflectionDep, filters: FiltersDep) -> StreamingResponse:
    return _json_array_response(case_analytics.iter_cases(store.engine, filters), "cases.json")


# --- suggestions ---------------------------------------------------------------------


def _suggestion(s: Suggestion, kb: KnowledgeBase) -> SuggestionBody:
    question = next((e.question for e in kb.entries if e.id == s.faq_id), None)
    return SuggestionBody(**asdict(s), faq_question=question)


@router.get("/suggestions", response_model=SuggestionList, summary="Learned alternate phrasings")
def list_suggestions(
    store: DeflectionDep,
    kb: KnowledgeDep,
    status: Annotated[Literal["pending", "accepted", "rejected", "all"], Query()] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SuggestionList:
    found = store.suggestions.find(None if status == "all" else status, limit)
    return SuggestionList(suggestions=[_suggestion(s, kb) for s in found])


@router.post(
    "/suggestions/{suggestion_id}/accept",
    response_model=SuggestionBody,
    summary="Write it to alternates.yaml",
    responses={409: {"description": "It was decided before, or the FAQ refuses the phrasing"}},
)
def accept_suggestion(suggestion_id: SuggestionId, services: ServicesDep, kb: KnowledgeDep) -> SuggestionBody:
    """Adds the phrasing to the knowledge folder's ``alternates.yaml`` (checked by loading the FAQ with it
    first); the index includes it from its next build (the next start rebuilds it)."""
    accepted = services.deflection.suggestions.accept(suggestion_id, services.settings.knowledge_dir)
    return _suggestion(accepted, kb)


@router.post(
    "/suggestions/{suggestion_id}/reject",
    response_model=SuggestionBody,
    summary="Do not offer it again",
    responses={409: {"description": "It was accepted before"}},
)
def reject_suggestion(suggestion_id: SuggestionId, store: DeflectionDep, kb: KnowledgeDep) -> SuggestionBody:
    return _suggestion(store.suggestions.reject(suggestion_id), kb)


# --- tickets -------------------------------------------------------------------------


@router.get("/tickets", response_model=TicketList, summary="Hand-off tickets, newest first")
def list_tickets(
    store: DeflectionDep,
    status: Annotated[Literal["open", "closed", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> TicketList:
    found = store.tickets.find(None if status == "all" else status, limit, offset)
    return TicketList(tickets=[ticket_body(t) for t in found])


@router.get("/tickets/{ticket_id}", response_model=TicketResponse, summary="One ticket, with its delivery attempts")
def get_ticket(ticket_id: TicketId, store: DeflectionDep) -> TicketResponse:
    return ticket_body(store.tickets.get(ticket_id))


@router.post("/tickets/{ticket_id}/close", response_model=TicketResponse, summary="Close a ticket")
def close_ticket(ticket_id: TicketId, store: DeflectionDep) -> TicketResponse:
    return ticket_body(store.tickets.close(ticket_id))


# --- the account ---------------------------------------------------------------------


@router.get(
    "/account-calls",
    response_model=AccountCallsResponse,
    summary="Calls made to the read-only Tencent Cloud API, and the key's problems",
)
def list_account_calls(
    store: DeflectionDep,
    services: ServicesDep,
    conversation_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Only the calls made for this conversation",
            json_schema_extra=when_given(),
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> AccountCallsResponse:
    """Every call the app made for a conversation's questions (action, region, the ids asked about,
    the result code, the RequestId, the duration; a cached answer as ``cached``), newest first, and
    ``account``: whether the key works and what to fix (the key rejected, a CAM policy missing, the
    API unreachable). Never a credential."""
    total, calls = store.account_calls.find(conversation_id, limit, offset)
    return AccountCallsResponse(
        account=AccountStatusBody.of(services.account_status(wait=True)),
        total=total,
        calls=[AccountCallBody.of(c) for c in calls],
    )
