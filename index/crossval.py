"""Cross-validated figures on the development set: how a retrieval change is judged.

The confidence model and its threshold are fitted on the development set itself
(``knowledge/data/calibration.jsonl``), so its in-sample figures flatter it. Here every
query is decided by a model fitted, exactly as at index build (``calibration.calibrate``),
on the other folds; figures are per language and averaged over several shuffles.

Run ``python -m index.crossval`` (it builds an index in a scratch folder). The evaluation
set is never read.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.calibration import CalibrationSample, calibrate


@dataclass(frozen=True)
class CrossValidated:
    """One language's figures: shares of in-scope queries whose top entry is right and that
    are answered confidently and right; confident wrong answers (mean count per shuffle);
    share of out-of-scope queries declined."""

    in_scope: int
    out_of_scope: int
    top1: float
    answered_right: float
    answered_wrong: float
    declined: float


def cross_validate(
    samples: list[CalibrationSample], folds: int = 5, shuffles: int = 5, seed: int = 0
) -> dict[str, CrossValidated]:
    """Figures per language of ``samples`` (their ``lang``), each query decided by a model
    fitted on the other ``folds - 1`` folds, averaged over ``shuffles`` random splits.

    Raises:
        ValueError: fewer samples than folds.
    """
    if len(samples) < folds:
        raise ValueError(f"{len(samples)} samples cannot make {folds} folds")
    confident = np.zeros((shuffles, len(samples)), dtype=bool)
    for shuffle in range(shuffles):
        order = np.random.default_rng(seed + shuffle).permutation(len(samples))
        for held_out in np.array_split(order, folds):
            kept = np.setdiff1d(order, held_out)
            model = calibrate([samples[i] for i in kept])
            for i in held_out:
                confident[shuffle, i] = model.probability(samples[i].features) >= model.threshold
    figures = {}
    for lang in sorted({s.lang for s in samples}):
        rows = [i for i, s in enumerate(samples) if s.lang == lang]
        in_scope = [i for i in rows if samples[i].in_scope]
        out_of_scope = [i for i in rows if not samples[i].in_scope]
        right = [i for i in in_scope if samples[i].top_correct]
        wrong = [i for i in in_scope if not samples[i].top_correct]
        figures[lang] = CrossValidated(
            len(in_scope),
            len(out_of_scope),
            len(right) / max(1, len(in_scope)),
            float(confident[:, right].sum()) / shuffles / max(1, len(in_scope)),
            float(confident[:, wrong].sum()) / shuffles,
            float((~confident[:, out_of_scope]).sum()) / shuffles / max(1, len(out_of_scope)),
        )
    return figures


def main() -> None:  # pragma: no cover - a command-line report over the real model
    from index.embedders import DEFAULT_MODEL, make_embedder
    from index.store import build_index, calibration_samples
    from knowledge import load_knowledge

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    kb = load_knowledge()
    with tempfile.TemporaryDirectory(prefix="crossval-") as scratch:
        retriever = build_index(kb, make_embedder(DEFAULT_MODEL, args.threads), Path(scratch) / "index")
    samples = calibration_samples(retriever, kb)
    print(f"development set: {len(samples)} queries (other clouds left out), {args.folds}-fold x {args.shuffles}")
    print("lang  in-scope  top-1   answered right  answered wrong  out-of-scope  declined")
    for lang, f in cross_validate(samples, args.folds, args.shuffles).items():
        print(
            f"{lang:5} {f.in_scope:8}  {f.top1:6.1%}  {f.answered_right:14.1%}  {f.answered_wrong:14.1f}"
            f"  {f.out_of_scope:12}  {f.declined:8.1%}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
