"""What gets embedded: each FAQ question, its alternates, its answer text, and their translations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge import Entry, KnowledgeBase
from knowledge.models import normalize_question
from knowledge.translations import Translation

DocumentKind = Literal[
    "question", "alternate", "answer", "translated_question", "translated_answer", "out_of_scope", "development_query"
]
OUT_OF_SCOPE = ""  # entry_id of out-of-scope phrasings: they lead to no entry
# Kinds the lexical signal leaves out: they are scored by embedding only (see index/retriever.py).
EMBEDDING_ONLY: frozenset[DocumentKind] = frozenset(("translated_question", "translated_answer"))

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|`|^\s*[-*]\s+|^\s*\d+\.\s+|^\s*\|[\s\-|:]*\|\s*$)", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One embedded text and the entry it leads to. (A ``development_query`` is never indexed:
    it only trains the entry classifier, see ``index/development.py``.)"""

    entry_id: str
    kind: DocumentKind
    text: str


def answer_plain_text(markdown: str) -> str:
    """Answer text without Markdown syntax or URLs, for embedding only."""
    text = _LINK.sub(r"\1", markdown)
    text = _MARKUP.sub(" ", text)
    text = text.replace("|", " ")
    return " ".join(text.split())


def entry_documents(entry: Entry, translations: tuple[Translation, ...] = ()) -> list[Document]:
    """The documents of one entry, question first, then its translations.

    A translated question already written as an alternate (the curated alternates often
    begin with the English question) is not repeated: a duplicate would count twice in
    the entry's smooth maximum.
    """
    docs = [Document(entry.id, "question", entry.question)]
    docs += [Document(entry.id, "alternate", a) for a in entry.alternates]
    docs.append(Document(entry.id, "answer", answer_plain_text(entry.answer)))
    for t in translations:
        docs.append(Document(entry.id, "translated_question", t.question))
        docs.append(Document(entry.id, "translated_answer", answer_plain_text(t.answer)))
    seen: set[str] = set()
    unique = []
    for doc in docs:
        key = normalize_question(doc.text)
        if key not in seen:
            seen.add(key)
            unique.append(doc)
    return unique


def knowledge_documents(kb: KnowledgeBase) -> list[Document]:
    """Documents of every entry (with its curated translations, by language), in
    knowledge-base order, then the out-of-scope phrasings."""
    docs = [doc for entry in kb.entries for doc in entry_documents(entry, _translations_of(kb, entry))]
    return docs + [Document(OUT_OF_SCOPE, "out_of_scope", text) for text in kb.out_of_scope]


def _translations_of(kb: KnowledgeBase, entry: Entry) -> tuple[Translation, ...]:
    found = (kb.translation(entry.id, language) for language in sorted(kb.translations))
    return tuple(t for t in found if t is not None)
