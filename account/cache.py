"""A short-lived cache of API answers, keyed by action, region and parameters.

Answers are reused for ``ttl_s`` seconds (30 by default, see
:class:`account.config.AccountConfig`): long enough that one diagnosis, or a
follow-up question a moment later, does not call the API twice for the same thing;
short enough that a change the user has just made in the console is seen on the next
question. Errors are never cached.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

MAX_ENTRIES = 512


def cache_key(action: str, region: str, params: Mapping[str, Any]) -> str:
    """A stable key: the same parameters in another order give the same key."""
    return json.dumps([action, region, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class TtlCache:
    """Thread-safe answers with an expiry; ``clock`` is injectable for tests."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """A copy of the answer stored under ``key``, or None when absent or expired."""
        if self.ttl_s <= 0:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            expires, value = found
            if self._clock() >= expires:
                del self._items[key]
                return None
            return copy.deepcopy(value)

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store a copy of ``value`` for ``ttl_s`` seconds."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            now = self._clock()
            if len(self._items) >= MAX_ENTRIES:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
                while len(self._items) >= MAX_ENTRIES:
                    self._items.pop(next(iter(self._items)))
            self._items[key] = (now + self.ttl_s, copy.deepcopy(value))

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._items.clear()
