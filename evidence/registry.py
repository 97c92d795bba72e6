"""Recognise pasted text by its shape and send it to the reader of that format.

Each format has a :class:`Reader`: ``looks_like(text) -> bool`` (cheap, by shape
only, no full parse) and ``read(text) -> Reading`` (raises
:class:`~evidence.errors.UnreadableEvidenceError`). Readers are tried in order,
most specific first: the cloud's formats (``evidence.cloud_readers``), then the
host's (``evidence.host_readers``). The first whose ``looks_like`` accepts the text
reads it. Text no reader recognises is not evidence (``detect`` gives None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from evidence.models import EvidenceFormat, Reading


@dataclass(frozen=True)
class Reader:
    """One format's recogniser and reader."""

    format: EvidenceFormat
    looks_like: Callable[[str], bool]
    read: Callable[[str], Reading]


@cache
def readers() -> tuple[Reader, ...]:
    """Every reader, in the order they are tried (imported on first use)."""
    from evidence.cloud_readers import CLOUD_READERS
    from evidence.host_readers import HOST_READERS

    found = (*CLOUD_READERS, *HOST_READERS)
    formats = [r.format for r in found]
    duplicates = {f for f in formats if formats.count(f) > 1}
    if duplicates:
        raise RuntimeError(f"two readers for {sorted(duplicates)}: keep one per format")
    return found


def detect(text: str) -> EvidenceFormat | None:
    """The format of ``text``, or None when it does not look like any output this desk reads."""
    for reader in readers():
        if reader.looks_like(text):
            return reader.format
    return None


def read_evidence(text: str) -> Reading | None:
    """Read ``text`` with the reader of its format; None when it is not evidence.

    Raises:
        UnreadableEvidenceError: it looks like a format but cannot be read as it.
    """
    for reader in readers():
        if reader.looks_like(text):
            return reader.read(text)
    return None
