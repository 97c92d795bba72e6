"""The action tests' recordings of POST /v1/diagnose (tests/actions/data/) are what the app says today.

The action tests run in the Rasa environment and answer with these recordings
(tests/actions/fake_app.py); the actions read parts of them that no schema types, such as
the 413's message, whose length, limit and advice ``actions.api_client.TextTooLong`` reads.
Here each recorded conversation is sent again to the real app: a change of the engine, its
data or its messages that the recordings do not follow fails here, naming the file to
record again (``.venv/bin/python -m tests.actions.record_diagnoses``).
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.actions.record_diagnoses import CONVERSATIONS, DATA, record, record_stale_case


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_the_recording_is_what_the_app_answers_now(client: TestClient, name: str) -> None:
    recorded = json.loads((DATA / f"{name}.json").read_text("utf-8"))
    assert record(client, CONVERSATIONS[name]) == recorded, (
        f"tests/actions/data/{name}.json is stale: run .venv/bin/python -m tests.actions.record_diagnoses"
    )


def test_the_stale_case_recording_is_what_the_app_answers_now(client: TestClient) -> None:
    recorded = json.loads((DATA / "stale_case.json").read_text("utf-8"))
    assert record_stale_case(client) == recorded, (
        "tests/actions/data/stale_case.json is stale: run .venv/bin/python -m tests.actions.record_diagnoses"
    )
