"""What gets indexed: each entry's Chinese text, its alternates, and its English translation."""

from __future__ import annotations

from collections import Counter

from index.documents import EMBEDDING_ONLY, entry_documents, knowledge_documents
from knowledge import KnowledgeBase
from knowledge.models import normalize_question


def test_every_entry_is_indexed_in_both_languages(kb: KnowledgeBase) -> None:
    docs = knowledge_documents(kb)
    kinds = Counter((d.entry_id, d.kind) for d in docs)
    for entry in kb.entries:
        assert kinds[(entry.id, "question")] == 1 and kinds[(entry.id, "answer")] == 1
        assert kinds[(entry.id, "translated_answer")] == 1
        translation = kb.translation(entry.id, "en")
        assert translation is not None
        # The English question is there once: as a translation, or as an alternate that says the same.
        english = [d for d in docs if d.entry_id == entry.id and d.text == translation.question]
        assert len(english) == 1


def test_translated_answers_are_plain_text(kb: KnowledgeBase) -> None:
    translation = kb.translation("faq-04eb5262", "en")
    assert translation is not None
    doc = next(d for d in entry_documents(kb.get("faq-04eb5262"), (translation,)) if d.kind == "translated_answer")
    assert "security group console" in doc.text and "https://" not in doc.text and "](" not in doc.text


def test_no_entry_has_the_same_text_twice(kb: KnowledgeBase) -> None:
    """A duplicate would count twice in the entry's smooth maximum."""
    docs = knowledge_documents(kb)
    keys = Counter((d.entry_id, normalize_question(d.text)) for d in docs if d.entry_id)
    assert max(keys.values()) == 1


def test_translations_are_scored_by_embedding_only() -> None:
    assert frozenset({"translated_question", "translated_answer"}) == EMBEDDING_ONLY
