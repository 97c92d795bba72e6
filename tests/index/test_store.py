"""The persisted index: manifest checks catch stale, mismatched and corrupt indexes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from index import IndexNotBuiltError, StaleIndexError, build_index, open_index, open_or_build, read_manifest
from index.labelled import load_labelled
from index.scope import ScopeGuard
from knowledge import load_knowledge

DATA = Path(__file__).resolve().parents[2] / "knowledge" / "data"


@pytest.fixture(scope="module")
def built(kb: Any, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("built") / "index"
    build_index(kb, embedder, directory)
    return directory


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "index"
    shutil.copytree(src, dst)
    return dst


def test_manifest_records_model_dimension_and_checksum(built: Path, kb: Any, embedder: Any) -> None:
    manifest = read_manifest(built)
    assert manifest.model_id == embedder.model_id and manifest.dimension == 512
    assert manifest.knowledge_checksum == kb.checksum
    assert manifest.calibration is not None and 0 < manifest.calibration.threshold < 1
    assert len(manifest.calibration.weights) == 8 and len(manifest.classifier_sha256) == 64
    assert open_index(kb, embedder, built).ask("安全组删不掉").candidates


def test_missing_index(tmp_path: Path, kb: Any, embedder: Any) -> None:
    with pytest.raises(IndexNotBuiltError, match="helpdesk index build"):
        open_index(kb, embedder, tmp_path / "nothing")


def test_changed_knowledge_makes_index_stale(built: Path, embedder: Any, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(DATA, folder)
    with (folder / "cvm-ports-security-groups-faq.md").open("a", encoding="utf-8") as f:
        f.write("\n### 安全组有数量限制吗？\n有。\n")
    changed = load_knowledge(folder)
    with pytest.raises(StaleIndexError, match="knowledge files changed"):
        open_index(changed, embedder, built)


def test_corrupt_index_file_is_detected(built: Path, kb: Any, embedder: Any, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    data = bytearray((copy / "faiss.index").read_bytes())
    data[-10] ^= 0xFF
    (copy / "faiss.index").write_bytes(bytes(data))
    with pytest.raises(StaleIndexError, match="does not match its checksum"):
        open_index(kb, embedder, copy)


@pytest.mark.parametrize(
    "damage",
    [
        "missing",  # the classifier file was deleted
        "flipped",  # one byte changed: the manifest's checksum no longer matches
    ],
)
def test_a_missing_or_changed_classifier_is_detected(
    built: Path, kb: Any, embedder: Any, tmp_path: Path, damage: str
) -> None:
    copy = _copy(built, tmp_path)
    path = copy / "classifier.npz"
    if damage == "missing":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[-10] ^= 0xFF
        path.write_bytes(bytes(data))
    with pytest.raises(StaleIndexError, match="entry classifier is missing or does not match"):
        open_index(kb, embedder, copy)


@pytest.mark.parametrize(
    ("version", "drop"),
    [
        (4, ("classifier_sha256",)),  # no entry classifier: never served with seven of eight features
        (5, ()),  # the classifier learned the knowledge's phrasings alone, not the development queries
    ],
)
def test_an_index_of_a_previous_format_is_stale(
    built: Path, kb: Any, embedder: Any, tmp_path: Path, version: int, drop: tuple[str, ...]
) -> None:
    copy = _copy(built, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest = {k: v for k, v in manifest.items() if k not in drop}
    (copy / "manifest.json").write_text(json.dumps({**manifest, "format_version": version}))
    with pytest.raises(StaleIndexError, match=f"format {version}, expected 6"):
        open_index(kb, embedder, copy)


def test_other_model_makes_index_stale(built: Path, kb: Any, embedder: Any, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["model_id"] = "st:paraphrase-multilingual-MiniLM-L12-v2"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError, match="built with model st:paraphrase"):
        open_index(kb, embedder, copy)


def test_unreadable_manifest(built: Path, kb: Any, embedder: Any, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(StaleIndexError, match="unreadable manifest"):
        open_index(kb, embedder, copy)


def test_stale_index_is_rebuilt_when_allowed_and_refused_otherwise(
    built: Path, kb: Any, embedder: Any, tmp_path: Path
) -> None:
    copy = _copy(built, tmp_path)
    (copy / "faiss.index").write_bytes(b"garbage")
    with pytest.raises(StaleIndexError):
        open_or_build(kb, embedder, copy, rebuild=False)
    retriever, why = open_or_build(kb, embedder, copy, rebuild=True)
    assert why is not None and "checksum" in why
    assert open_index(kb, embedder, copy).ask("445").candidates
    assert retriever.calibration is not None


def test_the_store_opens_an_index_with_the_kind_that_wrote_it(tmp_path: Path, kb: Any, embedder: Any) -> None:
    from index.vector_index import NumpyIndex

    directory = tmp_path / "index"
    build_index(kb, embedder, directory, index_type=NumpyIndex)
    assert read_manifest(directory).index_kind == "numpy"
    retriever = open_index(kb, embedder, directory)
    assert isinstance(retriever._index, NumpyIndex)  # the kind the manifest names, not FAISS
    assert retriever.ask("安全组删不掉").candidates


def test_an_unknown_index_kind_is_stale(built: Path, tmp_path: Path, kb: Any, embedder: Any) -> None:
    copy = _copy(built, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "index_kind": "annoy"}))
    with pytest.raises(StaleIndexError, match="index kind 'annoy'"):
        open_index(kb, embedder, copy)


def test_calibration_leaves_out_questions_declined_before_ranking(built: Path, kb: Any, embedder: Any) -> None:
    """Other-cloud questions never reach the confidence model, so they cannot bend it."""
    queries = load_labelled(kb.directory / "calibration.jsonl")
    guard = ScopeGuard(kb.other_clouds)
    declined = [q for q in queries if guard.decline(q.query) is not None]
    assert declined and all(q.expected is None for q in declined)
    manifest = read_manifest(built)
    assert manifest.calibration is not None and manifest.calibration.fitted_on == len(queries) - len(declined)
