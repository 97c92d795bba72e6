"""The entry classifier: trained on the knowledge's own phrasings, saved and read back exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.classifier import NONE, EntryClassifier, train_classifier
from index.documents import Document, knowledge_documents
from index.errors import RetrievalError


@pytest.fixture(scope="module")
def classifier(kb: Any, embedder: Any) -> EntryClassifier:
    documents = knowledge_documents(kb)
    return train_classifier(documents, embedder.encode([d.text for d in documents]), [e.id for e in kb.entries])


def _top(classifier: EntryClassifier, embedder: Any, question: str) -> str:
    return classifier.classes[int(classifier.probabilities(question, embedder.encode([question])).argmax())]


def test_classes_are_the_entries_then_none(classifier: EntryClassifier, kb: Any) -> None:
    assert classifier.classes == (*(e.id for e in kb.entries), NONE)


def test_every_entry_claims_its_own_question(classifier: EntryClassifier, kb: Any, embedder: Any) -> None:
    assert [_top(classifier, embedder, e.question) for e in kb.entries] == [e.id for e in kb.entries]


@pytest.mark.parametrize(
    "question",
    [
        "讲个笑话",  # an out-of-scope phrasing it was trained on
        "how to reset the windows administrator password of my instance",  # the same, in English
    ],
)
def test_out_of_scope_phrasings_are_none_of_the_entries(
    classifier: EntryClassifier, embedder: Any, question: str
) -> None:
    assert _top(classifier, embedder, question) == NONE


def test_probabilities_sum_to_one(classifier: EntryClassifier, embedder: Any) -> None:
    probs = classifier.probabilities("安全组删不掉", embedder.encode(["安全组删不掉"]))
    assert probs.shape == (len(classifier.classes),) and probs.sum() == pytest.approx(1.0)


def test_save_and_load_give_the_same_probabilities(classifier: EntryClassifier, embedder: Any, tmp_path: Path) -> None:
    path = tmp_path / "classifier.npz"
    classifier.save(path)
    loaded = EntryClassifier.load(path)
    vector = embedder.encode(["25端口解封"])
    assert loaded.classes == classifier.classes
    assert np.array_equal(loaded.probabilities("25端口解封", vector), classifier.probabilities("25端口解封", vector))


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classifier.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(RetrievalError, match="rebuild the index"):
        EntryClassifier.load(path)


def test_phrasings_of_unlisted_entries_are_refused(embedder: Any) -> None:
    documents = [Document("faq-1", "question", "q"), Document("faq-2", "question", "p")]
    with pytest.raises(ValueError, match="faq-2"):
        train_classifier(documents, embedder.encode(["q", "p"]), ["faq-1"])
