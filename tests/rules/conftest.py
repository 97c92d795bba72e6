"""Fixtures of the rule-engine tests: the real knowledge base (builders live in sg_builders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from rules import RuleEngine


@pytest.fixture(scope="session")
def engine(kb: Any) -> RuleEngine:
    return RuleEngine.from_knowledge(kb)
