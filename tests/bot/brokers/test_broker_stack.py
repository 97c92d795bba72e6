"""On the real stack (app, action server, Rasa with its event broker): one huge message does not stop
the records. The turns before and after it are each recorded once, and the spool ends empty.

The huge message takes Rasa a while (or is answered politely without NLU, where the channels cap a
message's size); this test asserts the records, not the reply.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

# 1 MiB of UTF-8 Chinese: its user event holds it twice (text, parse_data.text), JSON-escaped at 6 bytes a
# character, so the event alone is over the app's 4 MiB body limit, as in the incident of issue 12.
HUGE = ("端口能用吗" * 70_000)[: 1024 * 1024 // 3] + "x"
RECORDED_WITHIN_S = 120.0


def spool_of(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stack's event spool (tests/stack.py puts it in the session's bot-stack folder)."""
    [spool] = {p.resolve() for p in tmp_path_factory.getbasetemp().glob("bot-stack*/event-spool")}
    return spool


def test_a_1_mb_message_does_not_stop_the_records(
    bot_stack: Any, sender: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert len(HUGE.encode()) == 1024 * 1024
    before = ["腾讯云不支持哪些端口？", "445端口能用吗"]
    after = ["今天天气怎么样", "how do I open port 8080", "转人工"]
    for text in before:
        bot_stack.say(text, sender)
    huge = httpx.post(
        f"{bot_stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": HUGE}, timeout=300
    )
    assert huge.status_code < 500, huge.text[:500]
    for text in after:
        bot_stack.say(text, sender)

    ordinary = before + after
    deadline = time.monotonic() + RECORDED_WITHIN_S
    while True:
        turns = [t for t in bot_stack.admin("GET", "/v1/admin/export/turns.json") if t["conversation_id"] == sender]
        texts = [t["text"] for t in turns if t["text"] in ordinary]
        if len(texts) >= len(ordinary) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert texts == ordinary, f"recorded {texts}"  # each once, in the order said
    assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))
    assert len(turns) <= len(ordinary) + 1  # the huge one at most once, its text cut to what the store keeps
    assert all(len(t["text"]) <= 4000 for t in turns)

    spool = spool_of(tmp_path_factory)
    deadline = time.monotonic() + 30
    while list(spool.glob("slot-*/*.batch.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert list(spool.glob("slot-*/*.batch.json")) == [], "the spool is empty"
    assert list(spool.glob("rejected/*.batch.json")) == [], "nothing was set aside"

    deadline = time.monotonic() + 30
    while (records := bot_stack.api("GET", "/readyz")["records"]) is None or records["as_of"] is None:
        assert time.monotonic() < deadline, f"/readyz says records {records}"
        time.sleep(0.5)
    assert (records["waiting"], records["rejected"]) == (0, 0)
