"""Ordinary clients that send a body over the limit receive the 413 and its message, not a reset.

The limit sits in front of a real uvicorn server (api/security.py's middleware on a tiny app);
curl, Python's urllib and http.client each send 1-2 MB, with a length and chunked.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from api.errors import register_error_handlers
from api.security import RequestLimitsMiddleware
from tests.servers import ThreadServer, serve_in_thread

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadServer]:
    app = FastAPI()
    register_error_handlers(app)

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    app.add_middleware(RequestLimitsMiddleware, rate_limit=None, max_body_bytes=LIMIT, protected_max_body_bytes=LIMIT)
    served = serve_in_thread(app, "limits")
    yield served
    served.stop()


def _body(size: int) -> bytes:
    return json.dumps({"question": "x" * size}).encode()


def _assert_413(status: int, text: str) -> None:
    assert status == 413, text
    assert json.loads(text)["detail"][0]["type"] == "body_too_large"


@pytest.mark.parametrize("size", [1_000_000, 2_000_000])
def test_urllib_receives_the_413(server: ThreadServer, size: int) -> None:
    request = urllib.request.Request(
        server.url + "/echo", data=_body(size), headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    _assert_413(err.value.code, err.value.read().decode())


@pytest.mark.parametrize("chunked", [False, True])
def test_http_client_receives_the_413(server: ThreadServer, chunked: bool) -> None:
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = _body(1_500_000)
    if chunked:  # no Content-Length: the limit is found while the body streams
        connection.request(
            "POST",
            "/echo",
            body=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
    else:
        connection.request("POST", "/echo", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    _assert_413(response.status, response.read().decode())
    connection.close()


def test_curl_receives_the_413(server: ThreadServer, tmp_path: Any) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    payload = tmp_path / "body.json"
    payload.write_bytes(_body(2_000_000))
    done = subprocess.run(
        [
            curl,
            "-sS",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            f"@{payload}",
            server.url + "/echo",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # curl exits 55/56 on a reset
    text, _, status = done.stdout.rpartition("\n")
    _assert_413(int(status), text)


def test_a_body_under_the_limit_still_passes(server: ThreadServer) -> None:
    request = urllib.request.Request(
        server.url + "/echo", data=_body(1000), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read()) == {"keys": 1}
