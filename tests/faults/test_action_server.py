"""The action server down or hung: the bot says it cannot answer now, promptly, without a trace.

Rasa itself would wait 5 minutes for a hung action server and answer nothing when it is
down; bot/guards/action_timeout.py bounds the wait (``ACTION_TIMEOUT_S``, 3 s here) and
answers politely in the user's language.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.procs import Procs, port_verdicts, procs_fixture, say

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
TIMEOUT_S = 3.0
API_TIMEOUT_S = 1.0  # the actions' own wait for the app (HELPDESK_API_TIMEOUT), shorter than Rasa's


@pytest.fixture(scope="module")
def procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procs]:
    from tests.stack import run_bot_sh

    assert run_bot_sh("train").returncode == 0
    work: Path = tmp_path_factory.mktemp("faults-actions")
    for p in procs_fixture(work):
        p.env["HELPDESK_API_TIMEOUT"] = str(API_TIMEOUT_S)
        app = p.start_app()
        actions = p.start_actions(app)
        p.start_rasa(actions, ACTION_TIMEOUT_S=str(TIMEOUT_S))
        yield p


def _sender() -> str:
    return f"fault-{uuid.uuid4().hex[:10]}"


def _assert_polite(text: str, payloads: list[dict[str, object]], language: str) -> None:
    assert payloads == [{"kind": "error", "language": language, "error": "unavailable"}], payloads
    assert ("暂时无法回答" if language == "zh" else "can't answer right now") in text
    for marker in ("Traceback", "Exception", "Error:", "webhook", "5055"):
        assert marker not in text


def _say_while_frozen(procs: Procs, name: str, message: str) -> tuple[str, list[dict[str, object]], float]:
    """One message to Rasa while service ``name`` hangs: the reply, its payloads and the seconds it took."""
    procs.freeze(name)
    try:
        started = time.monotonic()
        text, payloads = say(procs.urls["rasa"], message, _sender())
        return text, payloads, time.monotonic() - started
    finally:
        procs.thaw(name)


def test_hung_action_server_gets_a_polite_answer_within_the_timeout(procs: Procs) -> None:
    rasa = procs.urls["rasa"]
    text, payloads, elapsed = _say_while_frozen(procs, "actions", "445端口能用吗")
    _assert_polite(text, payloads, "zh")
    assert TIMEOUT_S - 0.5 <= elapsed <= TIMEOUT_S + 5, elapsed
    assert "custom action 'action_port_verdict'" in procs.log("rasa")
    # Once it answers again, so does the bot.
    _, payloads = say(rasa, "can I listen on 445?", _sender())
    assert port_verdicts(payloads) == [("tcp", 445, "blocked"), ("udp", 445, "open")]


def test_action_server_down_gets_a_polite_answer(procs: Procs) -> None:
    rasa = procs.urls["rasa"]
    procs.stop("actions")
    started = time.monotonic()
    text, payloads = say(rasa, "can I listen on 445?", _sender())
    assert time.monotonic() - started < TIMEOUT_S
    _assert_polite(text, payloads, "en")
    log = procs.log("rasa")
    assert "failed (RasaException" in log
    # One line per failure: Rasa's own stack trace for a failed action is not printed.
    assert "Encountered an exception while running action" not in log
    # Restarting the action server brings the answers back without restarting Rasa.
    procs.start_actions(procs.urls["app"])
    _, payloads = say(rasa, "445端口能用吗", _sender())
    assert port_verdicts(payloads) == [("tcp", 445, "blocked"), ("udp", 445, "open")]


def test_a_hung_app_gets_a_polite_answer_from_the_actions(procs: Procs) -> None:
    # The app stops answering: each action gives up after HELPDESK_API_TIMEOUT and says so itself
    # (on Python 3.10 that timeout is asyncio.TimeoutError, not the builtin TimeoutError).
    guarded = procs.log("rasa").count("custom action '")  # Rasa's guard: the action timed out or failed
    text, payloads, elapsed = _say_while_frozen(procs, "app", "安全组为什么删不掉")
    _assert_polite(text, payloads, "zh")
    assert API_TIMEOUT_S - 0.2 <= elapsed < TIMEOUT_S, elapsed  # the actions answered, not Rasa's guard
    assert procs.log("rasa").count("custom action '") == guarded, "the action itself should have answered"
