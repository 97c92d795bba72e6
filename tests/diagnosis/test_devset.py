"""The labelled sets: well-formed, both languages, real pastes; and the engine's accuracy floor
on the development set (the figures themselves: ``helpdesk eval-diagnosis``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from diagnosis import Diagnoser
from diagnosis.devset import evaluate, load_devset

DATA = Path(__file__).resolve().parent.parent / "data"
SETS = [DATA / "diagnosis_dev.jsonl", DATA / "diagnosis_heldout.jsonl"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_the_sets_are_well_formed(diagnoser: Diagnoser, path: Path) -> None:
    cases = load_devset(path, diagnoser)  # every paste file exists; every expectation is in the vocabulary
    languages = Counter(c.lang for c in cases)
    assert set(languages) == {"zh", "en"}
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with_paste = [r for r in raw if any(isinstance(t, dict) for t in r["turns"])]
    assert with_paste and len(with_paste) < len(raw)  # descriptions alone, and with pasted evidence
    assert len({c.id for c in cases}) == len(cases)


def test_the_development_set_is_large_enough(diagnoser: Diagnoser) -> None:
    cases = load_devset(SETS[0], diagnoser)
    assert len(cases) >= 60


def test_accuracy_on_the_development_set_does_not_fall(diagnoser: Diagnoser) -> None:
    # A floor against regressions, well under the figures the CLI prints.
    scores = evaluate(diagnoser, load_devset(SETS[0], diagnoser))["all"]
    assert scores.cause_accuracy >= 0.85, scores.misses
    assert scores.check_accuracy >= 0.85, scores.misses
