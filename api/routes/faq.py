"""The FAQ entries themselves."""

from __future__ import annotations

from api.deps import KnowledgeDep
from api.schemas import FaqEntryBody
from api.strict_json import api_router
from knowledge import Entry

router = api_router(prefix="/v1/faq", tags=["faq"])


def _body(entry: Entry) -> FaqEntryBody:
    return FaqEntryBody(
        id=entry.id,
        section=entry.section,
        question=entry.question,
        answer=entry.answer,
        source_url=entry.source_url,
        links=list(entry.links),
        alternates=list(entry.alternates),
    )


@router.get("", response_model=list[FaqEntryBody], summary="Every FAQ entry")
def list_entries(kb: KnowledgeDep) -> list[FaqEntryBody]:
    return [_body(e) for e in kb.entries]


@router.get("/{entry_id}", response_model=FaqEntryBody, summary="One FAQ entry by id")
def get_entry(entry_id: str, kb: KnowledgeDep) -> FaqEntryBody:
    return _body(kb.get(entry_id))
