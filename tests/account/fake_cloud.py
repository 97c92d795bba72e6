"""A local fake of the Tencent Cloud API (vpc and cvm, 2017-03-12) over real HTTP on 127.0.0.1.

It speaks the real protocol, so the official SDK talks to it unchanged:

* POST / with a JSON body and the X-TC-Action, X-TC-Version, X-TC-Region and
  X-TC-Timestamp headers; the timestamp may differ from the fake's clock by at most
  5 minutes (else ``AuthFailure.SignatureExpire``).
* ``Authorization: TC3-HMAC-SHA256 Credential=id/date/service/tc3_request,
  SignedHeaders=..., Signature=...`` verified step by step as the "Signature v3" page
  describes (:mod:`tests.account.tc3`): an unknown SecretId is
  ``AuthFailure.SecretIdNotFound``, a wrong signature ``AuthFailure.SignatureFailure``.
  The service named in the credential scope picks vpc or cvm.
* Answers ``{"Response": {..., "RequestId": ...}}``, errors
  ``{"Response": {"Error": {"Code", "Message"}, "RequestId": ...}}`` with status 200.

Faults: a key without a service's permission (``UnauthorizedOperation``), throttling
(``RequestLimitExceeded`` N times), a slow answer, another Content-Type, a clock offset,
and "down" (:func:`closed_endpoint`: a port nothing listens on).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.account import tc3
from tests.account.fake_account import SERVICE_OF, Account, ApiError, answer

VERSION = "2017-03-12"
MAX_SKEW_S = 300


@dataclass(frozen=True)
class FakeKey:
    """An API key the fake knows, and the services its sub-user may read."""

    secret_key: str
    services: frozenset[str] = frozenset({"vpc", "cvm"})


@dataclass(frozen=True)
class Seen:
    """One request the fake received (after the signature was checked, or not)."""

    action: str
    service: str
    region: str
    params: dict[str, Any]
    headers: dict[str, str]
    result: str
    request_id: str


@dataclass
class Exchange:
    """One answer the fake gave, for the model-field check."""

    service: str
    action: str
    response: dict[str, Any]


@dataclass
class FakeCloud:
    """The fake API: an account, the keys it accepts, and the faults to play."""

    account: Account
    keys: dict[str, FakeKey]
    content_type: str = "application/json"
    delay_s: float = 0.0
    clock_offset_s: float = 0.0
    throttle_left: int = 0
    seen: list[Seen] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:port`` of the running fake."""
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def throttle(self, times: int) -> None:
        """Answer the next ``times`` requests with RequestLimitExceeded."""
        self.throttle_left = times

    @contextmanager
    def running(self) -> Iterator[FakeCloud]:
        """Serve on a free loopback port until the block ends."""
        self._start(0)
        try:
            yield self
        finally:
            self._stop()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The API gone for the block (nothing listens on its port: connections are refused),
        then serving again on the same port, where the app under test still calls it."""
        assert self._server is not None, "start the fake first"
        port = self._server.server_address[1]
        self._stop()
        try:
            yield
        finally:
            self._start(port)

    def _start(self, port: int) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-tencent-cloud", daemon=True
        )
        self._thread.start()

    def _stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def actions(self) -> list[str]:
        """The actions received, in order."""
        with self._lock:
            return [s.action for s in self.seen]

    # --- the protocol ---------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        headers = {k.lower(): v for k, v in request.headers.items()}
        action = headers.get("x-tc-action", "")
        region = headers.get("x-tc-region", "")
        service, params, result = "", {}, "ok"
        try:
            service = self._authenticate(request, headers, body)
            params = self._params(body)
            if self.delay_s:
                time.sleep(self.delay_s)
            response = self._answer(service, action, region, headers, params)
        except ApiError as e:
            result = e.code
            response = {"Error": {"Code": e.code, "Message": e.message}}
        response["RequestId"] = str(uuid.uuid4())
        with self._lock:
            self.seen.append(Seen(action, service, region, params, headers, result, response["RequestId"]))
            if result == "ok":
                self.exchanges.append(Exchange(service, action, response))
        data = json.dumps({"Response": response}).encode("utf-8")
        request.send_response(200)
        request.send_header("Content-Type", self.content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _authenticate(self, request: BaseHTTPRequestHandler, headers: dict[str, str], body: bytes) -> str:
        for name in ("x-tc-action", "x-tc-version", "x-tc-timestamp", "authorization", "content-type", "host"):
            if not headers.get(name):
                raise ApiError("MissingParameter", f"The request is missing the {name} header.")
        try:
            auth = tc3.parse_authorization(headers["authorization"])
            timestamp = int(headers["x-tc-timestamp"])
        except ValueError as e:
            raise ApiError("AuthFailure.InvalidAuthorization", f"Authorization is invalid: {e}") from e
        if abs(time.time() + self.clock_offset_s - timestamp) > MAX_SKEW_S:
            raise ApiError(
                "AuthFailure.SignatureExpire", "The timestamp differs from the server time by over 5 minutes."
            )
        if not {"content-type", "host"} <= set(auth.signed_headers) or not set(auth.signed_headers) <= set(headers):
            raise ApiError("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
        key = self.keys.get(auth.secret_id)
        if key is None:
            # The real message may not echo the id; this one does, so tests see the client redact it.
            raise ApiError("AuthFailure.SecretIdNotFound", f"The SecretId {auth.secret_id} is not found.")
        if auth.date != tc3.utc_date(timestamp):
            raise ApiError(
                "AuthFailure.SignatureFailure", "The credential scope's date is not the timestamp's UTC date."
            )
        canonical = tc3.canonical_request(request.command, request.path, "", headers, auth.signed_headers, body)
        to_sign = tc3.string_to_sign(timestamp, tc3.credential_scope(auth.date, auth.service), canonical)
        expected = tc3.signature(tc3.secret_signing(key.secret_key, auth.date, auth.service), to_sign)
        if expected != auth.signature:
            raise ApiError(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        if auth.service not in key.services:
            code = "UnauthorizedOperation"
            raise ApiError(
                code,
                f"you are not authorized to perform operation ({auth.service}:{headers['x-tc-action']})\n"
                f"resource (qcs::{auth.service}:{headers.get('x-tc-region', '')}:uin/100000000001:*) has no permission",
            )
        return auth.service

    def _params(self, body: bytes) -> dict[str, Any]:
        try:
            params = json.loads(body or b"{}")
        except ValueError as e:
            raise ApiError("InvalidParameter", "The body is not JSON.") from e
        if not isinstance(params, dict):
            raise ApiError("InvalidParameter", "The body must be a JSON object.")
        return params

    def _answer(
        self, service: str, action: str, region: str, headers: dict[str, str], params: dict[str, Any]
    ) -> dict[str, Any]:
        if headers["x-tc-version"] != VERSION:
            raise ApiError("NoSuchVersion", f"The API version {headers['x-tc-version']} does not exist.")
        if not headers["content-type"].startswith("application/json"):
            raise ApiError("InvalidParameter", "POST requests must be application/json.")
        if SERVICE_OF.get(action) != service:
            raise ApiError("InvalidAction", f"The action {action} does not exist in {service}.")
        if not region:
            raise ApiError("MissingParameter", "The request is missing X-TC-Region.")
        with self._lock:
            if self.throttle_left > 0:
                self.throttle_left -= 1
                raise ApiError("RequestLimitExceeded", "Your current request times equals to `20` in a second.")
        return answer(self.account, region, action, params)


def closed_endpoint() -> str:
    """``http://127.0.0.1:port`` where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
