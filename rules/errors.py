"""Errors of the rule engine.

Every error says what went wrong and what to do next. Input problems are collected
into one :class:`RuleValidationError` that names each bad field by its location, the
way pydantic does, so the HTTP edge can show them in FastAPI's own 422 format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Loc = tuple[str | int, ...]
T = TypeVar("T")


def json_text(value: object) -> str:
    """``value`` as the JSON a caller sent it (``true``, not ``True``), for messages."""
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


def whole_number(value: T) -> T | int:
    """``value``, with a JSON number of integral value as an ``int``: ``2.0`` is ``2``, as JSON
    Schema (and so the API's document) reads it. Anything else is returned as it is (``true``
    included: a boolean is not a number here).

    The request is read as decoded, without a walk over it first (1,000 policies: 0.4 ms); each
    field that takes a whole number reads it through this.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class RuleError(Exception):
    """Base class for every error of the rules package."""


@dataclass(frozen=True)
class Problem:
    """One bad field: where it is, what is wrong with it, and a machine-readable kind.

    Attributes:
        loc: Path to the field, e.g. ``("security_groups", 0, "Ingress", 2, "CidrBlock")``.
        msg: What is wrong and how to fix it, in plain words.
        type: Short snake_case kind, e.g. ``"cidr_invalid"``.
    """

    loc: Loc
    msg: str
    type: str


class RuleValidationError(RuleError):
    """Input rejected at load time; ``problems`` names every bad field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("RuleValidationError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = "; ".join(f"{'.'.join(str(p) for p in pr.loc)}: {pr.msg}" for pr in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"invalid input: {shown}{more}")

    @classmethod
    def single(cls, loc: Loc, msg: str, type_: str) -> RuleValidationError:
        """Error with one problem."""
        return cls([Problem(loc, msg, type_)])

    def within(self, *prefix: str | int) -> RuleValidationError:
        """The same problems with ``prefix`` put in front of every location."""
        return RuleValidationError([Problem((*prefix, *p.loc), p.msg, p.type) for p in self.problems])


class ProblemCollector:
    """Gathers problems while validating, so one error reports all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, loc: Loc, msg: str, type_: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(loc, msg, type_))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record problems found elsewhere."""
        self.problems.extend(problems)

    def attempt(self, reader: Callable[[object, Loc], T], value: object, loc: Loc) -> T | None:
        """``reader(value, loc)``, or None after recording its problems."""
        try:
            return reader(value, loc)
        except RuleValidationError as e:
            self.problems.extend(e.problems)
            return None

    def raise_if_any(self) -> None:
        """Raise :class:`RuleValidationError` when anything was recorded."""
        if self.problems:
            raise RuleValidationError(self.problems)


class RuleDataError(RuleError):
    """A data file of the rules package (``rules/data/*.yaml``) is wrong."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: {problem}. {fix}")


class UndecidedError(RuleError):
    """A yes/no question was asked but the answer depends on information not given."""

    def __init__(self, explanation: str, missing: Sequence[str]) -> None:
        self.explanation = explanation
        self.missing = tuple(missing)
        needs = ", ".join(self.missing) or "more information"
        super().__init__(f"cannot answer yes or no: {explanation} Provide {needs} and ask again.")
