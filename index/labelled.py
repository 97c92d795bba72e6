"""Labelled queries (evaluation and calibration sets) read from JSON Lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.errors import EvaluationDataError


@dataclass(frozen=True)
class LabelledQuery:
    """A query as a user typed it, its language, and the entry that answers it (None = out of scope)."""

    query: str
    lang: str
    expected: str | None
    kind: str = ""


def load_labelled(path: Path, known_ids: set[str] | None = None) -> list[LabelledQuery]:
    """Read ``path``; every line is ``{"query", "lang", "expected"[, "kind"]}``.

    Raises:
        EvaluationDataError: a line is not JSON, lacks a field, or names an unknown entry.
    """
    if not path.exists():
        raise EvaluationDataError(f"{path} not found; give the path of a labelled .jsonl file")
    queries: list[LabelledQuery] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query = LabelledQuery(str(item["query"]), str(item["lang"]), item["expected"], str(item.get("kind", "")))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise EvaluationDataError(
                f"{path}:{number}: expected a JSON object with query, lang, expected ({e})"
            ) from e
        if known_ids is not None and query.expected is not None and query.expected not in known_ids:
            raise EvaluationDataError(
                f"{path}:{number}: unknown entry id {query.expected!r}; list ids with `helpdesk faq list`"
            )
        queries.append(query)
    return queries
