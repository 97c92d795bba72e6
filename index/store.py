"""Build, persist and open the index, guarded by a manifest.

The manifest records the model, the dimension, the checksum of the knowledge files
and of the index file itself. Opening compares all of them with what is configured
now, so a stale or mismatched index is detected and never silently served.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.calibration import Calibration, CalibrationSample, calibrate
from index.classifier import EntryClassifier
from index.development import development_queries, fit_with_development
from index.documents import OUT_OF_SCOPE, Document, knowledge_documents
from index.embedders import Embedder
from index.errors import IndexNotBuiltError, RetrievalError, StaleIndexError
from index.labelled import LabelledQuery
from index.retriever import Retriever
from index.vector_index import INDEX_KINDS, FaissIndex, VectorIndex
from knowledge import KnowledgeBase

# 5: the entry classifier (classifier.npz, its checksum), eight calibration features;
# 6: the classifier also learns from the development queries (index/development.py)
FORMAT_VERSION = 6
MANIFEST = "manifest.json"
VECTORS = "faiss.index"  # the vectors file, whatever the index kind (the name predates other kinds)
DOCUMENTS = "documents.json"
CLASSIFIER = "classifier.npz"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Manifest:
    """What an index was built from."""

    format_version: int
    model_id: str
    dimension: int
    knowledge_checksum: str
    index_sha256: str
    documents: int
    built_at: float
    calibration: Calibration | None
    index_kind: str = FaissIndex.kind
    classifier_sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["calibration"] = self.calibration.to_json() if self.calibration else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        cal = data.get("calibration")
        return cls(
            int(data["format_version"]),
            str(data["model_id"]),
            int(data["dimension"]),
            str(data["knowledge_checksum"]),
            str(data["index_sha256"]),
            int(data["documents"]),
            float(data["built_at"]),
            Calibration.from_json(cal) if cal else None,
            str(data.get("index_kind", FaissIndex.kind)),  # indexes of format 3 before the field: FAISS
            str(data.get("classifier_sha256", "")),  # format 4 had none: read, then refused as stale
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Embedded:
    """The knowledge's documents and the development queries, embedded, and the documents'
    vector index: everything an index build fits its classifier and confidence on."""

    kb: KnowledgeBase
    embedder: Embedder
    documents: list[Document]
    vectors: npt.NDArray[np.float32]
    queries: list[LabelledQuery]
    query_vectors: npt.NDArray[np.float32]
    index: VectorIndex

    def retriever_with(self, classifier: EntryClassifier, calibration: Calibration | None = None) -> Retriever:
        """A retriever over this index with ``classifier`` (and ``calibration``)."""
        return Retriever(self.kb, self.embedder, self.index, self.documents, classifier, calibration)

    def fit(
        self, queries: Sequence[LabelledQuery], query_vectors: npt.NDArray[np.float32]
    ) -> tuple[EntryClassifier, list[CalibrationSample]]:
        """The classifier trained on the documents and ``queries`` (some or all of the
        development queries), and the queries' cross-fitted calibration samples."""
        entry_ids = [e.id for e in self.kb.entries]
        return fit_with_development(
            self.retriever_with, entry_ids, self.documents, self.vectors, queries, query_vectors
        )


def embed_knowledge(
    kb: KnowledgeBase,
    embedder: Embedder,
    progress: Progress | None = None,
    batch_size: int = 32,
    index_type: type[VectorIndex] = FaissIndex,
) -> Embedded:
    """Embed ``kb``'s documents and development queries in batches (``progress`` counts the
    texts embedded) and index the documents' vectors."""
    documents = knowledge_documents(kb)
    queries = development_queries(kb)
    texts = [d.text for d in documents] + [q.query for q in queries]
    batches = []
    for start in range(0, len(texts), batch_size):
        batches.append(embedder.encode(texts[start : start + batch_size]))
        if progress:
            progress(min(start + batch_size, len(texts)), len(texts))
    vectors = np.concatenate(batches) if batches else np.zeros((0, embedder.dimension), dtype=np.float32)
    index: VectorIndex = index_type(embedder.dimension)
    index.add(vectors[: len(documents)])
    return Embedded(kb, embedder, documents, vectors[: len(documents)], queries, vectors[len(documents) :], index)


