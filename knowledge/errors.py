"""Errors raised while loading the knowledge base.

Every message names the file (and line, where there is one) and says what to fix.
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Base class for every error of the knowledge package."""


class FaqFormatError(KnowledgeError):
    """A FAQ or data file does not follow the expected format."""

    def __init__(self, path: Path | str, line: int | None, problem: str, fix: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}. {fix}")


class EntryNotFoundError(KnowledgeError):
    """No FAQ entry has the requested id."""

    def __init__(self, entry_id: str) -> None:
        self.entry_id = entry_id
        super().__init__(f"no FAQ entry has id {entry_id!r}; list the ids with `helpdesk faq list`")


class AlternateRefusedError(KnowledgeError):
    """A phrasing cannot become an alternate (it belongs to another entry, the entry is gone, or
    the FAQ would not load with it); the message says why, and the file is unchanged."""
