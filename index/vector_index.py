"""Inner-product vector indexes behind one protocol: FAISS, and exact numpy for reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

import numpy as np
import numpy.typing as npt

from index.errors import RetrievalError

Scores = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]


class VectorIndex(Protocol):
    """Stores normalised vectors and finds the nearest ones by inner product.

    ``kind`` names the implementation in the index manifest, so the store opens an index
    with the class that wrote it (``INDEX_KINDS``) without knowing any implementation.
    """

    kind: ClassVar[str]

    def __init__(self, dimension: int) -> None:
        """An empty index of ``dimension``-dimensional vectors."""
        ...

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by :meth:`save`.

        Raises:
            RetrievalError: the file is not an index of this kind.
        """
        ...

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        """Append ``vectors`` (n, dimension); ids are their positions."""
        ...

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[Scores, Ids]:
        """Top ``k`` (scores, ids) per query, best first; ids -1 pad short results."""
        ...

    def save(self, path: Path) -> None:
        """Write the index to ``path``."""
        ...

    def __len__(self) -> int: ...


def _check(vectors: npt.NDArray[np.float32], dimension: int) -> npt.NDArray[np.float32]:
    if vectors.ndim != 2 or vectors.shape[1] != dimension:
        raise RetrievalError(f"vectors must have shape (n, {dimension}), got {vectors.shape}")
    return np.ascontiguousarray(vectors, dtype=np.float32)


class FaissIndex:
    """Exact inner-product search with FAISS (``IndexFlatIP``): the FAQ is small."""

    kind: ClassVar[str] = "faiss"

    def __init__(self, dimension: int) -> None:
        import faiss

        self.dimension = dimension
        self._index: Any = faiss.IndexFlatIP(dimension)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by :meth:`save`."""
        import faiss

        try:
            raw = faiss.read_index(str(path))
        except RuntimeError as e:
            raise RetrievalError(
                f"{path} is not a readable FAISS index ({e}); rebuild with `helpdesk index build`"
            ) from e
        self = cls.__new__(cls)
        self.dimension = int(raw.d)
        self._index = raw
        return self

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        self._index.add(_check(vectors, self.dimension))

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[Scores, Ids]:
        scores, ids = self._index.search(_check(queries, self.dimension), k)
        return scores.astype(np.float32), ids.astype(np.int64)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    def __len__(self) -> int:
        return int(self._index.ntotal)


class NumpyIndex:
    """Exact search with a matrix product; the reference the FAISS index must agree with."""

    kind: ClassVar[str] = "numpy"

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._vectors = np.zeros((0, dimension), dtype=np.float32)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by :meth:`save`."""
        try:
            vectors = np.load(path)
        except (OSError, ValueError) as e:
            raise RetrievalError(
                f"{path} is not a readable numpy index ({e}); rebuild with `helpdesk index build`"
            ) from e
        self = cls(int(vectors.shape[1]))
        self._vectors = vectors.astype(np.float32)
        return self

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        self._vectors = np.vstack([self._vectors, _check(vectors, self.dimension)])

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[Scores, Ids]:
        queries = _check(queries, self.dimension)
        sims = queries @ self._vectors.T
        n = sims.shape[1]
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        take = min(k, n)
        ids[:, :take] = order[:, :take]
        scores[:, :take] = np.take_along_axis(sims, order[:, :take], axis=1)
        return scores, ids

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.save(f, self._vectors)

    def __len__(self) -> int:
        return int(self._vectors.shape[0])


# Every implementation by its manifest name.
INDEX_KINDS: dict[str, type[VectorIndex]] = {cls.kind: cls for cls in (FaissIndex, NumpyIndex)}
