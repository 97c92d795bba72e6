"""How the broker reads the app's answers and builds its bodies (bot/brokers/delivery.py, batches.py)."""

from __future__ import annotations

import json

import pytest

from bot.brokers import batches
from bot.brokers.delivery import cut_off, message_of, verdict


@pytest.mark.parametrize(
    ("status", "spooled", "expected"),
    [
        (200, True, "sent"),
        (413, True, "too_large"),
        (422, True, "refused"),  # malformed: waiting cannot fix it
        (400, True, "refused"),
        (415, True, "refused"),
        (401, True, "retry"),  # a wrong token: kept until the operator fixes it
        (403, True, "retry"),
        (404, True, "retry"),  # a wrong URL, likewise
        (401, False, "refused"),  # without a spool nothing can wait for the fix
        (429, True, "retry"),
        (408, False, "retry"),
        (500, True, "server_error"),  # maybe this batch: the shipper's 500 policy decides
        (503, True, "retry"),  # the database is down: wait, in order
        (502, True, "retry"),
        (504, True, "retry"),
    ],
)
def test_what_each_answer_means_for_the_batch(status: int, spooled: bool, expected: str) -> None:
    assert verdict(status, spooled=spooled) == expected


def test_the_apps_message_is_read_from_its_error_shape() -> None:
    body = {"detail": [{"loc": ["body"], "msg": "request body larger than 4194304 bytes", "type": "body_too_large"}]}
    assert message_of(json.dumps(body).encode()) == "request body larger than 4194304 bytes"
    assert message_of(b"<html>Bad Gateway</html>") == "<html>Bad Gateway</html>"
    assert message_of(b"", "Payload Too Large") == "Payload Too Large"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionResetError(), True),
        (BrokenPipeError(), True),
        (ConnectionRefusedError(), False),  # the app is down
        (TimeoutError(), False),
    ],
)
def test_a_cut_off_is_told_from_an_app_that_is_down(error: OSError, expected: bool) -> None:
    import urllib.error

    assert cut_off(error) is expected
    assert cut_off(urllib.error.URLError(error)) is expected  # as urllib wraps it while sending


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 4 * 1024 * 1024), ("", 4 * 1024 * 1024), ("1048576", 1_048_576), (" 2048 ", 2048)],
)
def test_the_limit_comes_from_the_apps_variable(value: str | None, expected: int) -> None:
    environ = {} if value is None else {batches.MAX_BODY_ENV: value}
    assert batches.max_body_bytes_from(environ) == expected


@pytest.mark.parametrize("value", ["4MiB", "512", "-1", "1e6"])
def test_a_bad_limit_fails_with_the_variables_name(value: str) -> None:
    with pytest.raises(ValueError, match=batches.MAX_BODY_ENV):
        batches.max_body_bytes_from({batches.MAX_BODY_ENV: value})


@pytest.mark.parametrize("limit", [1024, 3000, 65_536])
def test_packed_bodies_are_never_over_the_limit_and_keep_the_order(limit: int) -> None:
    events = [{"event": "user", "text": "x" * (i * 37 % 900)} for i in range(200)]
    encoded = [d for d in (batches.fit(e, batches.encode(e), limit) for e in events) if isinstance(d, bytes)]
    groups = batches.pack(encoded, limit, max_events=50)
    bodies = [batches.body("f" * batches.MAX_BATCH_ID, g) for g in groups]
    assert max(len(b) for b in bodies) <= limit and max(len(g) for g in groups) <= 50
    assert [e for b in bodies for e in json.loads(b)["events"]] == [json.loads(d) for d in encoded]


def test_numbers_json_cannot_hold_are_sent_as_null() -> None:
    encoded = batches.encode({"event": "user", "parse_data": {"intent": {"confidence": float("nan")}}})
    assert json.loads(encoded)["parse_data"]["intent"]["confidence"] is None


def test_a_lone_surrogate_is_escaped_not_an_error() -> None:
    assert batches.encode({"text": "\ud800"}) == b'{"text": "\\ud800"}'
