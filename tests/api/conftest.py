"""An app built by the real factory, over a real index, served through TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from helpdesk.settings import Settings

ADMIN_TOKEN = "test-admin-token"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The action server's token for opening tickets (the app always asks for it).
HANDOFF_TOKEN = "test-handoff-token"
HANDOFF_HEADERS = {"Authorization": f"Bearer {HANDOFF_TOKEN}"}


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root: Path = tmp_path_factory.mktemp("app")
    return Settings(
        index_dir=root / "index",
        data_dir=root / "data",
        threads=2,
        admin_token=SecretStr(ADMIN_TOKEN),
        handoff_token=SecretStr(HANDOFF_TOKEN),
    )


@pytest.fixture(scope="session")
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as c:
        yield c
