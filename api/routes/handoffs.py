"""Conversations handed to a human."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.deps import HandoffsDep
from api.schemas import HandoffRequest, HandoffResponse
from deflection import Handoff, TranscriptLine

router = APIRouter(prefix="/v1/handoffs", tags=["handoffs"])


def _body(h: Handoff) -> HandoffResponse:
    return HandoffResponse.model_validate({**asdict(h)})


@router.post("", status_code=201, response_model=HandoffResponse, summary="Record a hand-off to a human")
def create_handoff(body: HandoffRequest, store: HandoffsDep) -> HandoffResponse:
    transcript = [TranscriptLine(t.sender, t.text, t.timestamp) for t in body.transcript]
    candidates = [c.model_dump() for c in body.candidates]
    return _body(store.create(body.conversation_id, body.channel, body.language, body.reason, transcript, candidates))


@router.get("/{handoff_id}", response_model=HandoffResponse, summary="One hand-off by id")
def get_handoff(handoff_id: str, store: HandoffsDep) -> HandoffResponse:
    return _body(store.get(handoff_id))
