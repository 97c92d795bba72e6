"""One contract every VectorIndex implementation must pass (FAISS and the numpy reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import FaissIndex, NumpyIndex, RetrievalError, VectorIndex
from index.vector_index import INDEX_KINDS

# Every implementation the store can open, by its manifest name.
IMPLEMENTATIONS: list[type[VectorIndex]] = sorted(INDEX_KINDS.values(), key=lambda c: c.kind)


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("make", IMPLEMENTATIONS, ids=lambda c: c.kind)
class TestVectorIndexContract:
    def test_finds_each_vector_itself_first(self, make: type[VectorIndex]) -> None:
        index = make(16)
        vectors = _unit(50, 16, 0)
        index.add(vectors)
        scores, ids = index.search(vectors, 3)
        assert ids[:, 0].tolist() == list(range(50))
        assert np.allclose(scores[:, 0], 1.0, atol=1e-5)
        assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first

    def test_pads_when_fewer_vectors_than_k(self, make: type[VectorIndex]) -> None:
        index = make(8)
        index.add(_unit(2, 8, 1))
        _, ids = index.search(_unit(1, 8, 2), 5)
        assert ids[0, 2:].tolist() == [-1, -1, -1]

    def test_rejects_wrong_dimension(self, make: type[VectorIndex]) -> None:
        with pytest.raises(RetrievalError, match=r"shape \(n, 8\)"):
            make(8).add(_unit(3, 9, 3))

    def test_save_and_load_round_trip(self, make: type[VectorIndex], tmp_path: Path) -> None:
        index = make(8)
        index.add(_unit(10, 8, 4))
        index.save(tmp_path / "ix")
        again = make.load(tmp_path / "ix")
        q = _unit(4, 8, 5)
        assert len(again) == 10
        assert np.array_equal(index.search(q, 3)[1], again.search(q, 3)[1])


def test_faiss_agrees_with_numpy_reference() -> None:
    data, queries = _unit(300, 32, 6), _unit(40, 32, 7)
    f, n = FaissIndex(32), NumpyIndex(32)
    f.add(data)
    n.add(data)
    fs, fi = f.search(queries, 5)
    ns, ni = n.search(queries, 5)
    assert np.array_equal(fi, ni)
    assert np.allclose(fs, ns, atol=1e-5)


def test_both_kinds_are_implementations() -> None:
    assert {FaissIndex.kind, NumpyIndex.kind} == set(INDEX_KINDS)


@pytest.mark.parametrize("make", IMPLEMENTATIONS, ids=lambda c: c.kind)
def test_load_refuses_a_file_that_is_not_an_index(make: type[VectorIndex], tmp_path: Path) -> None:
    (tmp_path / "ix").write_bytes(b"not an index")
    with pytest.raises(RetrievalError, match="rebuild with `helpdesk index build`"):
        make.load(tmp_path / "ix")
