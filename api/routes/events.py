"""Rasa's events, posted by its event broker (bot/brokers/helpdesk_broker.py): every turn's outcome.

Also what the brokers report about their spools (records waiting, batches set aside) and
the events refused one by one, for the admin API (``GET /v1/admin/records``).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Header, Query
from sqlalchemy.exc import SQLAlchemyError

from api.deps import DeflectionDep, require_admin, require_events_token
from api.schema_types import when_given
from api.schemas_deflection import (
    EventsBatch,
    EventsResult,
    RecordsStatusResponse,
    RecordsWaitingBody,
    RefusedEventBody,
    RefusedItem,
    SpoolSlotBody,
    utc_iso,
)
from api.strict_json import api_router
from deflection import OUTAGE_ERRORS, DeflectionStore
from deflection.records_health import SpoolStatus

log = logging.getLogger("helpdesk")
router = api_router()
_COUNT = 1_000_000_000  # a count header above this is not a count (and would not fit the column)

SpoolHeader = Annotated[
    str | None,
    Header(
        alias="X-Helpdesk-Spool",
        max_length=200,
        description="The broker's spool, as host:folder",
        json_schema_extra=when_given(),
    ),
]
SlotHeader = Annotated[
    str | None,
    Header(
        alias="X-Helpdesk-Spool-Slot",
        max_length=32,
        description="The broker's slot in its spool",
        json_schema_extra=when_given(),
    ),
]
PendingHeader = Annotated[
    int | None,
    Header(
        alias="X-Helpdesk-Spool-Pending",
        ge=0,
        le=_COUNT,
        description="Events waiting in the broker's slot",
        json_schema_extra=when_given(),
    ),
]
RejectedHeader = Annotated[
    int | None,
    Header(
        alias="X-Helpdesk-Spool-Rejected",
        ge=0,
        le=_COUNT,
        description="Batches in the spool's rejected/",
        json_schema_extra=when_given(),
    ),
]


@router.post(
    "/v1/events",
    response_model=EventsResult,
    summary="Record a batch of Rasa events",
    tags=["events"],
    dependencies=[Depends(require_events_token)],
)
def record_events(
    body: EventsBatch,
    store: DeflectionDep,
    spool: SpoolHeader = None,
    slot: SlotHeader = None,
    pending: PendingHeader = None,
    rejected: RejectedHeader = None,
) -> EventsResult:
    """Turn ``user`` and ``bot`` events into turn records (outcome, FAQ entry, score, candidates,
    channel, language, latency), feedback and learned phrasings. Other events are accepted and ignored;
    an event that cannot be recorded (no sender, no timestamp, not an object...) is refused alone and
    listed in ``refused``, and the rest of the batch is recorded. The ``X-Helpdesk-Spool*`` headers are
    the broker's report of what waits in its spool (shown by ``/readyz`` and the dashboard).
    Needs ``Authorization: Bearer $HELPDESK_EVENTS_TOKEN`` when that is set."""
    if spool and slot and pending is not None and rejected is not None:
        _note(store, SpoolStatus(spool, slot, pending, rejected))
    result = store.recorder.record(body.events, body.batch_id)
    return EventsResult(
        events=result.events,
        turns=result.turns,
        duplicate=result.duplicate,
        refused=[RefusedItem(index=r.index, reason=r.reason) for r in result.refused],
    )


def _note(store: DeflectionStore, status: SpoolStatus) -> None:
    """Keep the broker's report; a failure to do so must not stop its records (unless the database is down)."""
    try:
        store.recorder.health.note(status)
    except OUTAGE_ERRORS:
        raise
    except SQLAlchemyError as e:
        log.warning("the event broker's spool report was not kept: %s", e)


@router.get(
    "/v1/admin/records",
    response_model=RecordsStatusResponse,
    summary="Records waiting in the bots' spools, batches set aside, events refused",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
)
def records_status(
    store: DeflectionDep,
    limit: Annotated[int, Query(ge=0, le=200, description="How many of the latest refused events to list")] = 20,
) -> RecordsStatusResponse:
    """Whether every turn reaches the store: what each Rasa process's event broker last reported (events
    waiting in its spool, batches set aside in its ``rejected/`` folder) and the events the app refused."""
    waiting = store.recorder.health.waiting()
    count, recent = store.recorder.health.refused(limit)
    return RecordsStatusResponse(
        **RecordsWaitingBody.of(waiting).model_dump(),
        slots=[
            SpoolSlotBody(
                spool=s.spool,
                slot=s.slot,
                waiting=s.waiting,
                rejected=s.rejected,
                reported_at=str(utc_iso(s.reported_at)),
                fresh=s.fresh,
            )
            for s in waiting.slots
        ],
        refused=count,
        recent_refused=[
            RefusedEventBody(
                at=str(utc_iso(r.at)),
                batch_id=r.batch_id,
                position=r.position,
                event=r.event,
                sender_id=r.sender_id,
                reason=r.reason,
                excerpt=r.excerpt,
            )
            for r in recent
        ],
    )
