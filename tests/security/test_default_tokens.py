"""The default run refuses unauthenticated writes: with no tokens set, the app takes the local
ones (made once in $HELPDESK_DATA_DIR/secrets, mode 0600) and asks for them; every write is
rate limited."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from helpdesk.local_secrets import ensure_local_tokens, with_local_tokens
from helpdesk.settings import Settings

HANDOFF = {
    "conversation_id": "c-1",
    "channel": "rest",
    "language": "en",
    "reason": "user_request",
    "transcript": [{"sender": "user", "text": "help", "timestamp": 1.0}],
}
EVENTS = {"batch_id": "b-1", "events": [{"event": "user", "sender_id": "c-1", "timestamp": 1.0, "text": "hi"}]}


def _token(data_dir: Path, name: str) -> str:
    return (data_dir / "secrets" / name).read_text(encoding="utf-8").strip()


def test_local_tokens_are_made_once_private_and_shared(tmp_path: Path) -> None:
    files = ensure_local_tokens(tmp_path)
    again = ensure_local_tokens(tmp_path)
    assert files == again and {p.read_text() for p in files.values()} == {p.read_text() for p in again.values()}
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files.values())
    assert len({p.read_text() for p in files.values()}) == 2  # two different tokens


def test_a_token_set_in_the_environment_wins(tmp_path: Path) -> None:
    settings = with_local_tokens(Settings(data_dir=tmp_path, events_token=SecretStr("from-env")))
    assert settings.events_token is not None and settings.events_token.get_secret_value() == "from-env"
    assert settings.handoff_token is not None
    assert settings.handoff_token.get_secret_value() == _token(tmp_path, "handoff_token")


@pytest.fixture(scope="module")
def default_app(security_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    # As the README's run command starts it: no token in the environment.
    data_dir = tmp_path_factory.mktemp("default-run")
    settings = Settings(index_dir=security_root / "index", data_dir=data_dir, threads=2, rate_limit="off")
    with TestClient(create_app(settings)) as client:
        yield client, data_dir


@pytest.mark.parametrize(
    ("path", "body", "token_file"),
    [("/v1/events", EVENTS, "events_token"), ("/v1/handoffs", HANDOFF, "handoff_token")],
)
def test_the_default_run_refuses_unauthenticated_writes(
    default_app: tuple[TestClient, Path], path: str, body: object, token_file: str
) -> None:
    client, data_dir = default_app
    refused = client.post(path, json=body)
    assert refused.status_code == 401 and refused.json()["detail"][0]["loc"] == ["header", "authorization"]
    wrong = client.post(path, json=body, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    accepted = client.post(path, json=body, headers={"Authorization": f"Bearer {_token(data_dir, token_file)}"})
    assert accepted.status_code in (200, 201), accepted.text


def test_writes_to_the_protected_routes_are_rate_limited(make_client: Callable[..., Any]) -> None:
    with make_client(events_token="t", rate_limit_protected_writes="2/minute", rate_limit_exempt="") as client:
        auth = {"Authorization": "Bearer t"}
        codes = [
            client.post("/v1/events", json={**EVENTS, "batch_id": f"b-{i}"}, headers=auth).status_code for i in range(3)
        ]
        assert codes == [200, 200, 429]
