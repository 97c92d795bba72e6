"""One ``POST /v1/events`` and what its answer means for the batch: the broker's reading of the app.

Standard library only (it runs in Rasa's environment).

=====================================  ===========  =============================================
the app answers                        verdict      the shipper then
=====================================  ===========  =============================================
2xx                                    sent         forgets the batch
413                                    too_large    splits it (one event: cuts its text, or sets it aside)
400, 409, 410, 411, 414, 415, 422...   refused      sets it aside with the status and the app's message
401, 403, 404, 405, 407               retry        with a spool, keeps it: a token or URL to fix, not the batch
408, 425, 429, 502, 503, 504, ...      retry        keeps it and retries: the app is busy, down or starting
500                                    server_error retries; if it persists while the app records other
                                                    batches, the batch's content is the cause (see triage)
no answer                              retry        keeps it (the app is down), unless the app cut the
                                                    connection off mid-body (see ``cut_off``)
=====================================  ===========  =============================================
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["sent", "too_large", "refused", "retry", "server_error"]

# Not the batch's fault: wrong token, wrong URL or method, a proxy asking for credentials.
# With a spool these batches wait, so fixing HELPDESK_EVENTS_TOKEN / _URL delivers them.
_FIXABLE = frozenset({401, 403, 404, 405, 407})
# The app (or a proxy) is busy: retry later.
_TRANSIENT_4XX = frozenset({408, 421, 425, 429})
_MAX_REPLY = 64 * 1024
_MAX_MESSAGE = 500


@dataclass(frozen=True)
class Reply:
    """The app's answer: its status and, for an error, its message (``detail[].msg``)."""

    status: int
    message: str = ""


@dataclass(frozen=True)
class Result:
    """What one attempt means for the batch."""

    verdict: Verdict
    status: int | None = None
    message: str = ""


# post(url, body, headers, timeout) -> the app's reply; raises OSError when there is none.
Post = Callable[[str, bytes, dict[str, str], float], Reply]


def urllib_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
    """POST with the standard library."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(_MAX_REPLY)
            return Reply(int(response.status))
    except urllib.error.HTTPError as e:
        try:
            data = e.read(_MAX_REPLY)
        except OSError:
            data = b""
        return Reply(int(e.code), message_of(data, e.reason))


def message_of(data: bytes, fallback: object = "") -> str:
    """The app's message in an error body (``{"detail": [{"msg": ...}]}``), or its first characters."""
    try:
        detail = json.loads(data).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):
        text = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    elif isinstance(detail, str):
        text = detail
    else:
        text = data.decode("utf-8", "replace").strip() or str(fallback)
    return text[:_MAX_MESSAGE]


def verdict(status: int, *, spooled: bool) -> Verdict:
    """What ``status`` means for the batch. Without a spool every 4xx but the busy ones is final."""
    if 200 <= status < 300:
        return "sent"
    if status == 413:
        return "too_large"
    if 400 <= status < 500 and status not in _TRANSIENT_4XX and not (spooled and status in _FIXABLE):
        return "refused"
    if status == 500:
        return "server_error"
    return "retry"


def cut_off(error: OSError) -> bool:
    """The connection was reset or closed while the request was going out.

    The app answers 413 to a body over its limit and closes the connection before reading
    it, so a client still sending sees this instead of the answer; an app that is down
    refuses the connection or does not answer (a timeout) instead.
    """
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, ConnectionResetError | BrokenPipeError | ConnectionAbortedError)