def build_index(
    kb: KnowledgeBase,
    embedder: Embedder,
    directory: Path,
    progress: Progress | None = None,
    batch_size: int = 32,
    index_type: type[VectorIndex] = FaissIndex,
) -> Retriever:
    """Embed every document and development query, train the entry classifier (on both,
    cross-fitted: ``index/development.py``), calibrate, and write the index atomically to
    ``directory``. ``progress`` counts the texts embedded."""
    embedded = embed_knowledge(kb, embedder, progress, batch_size, index_type)
    documents, index = embedded.documents, embedded.index
    classifier, samples = embedded.fit(embedded.queries, embedded.query_vectors)
    calibration = calibrate(samples) if samples else None
    retriever = embedded.retriever_with(classifier, calibration)

    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=directory.parent))
    index.save(staging / VECTORS)
    classifier.save(staging / CLASSIFIER)
    (staging / DOCUMENTS).write_text(
        json.dumps([d.__dict__ for d in documents], ensure_ascii=False, indent=0), encoding="utf-8"
    )
    manifest = Manifest(
        FORMAT_VERSION,
        embedder.model_id,
        embedder.dimension,
        kb.checksum,
        _sha256(staging / VECTORS),
        len(documents),
        time.time(),
        calibration,
        index_type.kind,
        _sha256(staging / CLASSIFIER),
    )
    (staging / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2), encoding="utf-8")
    # Swap in the new index only once it is complete, so a crash never leaves half of one.
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        os.replace(directory, old)
    os.replace(staging, directory)
    shutil.rmtree(old, ignore_errors=True)
    return retriever


def read_manifest(directory: Path) -> Manifest:
    """Manifest of the index in ``directory``.

    Raises:
        IndexNotBuiltError: there is no index.
        StaleIndexError: the manifest is unreadable or of another format.
    """
    path = directory / MANIFEST
    if not path.exists():
        raise IndexNotBuiltError(str(directory))
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as e:
        raise StaleIndexError(str(directory), f"unreadable manifest ({e})") from e
    if manifest.format_version != FORMAT_VERSION:
        raise StaleIndexError(str(directory), f"format {manifest.format_version}, expected {FORMAT_VERSION}")
    return manifest


def open_index(kb: KnowledgeBase, embedder: Embedder, directory: Path) -> Retriever:
    """Open the index in ``directory`` after checking it matches ``kb`` and ``embedder``.

    Raises:
        IndexNotBuiltError: there is no index.
        StaleIndexError: it was built from other knowledge, another model, or is corrupt.
    """
    manifest = read_manifest(directory)
    if manifest.model_id != embedder.model_id:
        raise StaleIndexError(str(directory), f"built with model {manifest.model_id}, configured {embedder.model_id}")
    if manifest.dimension != embedder.dimension:
        raise StaleIndexError(str(directory), f"dimension {manifest.dimension}, model gives {embedder.dimension}")
    if manifest.knowledge_checksum != kb.checksum:
        raise StaleIndexError(str(directory), "the knowledge files changed since it was built")
    vectors = directory / VECTORS
    if not vectors.exists() or _sha256(vectors) != manifest.index_sha256:
        raise StaleIndexError(str(directory), "the index file is missing or does not match its checksum")
    try:
        raw_docs = json.loads((directory / DOCUMENTS).read_text(encoding="utf-8"))
        documents = [Document(d["entry_id"], d["kind"], d["text"]) for d in raw_docs]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StaleIndexError(str(directory), f"unreadable documents file ({e})") from e
    index_type = INDEX_KINDS.get(manifest.index_kind)
    if index_type is None:
        raise StaleIndexError(str(directory), f"index kind {manifest.index_kind!r} is not one of {sorted(INDEX_KINDS)}")
    index = index_type.load(vectors)
    if len(index) != manifest.documents or len(documents) != manifest.documents:
        raise StaleIndexError(str(directory), "document count does not match the manifest")
    known = {e.id for e in kb.entries} | {OUT_OF_SCOPE}
    if any(d.entry_id not in known for d in documents):
        raise StaleIndexError(str(directory), "it refers to entries the knowledge base no longer has")
    classifier_file = directory / CLASSIFIER
    if not classifier_file.exists() or _sha256(classifier_file) != manifest.classifier_sha256:
        raise StaleIndexError(str(directory), "the entry classifier is missing or does not match its checksum")
    try:
        classifier = EntryClassifier.load(classifier_file)
        return Retriever(kb, embedder, index, documents, classifier, manifest.calibration)
    except (RetrievalError, ValueError) as e:
        raise StaleIndexError(str(directory), str(e)) from e


def open_or_build(
    kb: KnowledgeBase, embedder: Embedder, directory: Path, rebuild: bool, progress: Progress | None = None
) -> tuple[Retriever, str | None]:
    """Open the index; when it is missing or stale and ``rebuild`` is set, build it.

    Returns the retriever and, when it was rebuilt, why.
    """
    try:
        return open_index(kb, embedder, directory), None
    except (IndexNotBuiltError, StaleIndexError) as e:
        if not rebuild:
            raise
        return build_index(kb, embedder, directory, progress), str(e)
