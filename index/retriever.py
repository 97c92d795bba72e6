"""Answer a free-form question from the index: a confident answer, or candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.calibration import Calibration
from index.documents import Document
from index.embedders import Embedder
from index.vector_index import VectorIndex
from knowledge import Entry, KnowledgeBase

# How many document hits to pull before grouping them by entry: every entry has a
# question, an answer and a handful of alternates, so this reaches well past top_k.
_HITS_PER_QUERY = 64


@dataclass(frozen=True)
class Candidate:
    """An entry and its best similarity to the question."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class RetrievalResult:
    """The outcome for one question.

    ``confident`` is True when the calibrated confidence reaches the threshold; the
    candidates are the best entries either way (the "did you mean" list).
    """

    confident: bool
    confidence: float
    candidates: tuple[Candidate, ...]

    @property
    def answer(self) -> Candidate | None:
        """The top candidate when confident, else None."""
        return self.candidates[0] if self.confident and self.candidates else None


class Retriever:
    """Embeds a question, searches the index and groups hits by FAQ entry."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        vector_index: VectorIndex,
        documents: list[Document],
        calibration: Calibration | None,
    ) -> None:
        if len(vector_index) != len(documents):
            raise ValueError(f"index has {len(vector_index)} vectors but {len(documents)} documents")
        self.kb = kb
        self.embedder = embedder
        self.calibration = calibration
        self._index = vector_index
        self._entry_of_row = [doc.entry_id for doc in documents]
        self._entries = {entry.id: entry for entry in kb.entries}

    def rank(self, question: str, limit: int) -> list[Candidate]:
        """Entries ordered by their best-matching document, at most ``limit``."""
        vector = self.embedder.encode([question])
        scores, ids = self._index.search(vector, min(_HITS_PER_QUERY, len(self._entry_of_row)))
        best: dict[str, float] = {}
        for score, row in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
            if row < 0:
                continue
            entry_id = self._entry_of_row[row]
            if entry_id not in best:
                best[entry_id] = float(score)
                if len(best) == limit:
                    break
        return [Candidate(self._entries[e], s) for e, s in best.items()]

    def ask(self, question: str, top_k: int = 3) -> RetrievalResult:
        """Answer ``question``: the best ``top_k`` entries and whether the first is confident."""
        ranked = self.rank(question, max(top_k, 2))
        if not ranked:
            return RetrievalResult(False, 0.0, ())
        top = ranked[0].score
        margin = top - ranked[1].score if len(ranked) > 1 else top
        confidence = self.calibration.probability(top, margin) if self.calibration else float(np.clip(top, 0, 1))
        threshold = self.calibration.threshold if self.calibration else 1.1
        return RetrievalResult(confidence >= threshold, confidence, tuple(ranked[:top_k]))
