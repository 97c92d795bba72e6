"""Cross-validated figures on the development set: how a retrieval change is judged.

The development set (``knowledge/data/calibration.jsonl``) both trains the entry classifier
and fits the confidence model and its threshold (``index/development.py``), so its
in-sample figures flatter them. Here every query is judged by a classifier and a
confidence model built, exactly as at index build, from the other folds only (nested:
the build's own cross-fitting runs inside the kept folds); figures are per language and
averaged over several shuffles.

Run ``python -m index.crossval`` (it embeds the knowledge and the development set once;
about 40 s per shuffle on two cores). The evaluation set is never read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index.calibration import CalibrationSample, calibrate

Indices = npt.NDArray[np.intp]
Flags = npt.NDArray[np.bool_]
# Given the kept and the held-out positions: for each held-out query, whether it is answered
# confidently and whether its top entry is the expected one.
Judge = Callable[[Indices, Indices], tuple[Flags, Flags]]


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
    langs: Sequence[str], in_scope: Sequence[bool], judge: Judge, folds: int = 5, shuffles: int = 5, seed: int = 0
) -> dict[str, CrossValidated]:
    """Figures per language (``langs``, one per query) when every query is judged by
    ``judge`` from the other ``folds - 1`` folds, averaged over ``shuffles`` random splits.

    Raises:
        ValueError: fewer queries than folds, or ``langs`` and ``in_scope`` differ in length.
    """
    n = len(langs)
    if len(in_scope) != n:
        raise ValueError(f"{n} languages for {len(in_scope)} queries")
    if n < folds:
        raise ValueError(f"{n} samples cannot make {folds} folds")
    confident = np.zeros((shuffles, n), dtype=bool)
    top_correct = np.zeros((shuffles, n), dtype=bool)
    for shuffle in range(shuffles):
        order = np.random.default_rng(seed + shuffle).permutation(n)
        for held_out in np.array_split(order, folds):
            kept = np.setdiff1d(order, held_out)
            confident[shuffle, held_out], top_correct[shuffle, held_out] = judge(kept, held_out)
    figures = {}
    scope = np.array(in_scope, dtype=bool)
    for lang in sorted(set(langs)):
        rows = np.array([i for i in range(n) if langs[i] == lang], dtype=np.intp)
        inside, outside = rows[scope[rows]], rows[~scope[rows]]
        right = confident[:, inside] & top_correct[:, inside]
        wrong = confident[:, inside] & ~top_correct[:, inside]
        figures[lang] = CrossValidated(
            len(inside),
            len(outside),
            float(top_correct[:, inside].mean()) if len(inside) else 0.0,
            float(right.sum()) / shuffles / max(1, len(inside)),
            float(wrong.sum()) / shuffles,
            float((~confident[:, outside]).sum()) / shuffles / max(1, len(outside)),
        )
    return figures


def calibration_judge(samples: Sequence[CalibrationSample]) -> Judge:
    """Judge with fixed retrieval features: only the confidence model is refitted per fold."""

    def judge(kept: Indices, held_out: Indices) -> tuple[Flags, Flags]:
        model = calibrate([samples[i] for i in kept])
        confident = [model.probability(samples[i].features) >= model.threshold for i in held_out]
        return np.array(confident, dtype=bool), np.array([samples[i].top_correct for i in held_out], dtype=bool)

    return judge


def main() -> None:  # pragma: no cover - a command-line report over the real model
    from index.development import sample
    from index.embedders import DEFAULT_MODEL, make_embedder
    from index.store import embed_knowledge
    from knowledge import load_knowledge

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    embedded = embed_knowledge(load_knowledge(), make_embedder(DEFAULT_MODEL, args.threads))
    queries, query_vectors = embedded.queries, embedded.query_vectors

    def judge(kept: Indices, held_out: Indices) -> tuple[Flags, Flags]:
        classifier, samples = embedded.fit([queries[i] for i in kept], query_vectors[kept])
        model = calibrate(samples)
        scorer = embedded.retriever_with(classifier)
        judged = [sample(scorer, queries[i], query_vectors[i]) for i in held_out]
        confident = [model.probability(s.features) >= model.threshold for s in judged]
        return np.array(confident, dtype=bool), np.array([s.top_correct for s in judged], dtype=bool)

    print(f"development set: {len(queries)} queries (other clouds left out), {args.folds}-fold x {args.shuffles}")
    print("lang  in-scope  top-1   answered right  answered wrong  out-of-scope  declined")
    langs, in_scope = [q.lang for q in queries], [q.expected is not None for q in queries]
    for lang, f in cross_validate(langs, in_scope, judge, args.folds, args.shuffles).items():
        print(
            f"{lang:5} {f.in_scope:8}  {f.top1:6.1%}  {f.answered_right:14.1%}  {f.answered_wrong:14.1f}"
            f"  {f.out_of_scope:12}  {f.declined:8.1%}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
