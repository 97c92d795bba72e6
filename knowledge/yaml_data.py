"""Read the YAML data files beside the FAQ, reporting problems with file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import FaqFormatError


def load_yaml_mapping(path: Path, display: str) -> dict[str, Any]:
    """Load ``path`` as a YAML mapping; a missing file reads as an empty mapping."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FaqFormatError(display, line, f"invalid YAML ({getattr(e, 'problem', e)})", "fix the YAML syntax") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FaqFormatError(display, 1, "the file must be a YAML mapping", "start it with a key such as 'files:'")
    return data


def line_of(path: Path, needle: str) -> int | None:
    """1-based line of the first line containing ``needle`` (for error messages)."""
    if not path.exists():
        return None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return None


def phrasing_list(value: Any, display: str, line: int | None, what: str) -> list[str]:
    """``value`` as a list of non-empty strings (each stripped).

    Raises:
        FaqFormatError: it is not a list, or an item is not a non-empty string.
    """
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise FaqFormatError(
            display, line, f"{what} must be a list of non-empty strings", "write one '- phrasing' per line"
        )
    return [p.strip() for p in value]
