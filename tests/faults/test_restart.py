"""Rasa restarted between two turns: the conversation resumes from the tracker store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.procs import Procs, port_verdicts, procs_fixture, say

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procs]:
    from tests.stack import run_bot_sh

    assert run_bot_sh("train").returncode == 0
    work: Path = tmp_path_factory.mktemp("faults-restart")
    for p in procs_fixture(work):
        app = p.start_app()
        p.start_rasa(p.start_actions(app))
        yield p


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_port_follow_up_survives_a_rasa_restart(procs: Procs, how: str) -> None:
    sender = f"restart-{uuid.uuid4().hex[:10]}"
    _, first = say(procs.urls["rasa"], "445端口能用吗", sender)
    assert port_verdicts(first) == [("tcp", 445, "blocked"), ("udp", 445, "open")]

    service = procs.services["rasa"]
    if how == "SIGKILL":  # a crash: no shutdown hooks run; the turn was already committed
        service.process.kill()
        service.process.wait(timeout=10)
    else:
        procs.stop("rasa")
    procs.start_rasa(procs.urls["actions"])  # same port, same tracker store (SQLite file)

    _, second = say(procs.urls["rasa"], "那 UDP 呢?", sender)
    assert port_verdicts(second) == [("udp", 445, "open")]
