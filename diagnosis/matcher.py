"""Find the vocabulary's phrases in a message.

Text is folded (NFKC, lower case). An ASCII phrase matches whole words, with runs of
spaces in the text read as one; a phrase with other characters (Chinese) matches the
text with its spaces removed, so "ping不通" finds "ping 不通". "…" in a phrase stands for
up to 16 characters. One compiled pattern per kind of phrase keeps a message to a few
regex passes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

GAP = "…"
_GAP_PATTERN = ".{0,16}?"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Folded:
    """A message folded for matching: ``spaced`` (single spaces) and ``compact`` (no spaces)."""

    spaced: str
    compact: str


def fold(text: str) -> Folded:
    """Fold ``text`` for matching."""
    spaced = _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()
    return Folded(spaced, spaced.replace(" ", ""))


def _pattern(phrase: str, compact: bool) -> str:
    parts = [re.escape(p) for p in phrase.split(GAP)]
    body = _GAP_PATTERN.join(parts)
    if compact:
        return body
    return r"(?<![a-z0-9])" + body + r"(?![a-z0-9])"


class Matcher:
    """Finds which ids' phrases occur in a message.

    Args:
        entries: ``(id, phrase)`` pairs; one id may have many phrases.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        spaced: dict[str, str] = {}
        compact: dict[str, str] = {}
        for key, phrase in entries:
            # Fold each part on its own: NFKC would turn the gap mark into three dots.
            parts = [fold(part) for part in phrase.split(GAP)]
            if all(p.spaced.isascii() for p in parts):
                spaced.setdefault(GAP.join(p.spaced for p in parts), key)
            else:
                compact.setdefault(GAP.join(p.compact for p in parts), key)
        self._spaced = spaced
        self._compact = compact
        self._spaced_re = self._compile(spaced, compact=False)
        self._compact_re = self._compile(compact, compact=True)
        self._spaced_gaps = {p: re.compile(_pattern(p, False)) for p in spaced if GAP in p}
        self._compact_gaps = {p: re.compile(_pattern(p, True)) for p in compact if GAP in p}

    @staticmethod
    def _compile(phrases: dict[str, str], compact: bool) -> re.Pattern[str] | None:
        plain = sorted((p for p in phrases if GAP not in p), key=len, reverse=True)
        if not plain:
            return None
        alternation = "|".join(re.escape(p) for p in plain)
        if compact:
            return re.compile(f"(?:{alternation})")
        return re.compile(r"(?<![a-z0-9])(?:" + alternation + r")(?![a-z0-9])")

    def find(self, text: Folded) -> list[str]:
        """The ids found, each once, in order of first appearance."""
        hits: list[tuple[int, str]] = []
        if self._spaced_re is not None:
            hits += [(m.start() * 2, self._spaced[m.group()]) for m in self._spaced_re.finditer(text.spaced)]
        if self._compact_re is not None:
            hits += [(m.start() * 2 + 1, self._compact[m.group()]) for m in self._compact_re.finditer(text.compact)]
        for phrase, pattern in self._spaced_gaps.items():
            found = pattern.search(text.spaced)
            if found:
                hits.append((found.start() * 2, self._spaced[phrase]))
        for phrase, pattern in self._compact_gaps.items():
            found = pattern.search(text.compact)
            if found:
                hits.append((found.start() * 2 + 1, self._compact[phrase]))
        return list(dict.fromkeys(key for _, key in sorted(hits)))
