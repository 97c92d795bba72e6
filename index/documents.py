"""What gets embedded: each FAQ question, its alternates and its answer text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge import Entry, KnowledgeBase

DocumentKind = Literal["question", "alternate", "answer", "out_of_scope"]
OUT_OF_SCOPE = ""  # entry_id of out-of-scope phrasings: they lead to no entry

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|`|^\s*[-*]\s+|^\s*\d+\.\s+|^\s*\|[\s\-|:]*\|\s*$)", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One embedded text and the entry it leads to."""

    entry_id: str
    kind: DocumentKind
    text: str


def answer_plain_text(markdown: str) -> str:
    """Answer text without Markdown syntax or URLs, for embedding only."""
    text = _LINK.sub(r"\1", markdown)
    text = _MARKUP.sub(" ", text)
    text = text.replace("|", " ")
    return " ".join(text.split())


def entry_documents(entry: Entry) -> list[Document]:
    """The documents of one entry, question first."""
    docs = [Document(entry.id, "question", entry.question)]
    docs += [Document(entry.id, "alternate", a) for a in entry.alternates]
    docs.append(Document(entry.id, "answer", answer_plain_text(entry.answer)))
    return docs


def knowledge_documents(kb: KnowledgeBase) -> list[Document]:
    """Documents of every entry, in knowledge-base order, then the out-of-scope phrasings."""
    docs = [doc for entry in kb.entries for doc in entry_documents(entry)]
    return docs + [Document(OUT_OF_SCOPE, "out_of_scope", text) for text in kb.out_of_scope]
