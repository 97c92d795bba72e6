"""Turn raw similarity into a calibrated probability that the top answer is right.

A logistic regression over a few retrieval features (see ``retriever.features``) is fitted on
a labelled calibration set at index build time; the decision threshold is the one that
scores best on that same set. Both are stored in the index manifest, so the threshold
always comes from data for the model and knowledge actually indexed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Calibration:
    """Logistic model over the retrieval features and the confidence threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: int
    objective: float

    def probability(self, features: tuple[float, ...]) -> float:
        """Probability that the top candidate answers the question."""
        if len(features) != len(self.weights):
            raise ValueError(f"expected {len(self.weights)} features, got {len(features)}; rebuild the index")
        z = sum(w * x for w, x in zip(self.weights, features, strict=True)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            tuple(float(w) for w in data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
            int(data["fitted_on"]),
            float(data["objective"]),
        )


@dataclass(frozen=True)
class CalibrationSample:
    """One calibration query after retrieval: its features, what was right, and its language."""

    features: tuple[float, ...]
    in_scope: bool
    top_correct: bool
    lang: str = ""


def fit_logistic(
    features: npt.NDArray[np.float64], labels: npt.NDArray[np.float64], l2: float = 1e-2
) -> tuple[npt.NDArray[np.float64], float]:
    """Newton-Raphson for L2-regularised logistic regression (tiny data, exact)."""
    x = np.hstack([features, np.ones((len(features), 1))])
    w = np.zeros(x.shape[1])
    reg = np.eye(x.shape[1]) * l2
    reg[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - labels) + reg @ w
        hessian = (x.T * (p * (1 - p))) @ x + reg
        step = np.linalg.solve(hessian, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


def objective(probabilities: npt.NDArray[np.float64], samples: list[CalibrationSample], threshold: float) -> float:
    """Share of in-scope answered right, plus share of out-of-scope declined, minus
    share of in-scope answered wrong (the costliest mistake), each over its own group."""
    confident = probabilities >= threshold
    in_scope = np.array([s.in_scope for s in samples])
    correct = np.array([s.top_correct for s in samples])
    n_in, n_out = max(1, int(in_scope.sum())), max(1, int((~in_scope).sum()))
    right = (confident & in_scope & correct).sum() / n_in
    wrong = (confident & in_scope & ~correct).sum() / n_in
    declined = (~confident & ~in_scope).sum() / n_out
    return float(right + declined - wrong)


def calibrate(samples: list[CalibrationSample]) -> Calibration:
    """Fit the model and pick the threshold on ``samples``."""
    if len(samples) < 10 or all(s.top_correct for s in samples) or not any(s.top_correct for s in samples):
        raise ValueError("calibration needs at least 10 queries with both right and wrong/out-of-scope outcomes")
    features = np.array([s.features for s in samples], dtype=np.float64)
    labels = np.array([1.0 if s.in_scope and s.top_correct else 0.0 for s in samples])
    weights, bias = fit_logistic(features, labels)
    model = Calibration(tuple(float(w) for w in weights), bias, 0.5, len(samples), 0.0)
    probs = np.array([model.probability(s.features) for s in samples])
    candidates = np.unique(np.concatenate([probs, [0.5]]))
    scores = np.array([objective(probs, samples, t) for t in candidates])
    best = scores.max()
    # Several thresholds tie on a small set: take the middle of the best run so the
    # boundary sits between the data points rather than on one of them.
    best_ts = candidates[scores >= best - 1e-12]
    threshold = float((best_ts.min() + best_ts.max()) / 2)
    return Calibration(model.weights, model.bias, threshold, len(samples), float(best))
