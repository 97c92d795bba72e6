"""``helpdesk serve`` warns when it listens beyond loopback with the bot's tokens only in local files."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from helpdesk.cli import _warn_open_internal_routes
from helpdesk.settings import Settings


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::"])
def test_listening_on_the_network_without_tokens_warns(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    _warn_open_internal_routes(Settings(events_token=SecretStr("set")), host)
    out = " ".join(capsys.readouterr().out.split())
    assert "HELPDESK_HANDOFF_TOKEN unset" in out and "HELPDESK_EVENTS_TOKEN" not in out


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_or_tokens_set_is_quiet(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    _warn_open_internal_routes(Settings(), host)
    both = Settings(events_token=SecretStr("a"), handoff_token=SecretStr("b"))
    _warn_open_internal_routes(both, "0.0.0.0")
    assert capsys.readouterr().out == ""
