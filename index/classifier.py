"""Which entry a question asks about, learned from the knowledge's own phrasings.

Retrieval compares a question with each phrasing on its own. The entry classifier learns,
from all of them at once, what tells one entry from its neighbours and from the
near-misses the desk does not cover: a multinomial logistic regression over the question's
embedding and its character n-gram TF-IDF vector (both unit length), trained at index
build time on every entry's question, curated alternates and translated questions, with
the curated out-of-scope phrasings as one more class ("none of these", ``NONE``), and on
the development queries, cross-fitted so that confidence is still calibrated on queries
the classifier has not seen (``index/development.py``). Nothing of the evaluation set is
used to train it.

How it is used, and the development-set figures behind it: ``index/retriever.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.documents import OUT_OF_SCOPE, Document
from index.errors import RetrievalError
from index.lexical import char_ngrams
from index.softmax import fit_softmax, softmax

NONE = OUT_OF_SCOPE  # the class of the out-of-scope phrasings
TRAINING_KINDS = frozenset(("question", "alternate", "translated_question", "out_of_scope", "development_query"))
# The L2 penalty: on the development set (5-fold cross-validation) answered-right was flat
# from 3e-5 to 3e-4 and fell at 1e-3 (the classifier then under-fits the alternates).
L2 = 1e-4

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EntryClassifier:
    """The fitted model: classes (entry ids, ``NONE`` last), the n-gram vocabulary and its
    IDF, and weights over [embedding, n-gram vector]."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: Floats
    weights: Floats
    bias: Floats

    def probabilities(self, question: str, vector: npt.NDArray[np.float32]) -> Floats:
        """Probability of each class (in ``classes`` order) for ``question`` and its embedding."""
        dimension = self.weights.shape[0] - len(self.vocabulary)
        logits = vector.reshape(-1).astype(np.float64) @ self.weights[:dimension] + self.bias
        for column, weight in _ngram_vector(question, self.vocabulary, self.idf).items():
            logits += weight * self.weights[dimension + column]
        out: Floats = softmax(logits)
        return out

    def save(self, path: Path) -> None:
        """Write the model to ``path`` (a NumPy ``.npz`` file, no pickled objects)."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        with path.open("wb") as f:
            np.savez(
                f,
                classes=np.array(self.classes, dtype=str),
                vocabulary=np.array(terms, dtype=str),
                idf=self.idf,
                weights=self.weights,
                bias=self.bias,
            )

    @classmethod
    def load(cls, path: Path) -> EntryClassifier:
        """Read a model written by :meth:`save`.

        Raises:
            RetrievalError: the file is missing or not such a model.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                classes = tuple(str(c) for c in data["classes"])
                terms = [str(t) for t in data["vocabulary"]]
                idf, weights, bias = (np.asarray(data[k], dtype=np.float64) for k in ("idf", "weights", "bias"))
        except (OSError, ValueError, KeyError) as e:
            raise RetrievalError(f"{path} is not a readable entry classifier ({e}); rebuild the index") from e
        if weights.shape[1:] != (len(classes),) or bias.shape != (len(classes),) or idf.shape != (len(terms),):
            raise RetrievalError(f"{path} has inconsistent shapes; rebuild the index")
        return cls(classes, {t: i for i, t in enumerate(terms)}, idf, weights, bias)


def train_classifier(
    documents: Sequence[Document], vectors: npt.NDArray[np.float32], entry_ids: Sequence[str]
) -> EntryClassifier:
    """Fit the classifier on the phrasings among ``documents`` (their embeddings in ``vectors``,
    row for row). Classes are ``entry_ids`` in that order, then ``NONE``.

    Raises:
        ValueError: ``vectors`` and ``documents`` differ in length, or a phrasing belongs to
            no listed entry.
    """
    if len(vectors) != len(documents):
        raise ValueError(f"{len(vectors)} vectors for {len(documents)} documents")
    classes = (*entry_ids, NONE)
    position = {c: i for i, c in enumerate(classes)}
    rows = [i for i, d in enumerate(documents) if d.kind in TRAINING_KINDS]
    unknown = {documents[i].entry_id for i in rows} - set(position)
    if unknown:
        raise ValueError(f"phrasings of entries not listed: {sorted(unknown)}")
    texts = [documents[i].text for i in rows]
    vocabulary, idf = _fit_vocabulary(texts)
    lexical = np.zeros((len(rows), len(vocabulary)))
    for r, text in enumerate(texts):
        for column, weight in _ngram_vector(text, vocabulary, idf).items():
            lexical[r, column] = weight
    features = np.hstack([vectors[rows].astype(np.float64), lexical])
    labels = np.array([position[documents[i].entry_id] for i in rows], dtype=np.int64)
    weights, bias = fit_softmax(features, labels, len(classes), L2)
    return EntryClassifier(classes, vocabulary, idf, weights, bias)


def _fit_vocabulary(texts: Sequence[str]) -> tuple[dict[str, int], Floats]:
    document_frequency = Counter(g for text in texts for g in set(char_ngrams(text)))
    terms = sorted(document_frequency)
    n = len(texts)
    idf = np.array([math.log((n + 1) / (document_frequency[t] + 1)) + 1.0 for t in terms])
    return {t: i for i, t in enumerate(terms)}, idf


def _ngram_vector(text: str, vocabulary: dict[str, int], idf: Floats) -> dict[int, float]:
    """Sublinear TF-IDF of ``text``'s n-grams over ``vocabulary``, unit length (grams outside it are dropped)."""
    counts = Counter(g for g in char_ngrams(text) if g in vocabulary)
    vector = {vocabulary[g]: (1.0 + math.log(c)) * float(idf[vocabulary[g]]) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {k: v / norm for k, v in vector.items()}
