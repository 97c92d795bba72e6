"""Retrieval over the FAQ: embedders, vector indexes, calibration and the retriever."""

from index.batching import EncodeBatcher
from index.calibration import Calibration
from index.embedders import DEFAULT_MODEL, Embedder, make_embedder
from index.errors import EmbedderError, EvaluationDataError, IndexNotBuiltError, RetrievalError, StaleIndexError
from index.retriever import Candidate, RetrievalResult, Retriever
from index.scope import Decline
from index.store import build_index, open_index, open_or_build, read_manifest
from index.vector_index import FaissIndex, NumpyIndex, VectorIndex

__all__ = [
    "DEFAULT_MODEL",
    "Calibration",
    "Candidate",
    "Decline",
    "Embedder",
    "EmbedderError",
    "EncodeBatcher",
    "EvaluationDataError",
    "FaissIndex",
    "IndexNotBuiltError",
    "NumpyIndex",
    "RetrievalError",
    "RetrievalResult",
    "Retriever",
    "StaleIndexError",
    "VectorIndex",
    "build_index",
    "make_embedder",
    "open_index",
    "open_or_build",
    "read_manifest",
]
