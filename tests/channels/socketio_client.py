"""A small Socket.IO v5 client over Engine.IO v4 HTTP long-polling, as the real protocol.

Rasa's socket.io channel (python-socketio 5 / python-engineio 4) serves both transports;
the widget uses WebSocket, this client uses polling so it needs nothing but httpx. Packets
(https://socket.io/docs/v4/engine-io-protocol/): Engine.IO ``0`` open, ``2`` ping -> ``3``
pong, ``4`` message, several per HTTP body separated by ``\\x1e``; a message carries a
Socket.IO packet: ``0`` connect, ``2`` event (``["name", data]``).
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import httpx

SEPARATOR = "\x1e"


class SocketIoClient:
    """One connection to ``base_url``'s ``/socket.io/``, on the default namespace."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._url = f"{base_url.rstrip('/')}/socket.io/"
        self._http = httpx.Client(timeout=timeout)
        self._received: list[tuple[str, Any]] = []
        opened = self._get({"EIO": "4", "transport": "polling"})
        handshake = next(p for p in opened if p.startswith("0"))
        self.sid: str = json.loads(handshake[1:])["sid"]
        self._post("40")  # Socket.IO connect
        self.wait_for(lambda: any(name == "connect" for name, _ in self._received), timeout)

    def _params(self) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    def _get(self, params: dict[str, str]) -> list[str]:
        r = self._http.get(self._url, params=params)
        r.raise_for_status()
        return r.text.split(SEPARATOR) if r.text else []

    def _post(self, packet: str) -> None:
        r = self._http.post(self._url, params=self._params(), content=packet.encode("utf-8"))
        r.raise_for_status()

    def _poll(self) -> None:
        for packet in self._get(self._params()):
            if packet == "2":
                self._post("3")  # pong
            elif packet.startswith("40"):
                self._received.append(("connect", json.loads(packet[2:] or "{}")))
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                self._received.append((name, args[0] if args else None))

    def emit(self, event: str, data: Any) -> None:
        """Send ``event`` with ``data`` (any JSON value: the server decides what it accepts)."""
        self._post("42" + json.dumps([event, data], ensure_ascii=False))

    def wait_for(self, done: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"socket.io: nothing expected within {timeout} s; got {self._received}")
            self._poll()

    def events(self, name: str, count: int = 1, timeout: float = 30.0) -> list[Any]:
        """The data of the first ``count`` ``name`` events received (waiting for them); consumed."""
        self.wait_for(lambda: sum(n == name for n, _ in self._received) >= count, timeout)
        found = [data for n, data in self._received if n == name][:count]
        kept, taken = [], 0
        for item in self._received:
            if item[0] == name and taken < count:
                taken += 1
            else:
                kept.append(item)
        self._received = kept
        return found

    def session(self, session_id: str) -> None:
        """Ask for a persistent session, as the widget does, and wait for its confirmation."""
        self.emit("session_request", {"session_id": session_id})
        assert self.events("session_confirm", timeout=10) == [session_id]

    def close(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            self._post("1")  # Engine.IO close
        self._http.close()
