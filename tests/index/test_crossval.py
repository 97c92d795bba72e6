"""Cross-validated development figures: every query judged by a model fitted without it."""

from __future__ import annotations

import pytest

from index.calibration import CalibrationSample
from index.crossval import calibration_judge, cross_validate


def _samples() -> list[CalibrationSample]:
    """Per language: 20 right answers (high feature), 4 wrong top entries and 8 out-of-scope (low)."""
    samples = []
    for lang in ("zh", "en"):
        samples += [CalibrationSample((0.8 + i / 100,), True, True, lang) for i in range(20)]
        samples += [CalibrationSample((0.2 + i / 100,), True, False, lang) for i in range(4)]
        samples += [CalibrationSample((0.1 + i / 100,), False, False, lang) for i in range(8)]
    return samples


def test_a_separable_set_is_answered_right_and_declined_right() -> None:
    samples = _samples()
    langs, in_scope = [s.lang for s in samples], [s.in_scope for s in samples]
    figures = cross_validate(langs, in_scope, calibration_judge(samples), folds=4, shuffles=3)
    assert set(figures) == {"zh", "en"}
    for f in figures.values():
        assert (f.in_scope, f.out_of_scope) == (24, 8)
        assert f.top1 == pytest.approx(20 / 24)
        assert f.answered_right == pytest.approx(20 / 24) and f.answered_wrong == 0.0 and f.declined == 1.0


def test_too_few_samples_for_the_folds() -> None:
    with pytest.raises(ValueError, match="cannot make 5 folds"):
        samples = _samples()[:3]
        cross_validate([s.lang for s in samples], [s.in_scope for s in samples], calibration_judge(samples), folds=5)
