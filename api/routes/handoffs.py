"""Conversations handed to a human (the bot posts here; see actions/handoff.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Path

from api.deps import DeflectionDep, DiagnoserDep, HandoffsDep, require_admin, require_handoff_token
from api.responses import CASE_REFUSALS
from api.schemas import HandoffRequest
from api.schemas_deflection import TicketResponse
from api.strict_json import api_router, json_integers
from deflection import Ticket, TranscriptLine

router = api_router(prefix="/v1/handoffs", tags=["handoffs"])
TicketId = Annotated[str, Path(min_length=1, max_length=64, description="The ticket's id (ho-…)")]


def ticket_body(ticket: Ticket) -> TicketResponse:
    return TicketResponse.model_validate(asdict(ticket))


@router.post(
    "",
    status_code=201,
    response_model=TicketResponse,
    summary="Record a hand-off to a human (the action server's token)",
    dependencies=[Depends(require_handoff_token)],
    openapi_extra=CASE_REFUSALS,
)
def create_handoff(body: HandoffRequest, desk: HandoffsDep, diagnoser: DiagnoserDep) -> TicketResponse:
    """Store the ticket (transcript, channel, last candidates, the connectivity case if any) and queue it
    for the helpdesk webhook (``HELPDESK_HANDOFF_WEBHOOK_URL``); answers at once, without waiting for the
    webhook. Needs ``Authorization: Bearer $HELPDESK_HANDOFF_TOKEN`` when that is set."""
    transcript = [TranscriptLine(t.sender, t.text, t.timestamp) for t in body.transcript]
    candidates = [c.model_dump() for c in body.candidates]
    case = None
    if body.case is not None:
        # Read as POST /v1/diagnose reads it: a bad case is a 422 naming the field.
        diagnoser.read_case(json_integers(body.case.model_dump(mode="json", exclude_none=True)))
        case = json_integers(body.case.model_dump(mode="json"))
    ticket = desk.open(body.conversation_id, body.channel, body.language, body.reason, transcript, candidates, case)
    return ticket_body(ticket)


@router.get(
    "/{handoff_id}",
    response_model=TicketResponse,
    summary="One hand-off by id (admin token: it holds the conversation)",
    dependencies=[Depends(require_admin)],
)
def get_handoff(handoff_id: TicketId, store: DeflectionDep) -> TicketResponse:
    # DeflectionDep: 503 while the database has not answered since start (a ticket kept on disk
    # meanwhile is readable once it is stored).
    return ticket_body(store.tickets.get(handoff_id))
