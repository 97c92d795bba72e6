"""The numpy fit behind the entry classifier: exact, deterministic, and strict about its input."""

from __future__ import annotations

import numpy as np
import pytest

from index.softmax import fit_softmax, softmax


def _toy() -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated clusters in 5 dimensions, more dimensions than needed (rank-deficient)."""
    rng = np.random.default_rng(7)
    centres = np.eye(5)[:3] * 3
    labels = np.repeat(np.arange(3), 20)
    features = centres[labels] + rng.normal(scale=0.3, size=(60, 5))
    features[:, 4] = features[:, 0] + features[:, 1]  # a dependent column: the row space has rank 4
    return features, labels


def test_the_fit_is_the_optimum() -> None:
    features, labels = _toy()
    l2 = 1e-2
    weights, bias = fit_softmax(features, labels, 3, l2)
    probs = softmax(features @ weights + bias)
    assert (probs.argmax(axis=1) == labels).all()
    # Stationary: the gradient of mean log loss + l2/2 |W|^2 vanishes (bias unpenalised).
    residual = (probs - np.eye(3)[labels]) / len(labels)
    assert np.abs(features.T @ residual + l2 * weights).max() < 1e-5
    assert np.abs(residual.sum(axis=0)).max() < 1e-5


def test_the_fit_is_the_optimum_with_more_features_than_rows() -> None:
    """The entry classifier's case: a few rows, many sparse features (n-grams), the optimum still exact."""
    rng = np.random.default_rng(11)
    labels = np.repeat(np.arange(4), 8)
    features = rng.normal(size=(32, 300)) * (rng.random((32, 300)) < 0.05)
    features[:, :4] += np.eye(4)[labels]
    l2 = 1e-3
    weights, bias = fit_softmax(features, labels, 4, l2)
    probs = softmax(features @ weights + bias)
    residual = (probs - np.eye(4)[labels]) / len(labels)
    assert np.abs(features.T @ residual + l2 * weights).max() < 1e-5
    assert np.abs(residual.sum(axis=0)).max() < 1e-5


def test_the_fit_is_deterministic() -> None:
    features, labels = _toy()
    first, second = fit_softmax(features, labels, 3, 1e-3), fit_softmax(features, labels, 3, 1e-3)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_softmax_is_stable_for_large_logits() -> None:
    probs = softmax(np.array([[1000.0, 999.0, -1000.0]]))
    assert np.isfinite(probs).all() and probs.sum() == pytest.approx(1.0) and probs[0, 0] > probs[0, 1]


@pytest.mark.parametrize(
    ("labels", "l2", "message"),
    [
        (np.zeros(3, dtype=np.int64), 1e-3, "one label per row"),  # 3 labels for 4 rows
        (np.array([0, 1, 2, 3]), 1e-3, "labels must lie in"),  # class 3 of 3
        (np.array([0, 1, 2, 0]), 0.0, "l2 must be positive"),  # unpenalised: no unique optimum
    ],
)
def test_bad_input_is_refused(labels: np.ndarray, l2: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_softmax(np.eye(4), labels, 3, l2)
