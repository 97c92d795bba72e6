"""Curated alternate phrasings, kept in ``alternates.yaml`` and checked against the FAQ."""

from __future__ import annotations

import difflib
from pathlib import Path

from knowledge.errors import FaqFormatError
from knowledge.models import normalize_question
from knowledge.yaml_data import line_of, load_yaml_mapping, phrasing_list

ALTERNATES_FILE = "alternates.yaml"


def load_alternates(path: Path, display: str, questions: list[str]) -> dict[str, tuple[str, ...]]:
    """Map each FAQ question (normalized) to its alternates.

    Raises:
        FaqFormatError: an alternate names a question no FAQ file has, a block is
            malformed, or a phrasing is repeated.
    """
    data = load_yaml_mapping(path, display)
    blocks = data.get("alternates", [])
    if not isinstance(blocks, list):
        raise FaqFormatError(
            display,
            line_of(path, "alternates:"),
            "'alternates' must be a list",
            "write '- question: ...' blocks under it",
        )
    known = {normalize_question(q): q for q in questions}
    result: dict[str, tuple[str, ...]] = {}
    seen_phrasings: dict[str, str] = {}
    for position, block in enumerate(blocks):
        if not isinstance(block, dict) or not isinstance(block.get("question"), str):
            raise FaqFormatError(
                display,
                None,
                f"block {position + 1} has no 'question' text",
                "give each block 'question:' and 'phrasings:'",
            )
        question = block["question"]
        line = line_of(path, question)
        key = normalize_question(question)
        if key not in known:
            close = difflib.get_close_matches(question, list(known.values()), n=1, cutoff=0.3)
            hint = f"did you mean {close[0]!r}?" if close else "copy the question exactly from the FAQ file"
            raise FaqFormatError(display, line, f"alternates for a question no FAQ file has: {question!r}", hint)
        if key in result:
            raise FaqFormatError(
                display, line, f"question {question!r} has two alternates blocks", "merge them into one"
            )
        phrasings = phrasing_list(block.get("phrasings", []), display, line, f"'phrasings' of {question!r}")
        for phrasing in phrasings:
            norm = normalize_question(phrasing)
            if norm in seen_phrasings:
                raise FaqFormatError(
                    display,
                    line_of(path, phrasing),
                    f"phrasing {phrasing!r} is listed twice (also under {seen_phrasings[norm]!r})",
                    "keep it under one question only",
                )
            seen_phrasings[norm] = question
        result[key] = tuple(phrasings)
    return result
