"""The FAQ entries themselves, with their dates and curated translations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.deps import KnowledgeDep
from api.schemas import EntryTextBody, FaqEntryBody, Language, TranslationBody
from api.strict_json import api_router
from knowledge import Entry, EntryView, KnowledgeBase, entry_view

router = api_router(prefix="/v1/faq", tags=["faq"])
EntryId = Annotated[str, Path(min_length=1, max_length=200, description="The entry's id (faq-…)")]


def text_fields(view: EntryView) -> dict[str, object]:
    """The fields of :class:`~api.schemas.EntryTextBody` for one entry as a reader sees it."""
    return {
        "id": view.entry.id,
        "question": view.question,
        "answer": view.answer,
        "language": view.language,
        "translated_from": view.translated_from,
        "original_question": view.entry.question,
        "source_url": view.entry.source_url,
        "international_url": view.translation.international_url if view.translation else None,
        "source_date": view.source_date.isoformat() if view.source_date else None,
        "translation_date": view.translation_date.isoformat() if view.translation_date else None,
    }


def _body(kb: KnowledgeBase, entry: Entry) -> FaqEntryBody:
    source = kb.source_of(entry)
    translations = {
        language: TranslationBody(
            language=t.language,
            question=t.question,
            answer=t.answer,
            section=t.section,
            translated=t.translated.isoformat(),
            method=t.method,
            international_url=t.international_url,
        )
        for language, by_id in kb.translations.items()
        if (t := by_id.get(entry.id)) is not None
    }
    return FaqEntryBody(
        id=entry.id,
        section=entry.section,
        question=entry.question,
        answer=entry.answer,
        source_url=entry.source_url,
        links=list(entry.links),
        alternates=list(entry.alternates),
        language=source.language if source else "zh",
        source_date=source.copied.isoformat() if source and source.copied else None,
        translations=translations,
    )


@router.get("", response_model=list[FaqEntryBody], summary="Every FAQ entry")
def list_entries(kb: KnowledgeDep) -> list[FaqEntryBody]:
    """Each entry as written (the source of truth), with the date of the source's copy and the
    curated translations (each with its own date)."""
    return [_body(kb, e) for e in kb.entries]


@router.get("/{entry_id}", response_model=FaqEntryBody, summary="One FAQ entry by id")
def get_entry(entry_id: EntryId, kb: KnowledgeDep) -> FaqEntryBody:
    return _body(kb, kb.get(entry_id))


@router.get("/{entry_id}/text", response_model=EntryTextBody, summary="One FAQ entry in a reader's language")
def get_entry_text(entry_id: EntryId, kb: KnowledgeDep, language: Annotated[Language, Query()] = "zh") -> EntryTextBody:
    """The entry as a reader of ``language`` sees it: its curated translation (marked as such,
    with the original's link) when there is one, else the source as written."""
    return EntryTextBody.model_validate(text_fields(entry_view(kb, kb.get(entry_id), language)))
