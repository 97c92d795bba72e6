"""Local stand-ins for Slack's Web API and WeCom's API, speaking their real protocols.

They run in the test process (one thread each) and record every call, so a test checks
what Rasa would have posted. ``start_channel_fakes`` also returns the environment that
enables both channels in Rasa and points them here (``tests/stack.py`` passes it on).
The WeCom channel is configured with the official sample's token, key and corp id, so the
running Rasa can be checked against the official vectors.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
# The official vectors, copied into the repository (tests/channels/vectors/README.md says from where).
VECTORS = Path(__file__).resolve().parent / "vectors" / "vectors.json"
WECOM_AGENT_ID = 1000002  # the official sample message's AgentID


def load_vectors() -> dict[str, Any]:
    """The official protocol test vectors (``tests/channels/vectors/vectors.json``)."""
    if not VECTORS.is_file():
        pytest.fail(f"protocol vectors not found at {VECTORS}: restore them from git", pytrace=False)
    vectors: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return vectors


def _wecom_sample() -> dict[str, str]:
    if VECTORS.is_file():
        sample: dict[str, str] = json.loads(VECTORS.read_text(encoding="utf-8"))["wecom_callback_official_sample_2016"]
        return sample
    # Without the vectors the channel still starts (other tests need the stack); the vector tests fail.
    return {"token": secrets.token_hex(16), "encoding_aes_key": "a" * 43, "corp_id": "ww-test-corp"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeApi

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        status, body = self.fake.handle(self.command, url.path, query, dict(self.headers), raw)
        self._answer(status, body)

    do_GET = _handle
    do_POST = _handle


@dataclass
class FakeApi:
    calls: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def record(self, **call: Any) -> None:
        with self.lock:
            self.calls.append(call)

    def snapshot(self, predicate: Callable[[dict[str, Any]], bool] = lambda _: True) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.calls if predicate(c)]

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 45.0
    ) -> list[dict[str, Any]]:
        """The calls matching ``predicate`` once there are ``count`` of them (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.snapshot(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        pytest.fail(f"expected {count} matching call(s) within {timeout:.0f} s; calls: {self.snapshot()}")

    def start(self, prefix: str = "") -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{prefix}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class FakeSlack(FakeApi):
    """``chat.postMessage`` as Slack answers it, including the Block Kit limits it enforces."""

    token: str = field(default_factory=lambda: f"xoxb-test-{secrets.token_hex(8)}")

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        if path != "/api/chat.postMessage" or method != "POST":
            return 200, {"ok": False, "error": "unknown_method"}
        content_type = headers.get("Content-Type", "")
        args = json.loads(raw) if "json" in content_type else {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        self.record(method="chat.postMessage", args=args, auth=headers.get("Authorization"))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if not args.get("channel"):
            return 200, {"ok": False, "error": "channel_not_found"}
        if not (args.get("text") or args.get("blocks")):
            return 200, {"ok": False, "error": "no_text"}
        if problem := block_kit_problem(args.get("blocks") or []):
            return 200, {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        ts = f"{time.time():.6f}"
        return 200, {"ok": True, "channel": args["channel"], "ts": ts, "message": {**args, "ts": ts, "bot_id": "BFAKE"}}

    def posts(self, channel: str) -> list[dict[str, Any]]:
        return [c["args"] for c in self.snapshot(lambda c: c["args"].get("channel") == channel)]

    def wait_for_posts(self, channel: str, count: int = 1) -> list[dict[str, Any]]:
        return [c["args"] for c in self.wait_for(lambda c: c["args"].get("channel") == channel, count)]


def block_kit_problem(blocks: Any) -> str | None:
    """The Block Kit limits Slack rejects a message for (``invalid_blocks``)."""
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "blocks must be a list of at most 50"
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section":
            texts = [block.get("text") or {}, *(block.get("fields") or [])]
            if not any(t.get("text") for t in texts) or any(len(t.get("text", "")) > 3000 for t in texts):
                return f"section {i}: text must be 1-3000 characters"
            if len(block.get("fields") or []) > 10:
                return f"section {i}: at most 10 fields"
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                return f"actions {i}: 1-25 elements"
            for e in elements:
                if e.get("type") != "button" or not 1 <= len(e.get("text", {}).get("text", "")) <= 75:
                    return f"actions {i}: button text must be 1-75 characters"
                if "value" not in e and "url" not in e:
                    return f"actions {i}: a button needs a value or a url"
        elif kind == "context":
            if not 1 <= len(block.get("elements") or []) <= 10:
                return f"context {i}: 1-10 elements"
        else:
            return f"block {i}: unexpected type {kind!r}"
    return None


@dataclass
class FakeWeCom(FakeApi):
    """``gettoken`` and ``message/send`` as WeCom answers them (errcodes included)."""

    corp_id: str = ""
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    agent_id: int = WECOM_AGENT_ID
    expires_in: int = 7200
    tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid

    def expire_tokens(self) -> None:
        """Every token issued so far expires (the next send with one gets errcode 42001)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    def token_fetches(self) -> int:
        return len(self.snapshot(lambda c: c["method"] == "gettoken"))

    def sends(self, user: str) -> list[dict[str, Any]]:
        return [c for c in self.snapshot(lambda c: c["method"] == "message/send" and c["body"].get("touser") == user)]

    def wait_for_sends(self, user: str, count: int = 1) -> list[dict[str, Any]]:
        def answered(c: dict[str, Any]) -> bool:
            return c["method"] == "message/send" and c["body"].get("touser") == user and c["errcode"] == 0

        return self.wait_for(answered, count)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        if path == "/cgi-bin/gettoken" and method == "GET":
            if query.get("corpid") != self.corp_id:
                answer: dict[str, Any] = {"errcode": 40013, "errmsg": "invalid corpid"}
            elif query.get("corpsecret") != self.secret:
                answer = {"errcode": 40001, "errmsg": "invalid credential"}
            else:
                token = secrets.token_urlsafe(24)
                with self.lock:
                    self.tokens[token] = True
                answer = {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in}
            self.record(method="gettoken", query=query, errcode=answer["errcode"])
            return 200, answer
        if path == "/cgi-bin/message/send" and method == "POST":
            token = query.get("access_token", "")
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            with self.lock:
                valid = self.tokens.get(token)
            if not token:
                errcode, errmsg = 41001, "access_token missing"
            elif valid is None:
                errcode, errmsg = 40014, "invalid access_token"
            elif not valid:
                errcode, errmsg = 42001, "access_token expired"
            else:
                errcode, errmsg = self._check_message(body)
            self.record(method="message/send", token=token, body=body, errcode=errcode)
            answer = {"errcode": errcode, "errmsg": errmsg}
            if errcode == 0:
                answer.update(invaliduser="", msgid=secrets.token_hex(8))
            return 200, answer
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _check_message(self, body: dict[str, Any]) -> tuple[int, str]:
        msgtype = body.get("msgtype")
        if not body.get("touser"):
            return 40031, "invalid user list"
        if body.get("agentid") != self.agent_id:
            return 40056, "invalid agentid"
        if msgtype not in ("text", "markdown"):
            return 40008, "invalid message type"
        content = (body.get(msgtype) or {}).get("content", "")
        if not content:
            return 44004, "empty content"
        if len(content.encode()) > 2048:
            return 45002, "content size out of limit"
        return 0, "ok"


@dataclass
class ChannelFakes:
    slack: FakeSlack
    wecom: FakeWeCom
    slack_signing_secret: str
    wecom_token: str
    wecom_encoding_aes_key: str

    @property
    def env(self) -> dict[str, str]:
        """What enables both channels in Rasa and points them at the fakes."""
        return {
            "SLACK_BOT_TOKEN": self.slack.token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_CHANNEL": "",  # not one from the developer's shell
            "SLACK_API_URL": self.slack.url,
            "WECOM_CORP_ID": self.wecom.corp_id,
            "WECOM_TOKEN": self.wecom_token,
            "WECOM_ENCODING_AES_KEY": self.wecom_encoding_aes_key,
            "WECOM_AGENT_ID": str(self.wecom.agent_id),
            "WECOM_SECRET": self.wecom.secret,
            "WECOM_API_BASE": self.wecom.url,
        }


@contextmanager
def start_channel_fakes() -> Iterator[ChannelFakes]:
    sample = _wecom_sample()
    slack, wecom = FakeSlack(), FakeWeCom(corp_id=sample["corp_id"])
    slack.start("/api/")
    wecom.start()
    try:
        yield ChannelFakes(slack, wecom, secrets.token_hex(16), sample["token"], sample["encoding_aes_key"])
    finally:
        slack.stop()
        wecom.stop()
