"""Plain data types of the knowledge base (no I/O here)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Protocol = Literal["tcp", "udp"]


@dataclass(frozen=True)
class SourceRef:
    """Where a piece of knowledge came from: a file and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Table:
    """A Markdown table found in an answer, cells stripped of surrounding spaces."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: SourceRef

    def column(self, name: str) -> int:
        """Index of the column whose header is ``name`` (ValueError if absent)."""
        return self.header.index(name)


@dataclass(frozen=True)
class Entry:
    """One FAQ question with its answer, exactly as written in the source file."""

    id: str
    section: str
    question: str
    answer: str
    source_url: str
    links: tuple[str, ...]
    tables: tuple[Table, ...]
    source: SourceRef
    alternates: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BlockedPort:
    """A port or range the carrier intercepts, from the FAQ's table."""

    protocol: Protocol
    first: int
    last: int
    faq_id: str
    source: SourceRef

    def covers(self, protocol: str, port: int) -> bool:
        return self.protocol == protocol and self.first <= port <= self.last


@dataclass(frozen=True)
class RestrictedPort:
    """A port blocked by default in one direction that the user can get unblocked."""

    protocol: Protocol
    port: int
    direction: Literal["ingress", "egress"]
    quota: int | None
    quota_text: str | None
    faq_id: str
    source: SourceRef


def normalize_question(text: str) -> str:
    """Form used to compare questions: NFKC, whitespace collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def entry_id_for(question: str) -> str:
    """Stable id of an entry: derived from its question, so reordering keeps it."""
    digest = hashlib.sha1(normalize_question(question).encode("utf-8")).hexdigest()
    return f"faq-{digest[:8]}"
