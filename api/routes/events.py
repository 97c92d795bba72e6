"""Rasa's events, posted by its event broker (bot/brokers/helpdesk_broker.py): every turn's outcome."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import DeflectionDep, require_events_token
from api.schemas_deflection import EventsBatch, EventsResult

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Depends(require_events_token)])


@router.post("", response_model=EventsResult, summary="Record a batch of Rasa events")
def record_events(body: EventsBatch, store: DeflectionDep) -> EventsResult:
    """Turn ``user`` and ``bot`` events into turn records (outcome, FAQ entry, score, candidates,
    channel, language, latency), feedback and learned phrasings. Other events are accepted and ignored.
    Needs ``Authorization: Bearer $HELPDESK_EVENTS_TOKEN`` when that is set."""
    result = store.recorder.record(body.events, body.batch_id)
    return EventsResult(events=result.events, turns=result.turns, duplicate=result.duplicate)
