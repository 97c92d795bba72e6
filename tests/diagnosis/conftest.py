"""Fixtures of the diagnosis tests: the real knowledge base, rule engine and vocabulary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diagnosis import Case, Diagnoser, Diagnosis

HERE = Path(__file__).resolve().parent
EVIDENCE = HERE.parent / "evidence" / "data"
DATA = HERE / "data"


@pytest.fixture(scope="session")
def diagnoser(kb: Any) -> Diagnoser:
    return Diagnoser.from_knowledge(kb)


def paste(name: str) -> str:
    """A pasted output: ``host/x.txt`` / ``console/x.tsv`` / ``json/x.json`` from the evidence
    tests' real outputs, or ``data/x`` from this folder."""
    if name.startswith("data/"):
        return (HERE / name).read_text(encoding="utf-8")
    return (EVIDENCE / name).read_text(encoding="utf-8")


def converse(diagnoser: Diagnoser, *turns: str) -> Diagnosis:
    """Play ``turns``, carrying the case as JSON between them (as the bot does)."""
    data: object = None
    diagnosis: Diagnosis | None = None
    for text in turns:
        diagnosis = diagnoser.step(diagnoser.read_case(data), text)
        data = json.loads(json.dumps(diagnosis.case.to_json()))
    assert diagnosis is not None
    return diagnosis


def start(diagnoser: Diagnoser, text: str) -> Diagnosis:
    """One message on a new case."""
    return diagnoser.step(Case(), text)
