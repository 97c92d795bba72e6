"""Measure retrieval on a labelled set: top-1 accuracy, MRR, out-of-scope rejection."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from index.labelled import LabelledQuery
from index.retriever import Retriever


@dataclass
class Scores:
    """Figures for one slice of the evaluation set."""

    in_scope: int = 0
    top1_correct: int = 0
    reciprocal_rank: float = 0.0
    answered_correct: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / self.in_scope if self.in_scope else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_rank / self.in_scope if self.in_scope else 0.0

    @property
    def answered_accuracy(self) -> float:
        """Share of in-scope queries answered confidently and correctly."""
        return self.answered_correct / self.in_scope if self.in_scope else 0.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 0.0


def evaluate(retriever: Retriever, queries: list[LabelledQuery], depth: int = 10) -> dict[str, Scores]:
    """Scores per language and overall (key ``all``)."""
    slices: dict[str, Scores] = defaultdict(Scores)
    for q in queries:
        result = retriever.ask(q.query, depth)
        ids = [c.entry.id for c in result.candidates]
        for s in (slices[q.lang], slices["all"]):
            if q.expected is None:
                s.out_of_scope += 1
                if result.confident:
                    s.misses.append(f"[{q.lang}] out of scope but answered {ids[0]}: {q.query}")
                else:
                    s.rejected += 1
                continue
            s.in_scope += 1
            if ids and ids[0] == q.expected:
                s.top1_correct += 1
            else:
                s.misses.append(f"[{q.lang}] expected {q.expected}, got {ids[:1]}: {q.query}")
            if q.expected in ids:
                s.reciprocal_rank += 1.0 / (ids.index(q.expected) + 1)
            if result.confident:
                if ids[0] == q.expected:
                    s.answered_correct += 1
                else:
                    s.answered_wrong += 1
    return dict(slices)
