"""Fixtures of the channel tests: the Rasa-environment oracle, signing and encrypting helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.stack import REPO, rasa_venv


class Oracle:
    """The connectors' own code, run in the Rasa environment (see oracle.py)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": f"{REPO / 'bot'}:{REPO}", "RASA_TELEMETRY_ENABLED": "false"}
        self._process = subprocess.Popen(
            [str(rasa_venv() / "bin" / "python"), str(REPO / "tests" / "channels" / "oracle.py")],
            cwd=REPO / "bot",
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()

    def ask(self, op: str, **request: Any) -> dict[str, Any]:
        """``{"result": ...}`` or ``{"error": <exception class>, "message": ...}``."""
        assert self._process.stdin is not None and self._process.stdout is not None
        with self._lock:
            self._process.stdin.write(json.dumps({"op": op, **request}) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            pytest.fail(f"the oracle exited with {self._process.wait()}", pytrace=False)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    o = Oracle()
    yield o
    o.close()


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def slack_headers(
    secret: str, body: bytes, *, age_s: float = 0, content_type: str = "application/json"
) -> dict[str, str]:
    """The headers Slack sends with ``body``, signed ``age_s`` seconds ago."""
    timestamp = str(int(time.time() - age_s))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(secret, timestamp, body),
    }


def wecom_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()
