"""The record of every API call, for the operator: what was asked, of what, and how it went.

The client hands one :class:`ApiCall` to its audit sink per HTTP request it sends
(a throttled call retried twice gives three records) and one per answer served from
the cache (``cached`` True, nothing sent). A record holds no credentials and no
response body: action, region, the resource ids asked about, the result code
(``ok`` or Tencent Cloud's error code), the RequestId and the duration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

OK = "ok"


@dataclass(frozen=True)
class ApiCall:
    """One API call as the operator sees it.

    Attributes:
        action: e.g. ``DescribeSecurityGroupPolicies``.
        service: ``vpc`` or ``cvm``.
        region: The region called.
        resource_ids: The ids the call asked about (instance, group, template ids).
        result: ``ok``, or the error code (``AuthFailure.SignatureFailure``,
            ``ClientNetworkError`` when nothing answered, ...).
        request_id: The API's RequestId, when it answered.
        duration_ms: Wall time of the request (0 for a cached answer).
        started_at: When the call started (UTC).
        cached: True when the answer came from the cache and nothing was sent.
        attempt: 1 for the first try, 2.. for retries after throttling.
    """

    action: str
    service: str
    region: str
    resource_ids: tuple[str, ...]
    result: str
    request_id: str | None
    duration_ms: float
    started_at: datetime
    cached: bool = False
    attempt: int = 1


AuditSink = Callable[[ApiCall], None]


def discard(_: ApiCall) -> None:
    """An audit sink that keeps nothing."""


class CallLog:
    """An audit sink that keeps the records in memory (per conversation, or in tests)."""

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()

    def __call__(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        """The records so far, oldest first."""
        with self._lock:
            return tuple(self._calls)

    def sent(self) -> tuple[ApiCall, ...]:
        """Only the records of requests that were really sent (not cached)."""
        return tuple(c for c in self.calls if not c.cached)
