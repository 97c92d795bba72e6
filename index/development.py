"""The development set (``knowledge/data/calibration.jsonl``) at index build: it trains the
entry classifier beside the knowledge's own phrasings, and it calibrates confidence.

The two uses would clash if done naively: the confidence model is fitted on the features
of the development queries, and a classifier that has learned a query is sure of it, so
those features would flatter every answer. The queries are therefore cross-fitted
(stacking): they are split into FOLDS folds by their position in the file, each fold's
features come from a classifier trained on the knowledge's phrasings and the other
folds, and the classifier that is kept is trained on all of them.

Why: development set, 626 queries (other clouds left out), every judged query outside
both the classifier's and the confidence model's training (``python -m index.crossval``,
5 folds x 3 shuffles): answered right 95.6% (en) and 96.9% (zh), confident wrong answers
0.3 and 0.7 per shuffle, out-of-scope declined 97.2% and 95.7%. With the classifier
trained on the knowledge's phrasings alone (the confidence model cross-validated, 5 x 5):
95.1% and 95.7% right, 0.0 and 0.8 wrong, 98.0% and 95.2% declined. Cost: five more
classifier fits at build, about 7 s on two cores (the whole build about 12 s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from index.calibration import CalibrationSample
from index.classifier import EntryClassifier, train_classifier
from index.documents import OUT_OF_SCOPE, Document
from index.labelled import LabelledQuery, load_labelled
from index.retriever import Retriever, features
from index.scope import ScopeGuard
from knowledge import KnowledgeBase

CALIBRATION_SET = "calibration.jsonl"
FOLDS = 5

Vectors = npt.NDArray[np.float32]


def development_queries(kb: KnowledgeBase) -> list[LabelledQuery]:
    """The knowledge folder's development queries, in file order, without those retrieval
    declines before ranking (about another provider's cloud): neither the classifier nor
    the confidence model ever sees them. Empty when the folder has no development set."""
    path = kb.directory / CALIBRATION_SET
    if not path.exists():
        return []
    scope = ScopeGuard(kb.other_clouds)
    return [q for q in load_labelled(path, {e.id for e in kb.entries}) if scope.decline(q.query) is None]


def sample(retriever: Retriever, query: LabelledQuery, vector: Vectors | None = None) -> CalibrationSample:
    """What the confidence model learns from ``query``: the features of its ranking, whether
    it is in scope, whether the top entry is the expected one, and its language."""
    ranking = retriever.rank(query.query, 2, vector)
    top_id = ranking.candidates[0].entry.id
    return CalibrationSample(features(ranking), query.expected is not None, top_id == query.expected, query.lang)


def fit_with_development(
    retriever_with: Callable[[EntryClassifier], Retriever],
    entry_ids: Sequence[str],
    documents: Sequence[Document],
    vectors: Vectors,
    queries: Sequence[LabelledQuery],
    query_vectors: Vectors,
    folds: int = FOLDS,
) -> tuple[EntryClassifier, list[CalibrationSample]]:
    """The entry classifier trained on ``documents`` and ``queries``, and each query's
    calibration sample from a classifier that did not see it.

    ``retriever_with`` makes a retriever over the index with a given classifier, whose
    classes are ``entry_ids`` (in the knowledge's order) and ``NONE``. ``vectors`` and
    ``query_vectors`` are the embeddings of ``documents`` and ``queries``, row for row.
    With fewer queries than ``folds`` there is nothing to cross-fit: the classifier learns
    from the documents alone and every query is scored with it.

    Raises:
        ValueError: the embeddings do not match the documents or queries in number.
    """
    if len(query_vectors) != len(queries):
        raise ValueError(f"{len(query_vectors)} vectors for {len(queries)} development queries")
    if len(queries) < folds:
        classifier = train_classifier(documents, vectors, entry_ids)
        scorer = retriever_with(classifier)
        return classifier, [sample(scorer, q, query_vectors[i]) for i, q in enumerate(queries)]
    samples: list[CalibrationSample | None] = [None] * len(queries)
    positions = np.arange(len(queries))
    for fold in range(folds):
        held_out = positions[positions % folds == fold]
        kept = positions[positions % folds != fold]
        classifier = _train(documents, vectors, [queries[i] for i in kept], query_vectors[kept], entry_ids)
        scorer = retriever_with(classifier)
        for i in held_out:
            samples[i] = sample(scorer, queries[i], query_vectors[i])
    classifier = _train(documents, vectors, queries, query_vectors, entry_ids)
    return classifier, [s for s in samples if s is not None]


def _train(
    documents: Sequence[Document],
    vectors: Vectors,
    queries: Sequence[LabelledQuery],
    query_vectors: Vectors,
    entry_ids: Sequence[str],
) -> EntryClassifier:
    phrasings = [Document(q.expected or OUT_OF_SCOPE, "development_query", q.query) for q in queries]
    return train_classifier([*documents, *phrasings], np.vstack([vectors, query_vectors]), entry_ids)
