"""An FAQ entry as a reader of one language sees it: the curated translation when there is one,
else the source itself, with what says where the text stands (source, translation, dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.catalog import KnowledgeBase, Source
from knowledge.models import Entry
from knowledge.translations import Translation


@dataclass(frozen=True)
class EntryView:
    """What to show a reader who asked in ``requested``.

    Attributes:
        entry: The source entry (the source of truth).
        language: The language of ``question`` and ``answer``: ``requested`` when a
            translation exists, else the source's own.
        question, answer: The text to show, Markdown as written (source or curated translation).
        translation: The translation shown, or None when the source is shown.
        source: Where the source entry's file comes from (page, date of the copy).
    """

    entry: Entry
    language: str
    question: str
    answer: str
    translation: Translation | None
    source: Source | None

    @property
    def translated_from(self) -> str | None:
        """The source's language when a translation is shown, else None."""
        return self.source_language if self.translation is not None else None

    @property
    def source_language(self) -> str:
        """The language the entry is written in."""
        return self.source.language if self.source is not None else "zh"

    @property
    def source_date(self) -> date | None:
        """When the source's copy was taken, as ``sources.yaml`` records it."""
        return self.source.copied if self.source is not None else None

    @property
    def translation_date(self) -> date | None:
        """When the translation shown was made."""
        return self.translation.translated if self.translation is not None else None


def entry_view(kb: KnowledgeBase, entry: Entry, requested: str) -> EntryView:
    """``entry`` for a reader of ``requested``: its translation into that language, or itself."""
    source = kb.source_of(entry)
    own = source.language if source is not None else "zh"
    translation = None if requested == own else kb.translation(entry.id, requested)
    if translation is None:
        return EntryView(entry, own, entry.question, entry.answer, None, source)
    return EntryView(entry, requested, translation.question, translation.answer, translation, source)
