"""Errors of the diagnosis package.

Bad input (a case that does not validate, a paste that is too long) names the field and
says what to do; bad data files name the file and the item. The HTTP edge maps them to
status codes in one place (``api/routes/diagnose.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]


class DiagnosisError(Exception):
    """Base class for every error of the diagnosis package."""


@dataclass(frozen=True)
class CaseProblem:
    """One bad field of a case.

    Attributes:
        loc: Where, as in the case's JSON (``("target", "ports", 0)``).
        msg: What is wrong and what to do, in plain English.
        type: A short machine-readable kind (``port_invalid``, ``unknown_field``...).
    """

    loc: Loc
    msg: str
    type: str


class CaseValidationError(DiagnosisError):
    """A case (as JSON) that does not validate; ``problems`` names every bad field."""

    def __init__(self, problems: Sequence[CaseProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(f"{'.'.join(str(p) for p in problem.loc) or 'case'}: {problem.msg}" for problem in problems)
        super().__init__(f"invalid case: {shown}")

    @classmethod
    def single(cls, loc: Loc, msg: str, type: str) -> CaseValidationError:
        """An error with one problem."""
        return cls([CaseProblem(loc, msg, type)])

    def within(self, *prefix: str | int) -> CaseValidationError:
        """The same problems located under ``prefix`` (e.g. ``("case",)``)."""
        return CaseValidationError([CaseProblem((*prefix, *p.loc), p.msg, p.type) for p in self.problems])


class PasteTooLongError(DiagnosisError):
    """The message is longer than the engine reads.

    Attributes:
        length: Characters given.
        limit: Characters read at most.
        advice: How to shorten it, in the case's language (a command that prints less).
    """

    def __init__(self, length: int, limit: int, advice: str) -> None:
        self.length = length
        self.limit = limit
        self.advice = advice
        super().__init__(f"the text is {length} characters long; at most {limit} are read. {advice}")


class VocabularyError(DiagnosisError):
    """A data file under ``knowledge/data/troubleshooting/`` is wrong.

    Attributes:
        file: The file, as shown to people.
        where: The item (``checks[3].why.zh``).
        problem: What is wrong and what to do.
    """

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file = file
        self.where = where
        self.problem = problem
        super().__init__(f"{file}: {where}: {problem}")
