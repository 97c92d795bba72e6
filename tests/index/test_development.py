"""The development queries train the entry classifier, cross-fitted: no query's calibration
sample comes from a classifier that learned that query."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import index.development as development
from index.classifier import EntryClassifier
from index.documents import OUT_OF_SCOPE, Document, knowledge_documents
from index.labelled import LabelledQuery
from index.retriever import Retriever
from index.scope import ScopeGuard
from index.vector_index import FaissIndex


class Spy:
    """Records what each classifier was trained on and which retriever scored which query."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.trained_on: dict[int, list[Document]] = {}
        self.classifier_of: dict[int, EntryClassifier] = {}
        self.scored_by: dict[str, EntryClassifier] = {}
        real_train, real_sample = development.train_classifier, development.sample

        def train(documents: list[Document], vectors: Any, entry_ids: Any) -> EntryClassifier:
            classifier = real_train(documents, vectors, entry_ids)
            self.trained_on[id(classifier)] = list(documents)
            return classifier

        def sample(retriever: Retriever, query: LabelledQuery, vector: Any = None) -> Any:
            self.scored_by[query.query] = self.classifier_of[id(retriever)]
            return real_sample(retriever, query, vector)

        monkeypatch.setattr(development, "train_classifier", train)
        monkeypatch.setattr(development, "sample", sample)

    def texts(self, classifier: EntryClassifier) -> set[str]:
        return {d.text for d in self.trained_on[id(classifier)]}


@pytest.fixture(scope="module")
def small(kb: Any, embedder: Any) -> tuple[list[Document], Any, Any]:
    """The questions and out-of-scope phrasings only (fast to fit), their embeddings and an index."""
    documents = [d for d in knowledge_documents(kb) if d.kind in ("question", "out_of_scope")]
    vectors = embedder.encode([d.text for d in documents])
    index = FaissIndex(embedder.dimension)
    index.add(vectors)
    return documents, vectors, index


def _fit(kb: Any, embedder: Any, small: Any, spy: Spy, queries: list[LabelledQuery]) -> Any:
    documents, vectors, index = small

    def retriever_with(classifier: EntryClassifier) -> Retriever:
        retriever = Retriever(kb, embedder, index, documents, classifier, None)
        spy.classifier_of[id(retriever)] = classifier
        return retriever

    query_vectors = embedder.encode([q.query for q in queries])
    entry_ids = [e.id for e in kb.entries]
    return development.fit_with_development(retriever_with, entry_ids, documents, vectors, queries, query_vectors)


def test_no_query_is_scored_by_a_classifier_that_learned_it(
    kb: Any, embedder: Any, small: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    queries = development.development_queries(kb)[:23]
    classifier, samples = _fit(kb, embedder, small, spy, queries)
    assert len(spy.trained_on) == development.FOLDS + 1
    folds = development.FOLDS
    for position, q in enumerate(queries):
        learned = spy.texts(spy.scored_by[q.query])
        same_fold = {p.query for i, p in enumerate(queries) if i % folds == position % folds}
        assert learned == {d.text for d in small[0]} | ({p.query for p in queries} - same_fold)
    # The classifier kept learned every query, under its expected entry (none: the out-of-scope class).
    kept = {d.text: d.entry_id for d in spy.trained_on[id(classifier)] if d.kind == "development_query"}
    assert kept == {q.query: q.expected or OUT_OF_SCOPE for q in queries}
    assert [(s.lang, s.in_scope) for s in samples] == [(q.lang, q.expected is not None) for q in queries]


def test_fewer_queries_than_folds_learn_from_the_knowledge_alone(
    kb: Any, embedder: Any, small: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    queries = development.development_queries(kb)[: development.FOLDS - 1]
    classifier, samples = _fit(kb, embedder, small, spy, queries)
    assert spy.texts(classifier) == {d.text for d in small[0]} and len(samples) == len(queries)
    assert all(spy.scored_by[q.query] is classifier for q in queries)


def test_embeddings_must_match_the_queries(kb: Any, embedder: Any, small: Any) -> None:
    documents, vectors, index = small
    queries = development.development_queries(kb)[:6]
    with pytest.raises(ValueError, match="5 vectors for 6 development queries"):
        development.fit_with_development(
            lambda c: Retriever(kb, embedder, index, documents, c, None),
            [e.id for e in kb.entries],
            documents,
            vectors,
            queries,
            np.zeros((5, embedder.dimension), dtype=np.float32),
        )


def test_development_queries_are_the_files_less_other_clouds(kb: Any) -> None:
    queries = development.development_queries(kb)
    guard = ScopeGuard(kb.other_clouds)
    assert queries and all(guard.decline(q.query) is None for q in queries)
    text = (kb.directory / development.CALIBRATION_SET).read_text(encoding="utf-8")
    assert len([line for line in text.splitlines() if line.strip()]) > len(queries)
