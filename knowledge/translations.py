"""Curated translations of FAQ entries, kept in ``translations/*.yaml`` and held to their source.

A translation file names the FAQ file it translates (``translation_of``) and gives, for
each entry, the Chinese question exactly as written (``source_question``) with the
translated question and answer. The Chinese entry stays the source of truth: a
translation is refused at load if it does not keep the source's facts, that is

* the same link URLs, as a multiset (anchors included, byte for byte);
* the same numbers: the multiset of integers written with ASCII digits outside URLs,
  in the answer and in the question (list numbering and port ranges count too);
* the same tables: as many tables, each with as many columns and rows, and every cell
  made only of digits, spaces, '-' and commas identical, row by row, in either text.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import FaqFormatError
from knowledge.markdown_faq import LINK, RawEntry, parse_faq_text
from knowledge.models import Entry, SourceRef, Table, normalize_question
from knowledge.yaml_data import load_yaml_mapping

TRANSLATIONS_DIR = "translations"
INTERNATIONAL_SITE = "https://www.tencentcloud.com/"

_FILE_KEYS = frozenset(
    ("translation_of", "language", "translated", "source_checked", "method", "international_url", "sections", "entries")
)
_ENTRY_KEYS = frozenset(("source_question", "question", "answer", "international_url"))
_BARE_URL = re.compile(r"https?://[^\s)\]>]+")
_ASCII_NUMBER = re.compile(r"[0-9]+")
_NUMBER_CELL = re.compile(r"[0-9 ,-]*[0-9][0-9 ,-]*")
_DRIFT_FIX = (
    "keep every link URL, number and numeric table cell of the Chinese answer exactly; translate only the words"
)


@dataclass(frozen=True)
class Translation:
    """One FAQ entry in another language, tied to the Chinese entry it translates."""

    entry_id: str
    language: str
    question: str
    answer: str
    section: str
    links: tuple[str, ...]
    tables: tuple[Table, ...]
    translated: date
    method: str
    international_url: str | None
    source_url: str
    source_question: str
    source: SourceRef
    source_checked: date | None = None


@dataclass(frozen=True)
class _FileHeader:
    """The fields a translation file gives once for all its entries."""

    language: str
    translated: date
    source_checked: date | None
    method: str
    international_url: str | None
    sections: dict[str, str]


def translation_files(directory: Path) -> list[Path]:
    """The translation files of the knowledge folder ``directory``, in a fixed order."""
    return sorted((directory / TRANSLATIONS_DIR).glob("*.yaml"))


def load_translations(directory: Path, entries: Sequence[Entry]) -> dict[str, dict[str, Translation]]:
    """Read every ``translations/*.yaml`` of the knowledge folder ``directory``.

    An entry with no translation (a question added to the FAQ since) is served in the
    source language with a note; ``KnowledgeBase.untranslated`` lists such entries, and
    ``helpdesk faq list`` shows them. A translation that drifts on facts is refused.

    Args:
        directory: the knowledge folder (the one holding the FAQ ``*.md`` files).
        entries: the loaded Chinese entries.

    Returns:
        The translations by language, then by the id of the entry they translate.

    Raises:
        FaqFormatError: a file is malformed, names a question no FAQ file has, translates
            one twice, or drifts from its source on facts.
    """
    result: dict[str, dict[str, Translation]] = {}
    for path in translation_files(directory):
        for translation in _load_file(path, _show(path), entries):
            language = result.setdefault(translation.language, {})
            first = language.get(translation.entry_id)
            if first is not None:
                raise FaqFormatError(
                    translation.source.path,
                    translation.source.line,
                    f"{translation.source_question!r} is translated twice (first at {first.source})",
                    "keep one translation per entry and language",
                )
            language[translation.entry_id] = translation
    return result


def check_translation(entry: Entry, translation: Translation) -> None:
    """Refuse ``translation`` if it does not keep the facts of ``entry``.

    The check reads the translation's question and answer text (its tables are parsed
    again from the answer), so a copy made with ``dataclasses.replace`` is judged on
    what it says.

    Raises:
        FaqFormatError: it translates another entry, or drifts; the message names the
            entry and every difference.
    """
    where = translation.source
    if translation.entry_id != entry.id:
        raise FaqFormatError(
            where.path,
            where.line,
            f"the translation of {translation.source_question!r} is checked against {entry.question!r}",
            "check a translation against the entry it translates",
        )
    raw = _parse_answer(translation.section, translation.question, translation.answer, where.path, where.line)
    _refuse_drift(entry, raw, where.path, where.line)


def link_urls(markdown: str) -> tuple[str, ...]:
    """Every link target of ``markdown`` in order, repeats kept (the multiset of URLs)."""
    return tuple(m.group("url") for m in LINK.finditer(markdown))


def numbers_outside_urls(text: str) -> tuple[int, ...]:
    """Every run of ASCII digits in ``text`` as an integer, sorted; digits in URLs are skipped."""
    without_links = LINK.sub(_blank_url, text)
    without_urls = _BARE_URL.sub(" ", without_links)
    return tuple(sorted(int(n) for n in _ASCII_NUMBER.findall(without_urls)))


def fact_differences(entry: Entry, question: str, answer: str, tables: Sequence[Table]) -> list[str]:
    """How a translated question and answer differ from ``entry`` on facts (empty: none)."""
    differences: list[str] = []
    urls = _multiset_difference(Counter(link_urls(entry.answer)), Counter(link_urls(answer)))
    if urls:
        differences.append(f"link URLs differ: {urls}")
    numbers = _multiset_difference(Counter(numbers_outside_urls(entry.answer)), Counter(numbers_outside_urls(answer)))
    if numbers:
        differences.append(f"numbers in the answer differ: {numbers}")
    in_question = _multiset_difference(
        Counter(numbers_outside_urls(entry.question)), Counter(numbers_outside_urls(question))
    )
    if in_question:
        differences.append(f"numbers in the question differ: {in_question}")
    differences.extend(_table_differences(entry.tables, tables))
    return differences


def _load_file(path: Path, display: str, entries: Sequence[Entry]) -> list[Translation]:
    data = load_yaml_mapping(path, display)
    key_lines, item_lines = _yaml_lines(path.read_text(encoding="utf-8"))
    _refuse_unknown_keys(data, _FILE_KEYS, display, 1, "the file")
    translation_of = data.get("translation_of")
    covered = [e for e in entries if Path(e.source.path).name == translation_of]
    if not isinstance(translation_of, str) or not covered:
        known = sorted({Path(e.source.path).name for e in entries})
        raise FaqFormatError(
            display,
            key_lines.get("translation_of", 1),
            f"'translation_of' must name a FAQ file, not {translation_of!r}",
            f"write one of {known}",
        )
    header = _header(data, key_lines, display, covered)
    blocks = data.get("entries")
    if not isinstance(blocks, list) or not blocks:
        raise FaqFormatError(
            display,
            key_lines.get("entries", 1),
            "'entries' must be a non-empty list",
            "write one '- source_question: ...' block per FAQ entry",
        )
    by_question = {normalize_question(e.question): e for e in covered}
    translations: dict[str, Translation] = {}
    for block, line in zip(blocks, item_lines, strict=True):
        entry = _entry_for(block, by_question, display, line)
        if entry.id in translations:
            raise FaqFormatError(
                display,
                line,
                f"{entry.question!r} is translated twice (first at line {translations[entry.id].source.line})",
                "keep one block per entry",
            )
        translations[entry.id] = _translation(entry, block, header, display, line)
    return list(translations.values())


def _header(data: dict[str, Any], key_lines: dict[str, int], display: str, covered: list[Entry]) -> _FileHeader:
    def line(key: str) -> int:
        return key_lines.get(key, 1)

    sections = data.get("sections")
    if not isinstance(sections, dict) or not all(isinstance(v, str) and v.strip() for v in sections.values()):
        raise FaqFormatError(
            display,
            line("sections"),
            "'sections' must map each section heading to its translation",
            "write one 'heading as in the FAQ file: translation' line per section under 'sections:'",
        )
    wanted = {e.section for e in covered}
    if set(sections) != wanted:
        raise FaqFormatError(
            display,
            line("sections"),
            f"'sections' translates {sorted(map(str, sections))}, the FAQ's sections are {sorted(wanted)}",
            "give exactly one translation per section heading, written as in the FAQ file",
        )
    return _FileHeader(
        language=_text(data.get("language"), display, line("language"), "'language'"),
        translated=_date(data.get("translated"), display, line("translated"), "'translated'"),
        source_checked=(
            None
            if data.get("source_checked") is None
            else _date(data["source_checked"], display, line("source_checked"), "'source_checked'")
        ),
        method=_text(data.get("method"), display, line("method"), "'method'"),
        international_url=_international_url(data.get("international_url"), display, line("international_url")),
        sections={str(k): v.strip() for k, v in sections.items()},
    )


def _entry_for(block: Any, by_question: dict[str, Entry], display: str, line: int) -> Entry:
    if not isinstance(block, dict) or not isinstance(block.get("source_question"), str):
        raise FaqFormatError(
            display,
            line,
            "block has no 'source_question' text",
            "give each block 'source_question', 'question' and 'answer'",
        )
    _refuse_unknown_keys(block, _ENTRY_KEYS, display, line, "a block")
    question = block["source_question"]
    entry = by_question.get(normalize_question(question))
    if entry is None:
        known = [e.question for e in by_question.values()]
        close = difflib.get_close_matches(question, known, n=1, cutoff=0.3)
        hint = f"did you mean {close[0]!r}?" if close else "copy the question exactly from the FAQ file"
        raise FaqFormatError(display, line, f"translation of a question the FAQ file does not have: {question!r}", hint)
    return entry


def _translation(entry: Entry, block: dict[str, Any], header: _FileHeader, display: str, line: int) -> Translation:
    what = f"of {entry.question!r}"
    question = _text(block.get("question"), display, line, f"'question' {what}")
    answer = _text(block.get("answer"), display, line, f"'answer' {what}")
    section = header.sections[entry.section]
    raw = _parse_answer(section, question, answer, display, line)
    _refuse_drift(entry, raw, display, line)
    own_url = _international_url(block.get("international_url"), display, line)
    return Translation(
        entry_id=entry.id,
        language=header.language,
        question=raw.question,
        answer=raw.answer,
        section=section,
        links=raw.links,
        tables=raw.tables,
        translated=header.translated,
        method=header.method,
        international_url=own_url or header.international_url,
        source_url=entry.source_url,
        source_question=entry.question,
        source=SourceRef(display, line),
        source_checked=header.source_checked,
    )


def _parse_answer(section: str, question: str, answer: str, display: str, line: int) -> RawEntry:
    """Parse a translated answer exactly as the FAQ parser parses a Chinese one."""
    if "\n" in question.strip():
        raise FaqFormatError(display, line, f"question {question!r} spans several lines", "write it on one line")
    try:
        raws = parse_faq_text(f"## {section}\n### {question}\n{answer}", display)
    except FaqFormatError as e:
        raise FaqFormatError(display, line, f"answer to {question!r}: {e.problem}", e.fix) from e
    if len(raws) != 1:
        raise FaqFormatError(
            display,
            line,
            f"the answer to {question!r} has a line starting with '## ' or '### '",
            "headings end an answer in the FAQ format: write that line without the heading marks",
        )
    return raws[0]


def _refuse_drift(entry: Entry, raw: RawEntry, display: str, line: int) -> None:
    differences = fact_differences(entry, raw.question, raw.answer, raw.tables)
    if differences:
        raise FaqFormatError(
            display,
            line,
            f"the translation of {entry.question!r} ({entry.id}) drifts from the Chinese entry: "
            + "; ".join(differences),
            _DRIFT_FIX,
        )


def _table_differences(source: Sequence[Table], translated: Sequence[Table]) -> list[str]:
    if len(source) != len(translated):
        return [f"the answer has {len(translated)} tables, the Chinese has {len(source)}"]
    differences: list[str] = []
    for number, (zh, en) in enumerate(zip(source, translated, strict=True), start=1):
        if len(zh.header) != len(en.header) or len(zh.rows) != len(en.rows):
            differences.append(
                f"table {number} has {len(en.rows)} rows of {len(en.header)} cells, "
                f"the Chinese has {len(zh.rows)} rows of {len(zh.header)} cells"
            )
            continue
        for row, (zh_row, en_row) in enumerate(zip(zh.rows, en.rows, strict=True), start=1):
            for column, (zh_cell, en_cell) in enumerate(zip(zh_row, en_row, strict=True), start=1):
                numeric = _NUMBER_CELL.fullmatch(zh_cell) or _NUMBER_CELL.fullmatch(en_cell)
                if numeric and zh_cell != en_cell:
                    differences.append(
                        f"table {number} row {row} cell {column} is {en_cell!r}, the Chinese has {zh_cell!r}"
                    )
    return differences


def _multiset_difference(source: Counter[Any], translated: Counter[Any]) -> str:
    missing = sorted((source - translated).elements())
    extra = sorted((translated - source).elements())
    parts = [f"missing {missing}" if missing else "", f"not in the Chinese {extra}" if extra else ""]
    return ", ".join(p for p in parts if p)


def _blank_url(match: re.Match[str]) -> str:
    start, end = match.span("url")
    whole, offset = match.group(0), match.start()
    return whole[: start - offset] + " " + whole[end - offset :]


def _yaml_lines(text: str) -> tuple[dict[str, int], list[int]]:
    """1-based lines of the top-level keys and of each item under 'entries'."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    keys: dict[str, int] = {}
    items: list[int] = []
    if not isinstance(root, yaml.MappingNode):
        return keys, items
    for key, value in root.value:
        keys[str(key.value)] = _line(key)
        if key.value == "entries" and isinstance(value, yaml.SequenceNode):
            items = [_line(item) for item in value.value]
    return keys, items


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1 if node.start_mark is not None else 1


def _refuse_unknown_keys(data: dict[str, Any], allowed: Iterable[str], display: str, line: int, where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise FaqFormatError(
            display, line, f"unknown keys in {where}: {unknown}", f"use only {sorted(allowed)} (check the spelling)"
        )


def _text(value: Any, display: str, line: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FaqFormatError(display, line, f"{what} must be a non-empty text", f"write {what}")
    return value.strip()


def _date(value: Any, display: str, line: int, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as e:
        raise FaqFormatError(display, line, f"{what} must be a date, not {value!r}", "write it as YYYY-MM-DD") from e


def _international_url(value: Any, display: str, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(INTERNATIONAL_SITE):
        raise FaqFormatError(
            display,
            line,
            f"'international_url' must be a Tencent Cloud International page, not {value!r}",
            f"give a verified page under {INTERNATIONAL_SITE}, or leave the key out",
        )
    return value


def _show(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when possible."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
