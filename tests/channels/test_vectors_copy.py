"""The protocol vectors kept in the repository are the shared official ones, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.channels.fakes import VECTORS

SHARED = Path(__file__).resolve().parents[3] / "shared" / "protocol-vectors" / "vectors.json"


def test_the_copy_in_the_repository_equals_the_shared_vectors() -> None:
    if not SHARED.is_file():
        pytest.skip("no shared folder beside this checkout (a plain clone): nothing to compare with")
    assert VECTORS.read_bytes() == SHARED.read_bytes()


def test_every_vector_names_its_source() -> None:
    import json

    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert vectors and all(isinstance(v.get("source"), str) and v["source"] for v in vectors.values())
