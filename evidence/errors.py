"""Errors of the evidence readers.

A reader that cannot read a paste says which lines it could not read, why, and what
to paste instead; it never guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class EvidenceError(Exception):
    """Base class for every error of the evidence package."""


@dataclass(frozen=True)
class LineProblem:
    """One line (1-based, in the pasted text) that could not be read, and why.

    Attributes:
        line: Line number in the text as pasted; None when the problem is the whole text.
        text: The line as pasted (shortened to 200 characters).
        problem: What is wrong, in plain English.
    """

    line: int | None
    text: str
    problem: str


class UnreadableEvidenceError(EvidenceError):
    """The text looks like one kind of output but cannot be read as it.

    Attributes:
        format: The format the text was taken for (see :data:`evidence.models.EvidenceFormat`),
            or None when no reader recognised it.
        problems: The lines that could not be read.
        needs: What to paste instead, as a command or a console path, in plain English.
    """

    def __init__(self, format: str | None, problems: Sequence[LineProblem], needs: str) -> None:
        self.format = format
        self.problems = tuple(problems)
        self.needs = needs
        shown = "; ".join((f"line {p.line}: " if p.line is not None else "") + p.problem for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        what = f"as {format} output" if format else "as any output this desk reads"
        super().__init__(f"cannot read the text {what}: {shown}{more}. {needs}")
