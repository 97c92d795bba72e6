"""The readers of the instance's own tools (firewalls, listening sockets), most specific first."""

from __future__ import annotations

from evidence.registry import Reader

HOST_READERS: tuple[Reader, ...] = ()
