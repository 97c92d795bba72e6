"""Labelled troubleshooting conversations, and how well the engine does on them.

One JSON object per line::

    {"id": "zh-dev-01", "lang": "zh",
     "turns": ["8443访问不了", {"text": "ss 输出如下", "paste": "../diagnosis/data/x.tsv"}],
     "expect": {"first_check": "sg_inbound"}}          # or {"cause": "listening_loopback_only"}

Each turn is the user's message; a ``paste`` (a file, relative to the JSONL file) is
appended to the turn's text on its own lines, as a user pastes output under a sentence.
The case is carried from turn to turn as JSON, as the bot carries it. The expectation is
checked on the last turn's diagnosis: ``cause`` must equal the expected cause;
``first_check`` means no cause yet and the first check to make is the one named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from diagnosis.engine import Diagnoser
from diagnosis.errors import DiagnosisError
from diagnosis.models import Diagnosis


class DevSetError(DiagnosisError):
    """A labelled set that cannot be read (the file, the line and what is wrong)."""


@dataclass(frozen=True)
class DevCase:
    """One labelled conversation."""

    id: str
    lang: str
    turns: tuple[str, ...]
    cause: str | None
    first_check: str | None


@dataclass
class Score:
    """Accuracy of one language (or all)."""

    cause_total: int = 0
    cause_right: int = 0
    check_total: int = 0
    check_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def cause_accuracy(self) -> float:
        """Right causes over cases that expect a cause."""
        return self.cause_right / self.cause_total if self.cause_total else 0.0

    @property
    def check_accuracy(self) -> float:
        """Right first checks over cases that expect one."""
        return self.check_right / self.check_total if self.check_total else 0.0


def load_devset(path: Path, diagnoser: Diagnoser) -> list[DevCase]:
    """Read a labelled set, checking every expectation names a known cause or check.

    Raises:
        DevSetError: naming the line and what is wrong.
    """
    cases: list[DevCase] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DevSetError(f"{path}: cannot read it ({e})") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
            turns = tuple(_turn(t, path.parent, where) for t in raw["turns"])
            expect = raw["expect"]
            case = DevCase(str(raw["id"]), str(raw["lang"]), turns, expect.get("cause"), expect.get("first_check"))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise DevSetError(f"{where}: {e!r}; see diagnosis/devset.py for the format") from e
        if (case.cause is None) == (case.first_check is None):
            raise DevSetError(f"{where}: expect exactly one of cause or first_check")
        if case.cause is not None and case.cause not in diagnoser.vocab.causes:
            raise DevSetError(f"{where}: unknown cause {case.cause!r}")
        if case.first_check is not None and case.first_check not in diagnoser.vocab.checks:
            raise DevSetError(f"{where}: unknown check {case.first_check!r}")
        cases.append(case)
    return cases


def _turn(raw: object, base: Path, where: str) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):
        paste = (base / str(raw["paste"])).read_text(encoding="utf-8")
        text = str(raw.get("text", ""))
        return f"{text}\n{paste}" if text else paste
    raise DevSetError(f"{where}: a turn is a string or {{text, paste}}")


def run_case(diagnoser: Diagnoser, case: DevCase) -> Diagnosis:
    """Play the conversation, carrying the case as JSON between turns."""
    data: object = None
    diagnosis: Diagnosis | None = None
    for text in case.turns:
        diagnosis = diagnoser.step(diagnoser.read_case(data), text)
        data = json.loads(json.dumps(diagnosis.case.to_json()))
    assert diagnosis is not None, f"{case.id} has no turns"
    return diagnosis


def evaluate(diagnoser: Diagnoser, cases: Sequence[DevCase]) -> dict[str, Score]:
    """Cause and first-check accuracy per language, and over all (``all``)."""
    scores: dict[str, Score] = {}
    for case in cases:
        diagnosis = run_case(diagnoser, case)
        for key in (case.lang, "all"):
            score = scores.setdefault(key, Score())
            if case.cause is not None:
                score.cause_total += 1
                right = diagnosis.cause == case.cause
                score.cause_right += right
            else:
                score.check_total += 1
                right = diagnosis.cause is None and diagnosis.next_check == case.first_check
                score.check_right += right
            if not right and key == "all":
                got = diagnosis.cause or f"next {diagnosis.next_check}"
                want = case.cause or f"next {case.first_check}"
                score.misses.append(f"{case.id}: expected {want}, got {got}")
    return scores
