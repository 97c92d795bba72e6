"""Numbers match whole: a port or number in a question matches only the same number.

Character n-grams and embeddings both see "1025" as close to "25" (they share "25";
the model reads digits as sub-words). Retrieval therefore treats numbers apart:

* the lexical signal indexes each digit run as one whole token (``index/lexical.py``);
* an entry whose own question or table is about particular numbers (TCP 25, the
  carrier-blocked port list) is demoted for a question whose numbers are all others
  (``NumberSense.conflicts``), and promoted for a question that names one of them
  (``NumberSense.matches``): "5554端口" finds the blocked-port table, "TCP 1025" does
  not find the TCP 25 entry.

A short range written in a document ("135 - 139") stands for every number in it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knowledge import Entry

_NUMBER = re.compile(r"[0-9]+")
_RANGE = re.compile(r"(?<![0-9])([0-9]+)\s*[-~–—]\s*([0-9]+)(?![0-9])")
_URL = re.compile(r"\]\([^)]*\)|https?://\S+")
_LIST_MARK = re.compile(r"^\s*[0-9]+\.\s", re.MULTILINE)
_NUMERIC_CELL = re.compile(r"[0-9 ,\-]*[0-9][0-9 ,\-]*")
MAX_RANGE = 64  # a wider "a - b" is two numbers, not a list of ports


def normalize_digits(text: str) -> str:
    """``text`` with full-width and other compatibility digits as ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def numbers_in(text: str) -> frozenset[int]:
    """Every whole number written in ``text``, and every number of a short range in it."""
    text = normalize_digits(text)
    found = {int(n) for n in _NUMBER.findall(text)}
    for first, last in _RANGE.findall(text):
        a, b = int(first), int(last)
        if a < b <= a + MAX_RANGE:
            found.update(range(a, b + 1))
    return frozenset(found)


@dataclass(frozen=True)
class EntryNumbers:
    """The numbers of one entry.

    ``defining``: numbers of its question and numeric table cells, when the entry is
    about particular numbers (empty for an entry whose numbers are only examples, such
    as "port 8080" in the open-a-port answer). ``mentioned``: those and the numbers of
    its answer text (outside links and list numbering).
    """

    defining: frozenset[int]
    mentioned: frozenset[int]


def entry_numbers(entry: Entry) -> EntryNumbers:
    """What numbers ``entry`` is about (see ``EntryNumbers``)."""
    defining = set(numbers_in(entry.question))
    for table in entry.tables:
        for row in table.rows:
            for cell in row:
                if _NUMERIC_CELL.fullmatch(cell.strip()):
                    defining |= numbers_in(cell)
    answer = _LIST_MARK.sub(" ", _URL.sub(" ", entry.answer))
    return EntryNumbers(frozenset(defining), frozenset(defining) | numbers_in(answer))


class NumberSense:
    """Compares a question's numbers with each entry's."""

    def __init__(self, entries: list[Entry]) -> None:
        self._numbers = [entry_numbers(e) for e in entries]

    def conflicts(self, question_numbers: frozenset[int]) -> list[bool]:
        """Per entry: the entry is about particular numbers and the question names only others."""
        if not question_numbers:
            return [False] * len(self._numbers)
        return [bool(n.defining) and not (question_numbers & n.mentioned) for n in self._numbers]

    def matches(self, question_numbers: frozenset[int]) -> list[bool]:
        """Per entry: the entry's own question or table names one of the question's numbers."""
        return [bool(question_numbers & n.defining) for n in self._numbers]
