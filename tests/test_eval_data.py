"""Sanity checks for the hand-labelled retrieval datasets in tests/data/.

eval.jsonl is the held-out measurement set; calibration.jsonl is the separate
development set used to pick the confidence threshold. See tests/data/README.md.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from knowledge import load_knowledge

DATA_DIR = Path(__file__).parent / "data"
EVAL_FILE = DATA_DIR / "eval.jsonl"
# The calibration set ships with the knowledge: the index build fits the threshold on it.
CALIBRATION_FILE = Path(__file__).parent.parent / "knowledge" / "data" / "calibration.jsonl"

LANGS = {"zh", "en"}
KINDS = {"paraphrase", "colloquial", "typo", "mixed", "keyword", "oos"}
REQUIRED_KEYS = {"query", "lang", "expected", "kind"}
OPTIONAL_KEYS = {"note"}

# file name -> (min total, min out-of-scope, min out-of-scope per language, min in-scope per entry per language)
MINIMUMS = {
    "eval.jsonl": (150, 30, 15, 3),
    "calibration.jsonl": (130, 30, 15, 1),
}


def normalize(query: str) -> str:
    return re.sub(r"\s+", " ", query.casefold()).strip()


@cache
def load_rows(path: Path) -> tuple[dict[str, Any], ...]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            raise AssertionError(f"{path.name}:{lineno}: invalid JSON: {exc}") from exc
        assert isinstance(row, dict), f"{path.name}:{lineno}: not a JSON object"
        row["_line"] = lineno
        rows.append(row)
    return tuple(rows)


@cache
def entry_ids() -> frozenset[str]:
    return frozenset(entry.id for entry in load_knowledge().entries)


FILES = [EVAL_FILE, CALIBRATION_FILE]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_rows_are_well_formed(path: Path) -> None:
    rows = load_rows(path)
    assert rows, f"{path.name} is empty"
    for row in rows:
        where = f"{path.name}:{row['_line']}"
        keys = set(row) - {"_line"}
        assert keys >= REQUIRED_KEYS, f"{where}: missing {REQUIRED_KEYS - keys}"
        assert keys <= REQUIRED_KEYS | OPTIONAL_KEYS, f"{where}: unexpected {keys - REQUIRED_KEYS - OPTIONAL_KEYS}"
        assert isinstance(row["query"], str), where
        assert row["query"].strip(), f"{where}: empty query"
        assert row["lang"] in LANGS, f"{where}: bad lang {row['lang']!r}"
        assert row["kind"] in KINDS, f"{where}: bad kind {row['kind']!r}"
        assert row["expected"] is None or isinstance(row["expected"], str), where
        # out-of-scope queries, and only those, have no expected entry
        assert (row["kind"] == "oos") == (row["expected"] is None), f"{where}: kind/expected mismatch"
        if "note" in row:
            assert isinstance(row["note"], str), where
            assert row["note"].strip(), f"{where}: empty note"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_expected_ids_exist(path: Path) -> None:
    known = entry_ids()
    unknown = [(row["_line"], row["expected"]) for row in load_rows(path) if row["expected"] is not None]
    unknown = [(line, eid) for line, eid in unknown if eid not in known]
    assert not unknown, f"{path.name}: unknown FAQ ids (line, id): {unknown}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_duplicate_queries_within_file(path: Path) -> None:
    counts = Counter(normalize(row["query"]) for row in load_rows(path))
    dups = sorted(q for q, n in counts.items() if n > 1)
    assert not dups, f"{path.name}: duplicate queries: {dups}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_minimum_counts(path: Path) -> None:
    min_total, min_oos, min_oos_per_lang, _ = MINIMUMS[path.name]
    rows = load_rows(path)
    oos = [row for row in rows if row["expected"] is None]
    assert len(rows) >= min_total, f"{path.name}: {len(rows)} queries < {min_total}"
    assert len(oos) >= min_oos, f"{path.name}: {len(oos)} out-of-scope < {min_oos}"
    by_lang = Counter(row["lang"] for row in oos)
    for lang in sorted(LANGS):
        got = by_lang[lang]
        assert got >= min_oos_per_lang, f"{path.name}: {got} {lang} out-of-scope < {min_oos_per_lang}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_languages_roughly_balanced(path: Path) -> None:
    by_lang = Counter(row["lang"] for row in load_rows(path))
    total = sum(by_lang.values())
    for lang in sorted(LANGS):
        assert 0.4 <= by_lang[lang] / total <= 0.6, f"{path.name}: {lang} share {by_lang[lang]}/{total}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_entry_covered_in_both_languages(path: Path) -> None:
    min_per_entry = MINIMUMS[path.name][3]
    counts = Counter((row["expected"], row["lang"]) for row in load_rows(path) if row["expected"] is not None)
    short = [
        (eid, lang, counts[(eid, lang)])
        for eid in sorted(entry_ids())
        for lang in sorted(LANGS)
        if counts[(eid, lang)] < min_per_entry
    ]
    assert not short, f"{path.name}: entries with fewer than {min_per_entry} queries (id, lang, count): {short}"


def test_no_query_in_both_files() -> None:
    eval_queries = {normalize(row["query"]) for row in load_rows(EVAL_FILE)}
    calibration_queries = {normalize(row["query"]) for row in load_rows(CALIBRATION_FILE)}
    shared = sorted(eval_queries & calibration_queries)
    assert not shared, f"queries present in both eval and calibration: {shared}"


def test_queries_are_not_faq_questions_verbatim() -> None:
    questions = {normalize(entry.question) for entry in load_knowledge().entries}
    for path in FILES:
        copied = [row["query"] for row in load_rows(path) if normalize(row["query"]) in questions]
        assert not copied, f"{path.name}: FAQ questions copied verbatim: {copied}"


# Queries of the evaluation set that were already alternates before this check was
# written (they measure memorisation, not retrieval). No new overlap may appear: an
# alternate or translated question must not copy an evaluation query, and a new
# evaluation query must not copy an alternate.
KNOWN_EVAL_OVERLAPS = {
    "25端口解封",
    "25端口解封入口在哪",
    "用了安全组还能用iptables吗",
    "port 445 not reachable",
    "security group configuration guide",
    "sg rule priority",
}


def test_no_curated_phrasing_copies_an_evaluation_query() -> None:
    kb = load_knowledge()
    curated = {normalize(a) for entry in kb.entries for a in entry.alternates}
    curated |= {normalize(t.question) for by_id in kb.translations.values() for t in by_id.values()}
    copied = {normalize(row["query"]) for row in load_rows(EVAL_FILE)} & curated
    assert copied <= KNOWN_EVAL_OVERLAPS, (
        f"eval queries that are alternates or translations: {sorted(copied - KNOWN_EVAL_OVERLAPS)}"
    )
