"""Parse one FAQ Markdown file: ``##`` sections, ``###`` questions, answers below."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import FaqFormatError
from knowledge.models import SourceRef, Table

# A Markdown link; ``url`` is its target. Public: translations find links the same way.
LINK = re.compile(r"\[[^\]]*\]\((?P<url>[^)\s]+)\)")
_TABLE_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class RawEntry:
    """A question and its answer as found in the file, before ids and alternates."""

    section: str
    question: str
    answer: str
    links: tuple[str, ...]
    tables: tuple[Table, ...]
    source: SourceRef


def parse_faq(path: Path, display_path: str | None = None) -> list[RawEntry]:
    """Read ``path`` and return its entries in file order.

    Raises:
        FaqFormatError: on a question outside a section, a question with no answer,
            a section with no question, or an unreadable file.
    """
    shown = display_path or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise FaqFormatError(shown, None, "the file is not UTF-8", "save it as UTF-8") from e
    return parse_faq_text(text, shown)


def parse_faq_text(text: str, path: str) -> list[RawEntry]:
    """Parse FAQ Markdown held in memory; ``path`` is only used in messages.

    Raises:
        FaqFormatError: as :func:`parse_faq`.
    """
    parser = _Parser(path)
    for number, line in enumerate(text.splitlines(), start=1):
        parser.feed(number, line)
    return parser.finish()


class _Parser:
    """Reads a FAQ file line by line: a ``## `` line opens a section, a ``### `` line a question,
    and everything else belongs to the open question's answer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.entries: list[RawEntry] = []
        self.section: str | None = None
        self.section_line = 0
        self.section_questions = 0
        self.question: str | None = None
        self.question_line = 0
        self.body: list[tuple[int, str]] = []

    def feed(self, number: int, line: str) -> None:
        if line.startswith("### "):
            self._open_question(number, line[4:].strip())
        elif line.startswith("## "):
            self._open_section(number, line[3:].strip())
        elif self.question is not None:
            self.body.append((number, line))  # '#' and '####' lines inside an answer are its own text
        elif line.startswith("#### "):
            raise FaqFormatError(
                self.path, number, "'####' heading outside an answer", "use '##' for sections and '###' for questions"
            )
        elif line.strip() and self.section is not None and not line.startswith("# "):
            raise FaqFormatError(
                self.path,
                number,
                "text between a section heading and its first question",
                "move it into an answer or turn it into a '### question'",
            )

    def finish(self) -> list[RawEntry]:
        self._close_question()
        self._close_section()
        if not self.entries:
            raise FaqFormatError(
                self.path, None, "no questions found", "write '## section' and '### question' headings"
            )
        return self.entries

    def _open_question(self, number: int, question: str) -> None:
        self._close_question()
        if self.section is None:
            raise FaqFormatError(
                self.path,
                number,
                "question before any '## ' section heading",
                "put a '## section' heading above the first question",
            )
        if not question:
            raise FaqFormatError(self.path, number, "empty question heading", "write the question after '### '")
        self.question, self.question_line, self.body = question, number, []
        self.section_questions += 1

    def _open_section(self, number: int, section: str) -> None:
        self._close_question()
        self._close_section()
        self.question, self.body = None, []
        self.section, self.section_line, self.section_questions = section, number, 0

    def _close_question(self) -> None:
        if self.question is not None:
            self.entries.append(
                _make_entry(self.path, self.section or "", self.question, self.question_line, self.body)
            )

    def _close_section(self) -> None:
        if self.section is not None and self.section_questions == 0:
            raise FaqFormatError(
                self.path,
                self.section_line,
                f"section {self.section!r} has no questions",
                "add at least one '### question' under it or remove the heading",
            )


def _make_entry(path: str, section: str, question: str, line: int, body: list[tuple[int, str]]) -> RawEntry:
    while body and not body[-1][1].strip():
        body.pop()
    while body and not body[0][1].strip():
        body.pop(0)
    if not body:
        raise FaqFormatError(
            path,
            line,
            f"question {question!r} has no answer",
            "write the answer below the question, or remove the question",
        )
    answer = "\n".join(text for _, text in body)
    links = tuple(dict.fromkeys(m.group("url") for m in LINK.finditer(answer)))
    return RawEntry(
        section=section,
        question=question,
        answer=answer,
        links=links,
        tables=tuple(_tables(path, body)),
        source=SourceRef(path, line),
    )


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(cell.strip() for cell in inner.split("|"))


def _tables(path: str, body: list[tuple[int, str]]) -> list[Table]:
    tables: list[Table] = []
    i = 0
    while i < len(body):
        number, line = body[i]
        is_table_start = (
            line.lstrip().startswith("|")
            and i + 1 < len(body)
            and all(_TABLE_SEPARATOR_CELL.match(c) for c in _cells(body[i + 1][1]))
        )
        if not is_table_start:
            i += 1
            continue
        header = _cells(line)
        rows: list[tuple[str, ...]] = []
        i += 2
        while i < len(body) and body[i][1].lstrip().startswith("|"):
            row = _cells(body[i][1])
            if len(row) != len(header):
                raise FaqFormatError(
                    path,
                    body[i][0],
                    f"table row has {len(row)} cells, the header has {len(header)}",
                    "give every row as many '|' cells as the header",
                )
            rows.append(row)
            i += 1
        tables.append(Table(header=header, rows=tuple(rows), source=SourceRef(path, number)))
    return tables
