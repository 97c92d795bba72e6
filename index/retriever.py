"""Answer a free-form question from the index: a confident answer, or candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index.calibration import Calibration
from index.documents import Document
from index.embedders import Embedder
from index.lexical import LexicalIndex
from index.vector_index import VectorIndex
from knowledge import Entry, KnowledgeBase

# How a question is scored against an entry. Every document (question, alternate,
# answer) gets a fused similarity: (1 - LEXICAL_WEIGHT) * embedding cosine +
# LEXICAL_WEIGHT * character n-gram TF-IDF cosine. An entry's score is a smooth maximum
# over its documents, TEMPERATURE * log(sum(exp(sim / TEMPERATURE))), so several close
# phrasings count for more than one. Chosen on the calibration set (knowledge/data/
# calibration.jsonl), never on the evaluation set: top-1 there went from 90.9%/94.3%
# (zh/en, max of embedding cosine alone) to 94.5%/100%.
LEXICAL_WEIGHT = 0.4
TEMPERATURE = 0.1


@dataclass(frozen=True)
class Candidate:
    """An entry, its score, and its best embedding and lexical similarities."""

    entry: Entry
    score: float
    dense: float = 0.0
    lexical: float = 0.0


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


@dataclass(frozen=True)
class Ranking:
    """Entries best first, and how close the question came to known out-of-scope ones."""

    candidates: list[Candidate]
    off_topic: float


def features(ranking: Ranking) -> tuple[float, ...]:
    """What the calibration model sees: top score, margin over the runner-up, the top
    entry's best embedding and lexical similarities, and its lead over the curated
    out-of-scope phrasings (these tell a near-miss question from a real one better than
    a margin between two in-scope entries)."""
    top = ranking.candidates[0]
    runner_up = ranking.candidates[1].score if len(ranking.candidates) > 1 else 0.0
    return (top.score, top.score - runner_up, top.dense, top.lexical, top.score - ranking.off_topic)


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
        self._lexical = LexicalIndex([doc.text for doc in documents])
        self._entry_list = list(kb.entries)
        position = {entry.id: i for i, entry in enumerate(self._entry_list)}
        # Out-of-scope phrasings (no entry) are grouped under one extra slot at the end.
        off_topic = len(self._entry_list)
        self._entry_of_row = np.array([position.get(doc.entry_id, off_topic) for doc in documents], dtype=np.int64)

    def rank(self, question: str, limit: int, vector: npt.NDArray[np.float32] | None = None) -> Ranking:
        """Entries ordered by score, at most ``limit``, and the off-topic score.

        ``vector``: the question's embedding when the caller has it already (``index.batching``).
        """
        vector = self.embedder.encode([question]) if vector is None else vector.reshape(1, -1)
        n = len(self._entry_of_row)
        scores, ids = self._index.search(vector, n)
        dense = np.zeros(n, dtype=np.float32)
        valid = ids[0] >= 0
        dense[ids[0][valid]] = scores[0][valid]
        lexical = self._lexical.similarities(question)
        fused = (1 - LEXICAL_WEIGHT) * dense + LEXICAL_WEIGHT * lexical
        peak = float(fused.max())
        mass = np.zeros(len(self._entry_list) + 1, dtype=np.float64)
        np.add.at(mass, self._entry_of_row, np.exp((fused - peak) / TEMPERATURE))
        all_scores = peak + TEMPERATURE * np.log(np.maximum(mass, 1e-300))
        entry_scores, off_topic = all_scores[:-1], float(all_scores[-1]) if mass[-1] > 0 else 0.0
        order = np.argsort(-entry_scores, kind="stable")[:limit]
        result = []
        for i in order:
            rows = self._entry_of_row == i
            result.append(
                Candidate(
                    self._entry_list[i], float(entry_scores[i]), float(dense[rows].max()), float(lexical[rows].max())
                )
            )
        return Ranking(result, off_topic)

    def ask(self, question: str, top_k: int = 3, vector: npt.NDArray[np.float32] | None = None) -> RetrievalResult:
        """Answer ``question``: the best ``top_k`` entries and whether the first is confident.

        ``vector``: the question's embedding, if already computed (else it is embedded here).
        """
        ranking = self.rank(question, max(top_k, 2), vector)
        if not ranking.candidates:
            return RetrievalResult(False, 0.0, ())
        confidence = self.calibration.probability(features(ranking)) if self.calibration else 0.0
        threshold = self.calibration.threshold if self.calibration else 1.1
        return RetrievalResult(confidence >= threshold, confidence, tuple(ranking.candidates[:top_k]))
