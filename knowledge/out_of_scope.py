"""Curated questions the FAQ does not answer, used only to help decline near misses."""

from __future__ import annotations

from pathlib import Path

from knowledge.errors import FaqFormatError
from knowledge.models import normalize_question
from knowledge.yaml_data import line_of, load_yaml_mapping, phrasing_list

OUT_OF_SCOPE_FILE = "out_of_scope.yaml"


def load_out_of_scope(path: Path, display: str, known_phrasings: list[str]) -> tuple[str, ...]:
    """Phrasings from ``out_of_scope.yaml`` (empty when the file is absent).

    Raises:
        FaqFormatError: the list is malformed, repeats a phrasing, or contains an FAQ
            question or alternate (which would teach the index to decline a real question).
    """
    data = load_yaml_mapping(path, display)
    phrasings = phrasing_list(data.get("phrasings", []), display, line_of(path, "phrasings"), "'phrasings'")
    known = {normalize_question(p) for p in known_phrasings}
    seen: set[str] = set()
    for phrasing in phrasings:
        norm = normalize_question(phrasing)
        if norm in known:
            raise FaqFormatError(
                display,
                line_of(path, phrasing),
                f"{phrasing!r} is an FAQ question or alternate",
                "remove it from the out-of-scope list",
            )
        if norm in seen:
            raise FaqFormatError(display, line_of(path, phrasing), f"{phrasing!r} is listed twice", "keep one")
        seen.add(norm)
    return tuple(phrasings)
