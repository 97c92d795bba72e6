"""Request bodies of ``POST /v1/events``, kept under the app's body limit by construction.

Standard library only (it runs in Rasa's environment). A body is
``{"batch_id": "...", "events": [...]}``; its size is measured on the encoded bytes, so
``pack`` never makes a body larger than the limit. One event larger than the limit on its
own is cut (``truncate_event``): its long strings (the user's message, and its copy in
``parse_data``) are shortened, and ``helpdesk_truncated`` records each cut field's path
and original length in characters. An event that does not fit even then is given back to
the caller, to be set aside with its reason.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
MIN_MAX_BODY_BYTES = 1024
# The app's own setting (helpdesk/settings.py protected_max_body_bytes) has this name, so one
# variable, exported to both processes, keeps the broker under the app's limit.
MAX_BODY_ENV = "HELPDESK_PROTECTED_MAX_BODY_BYTES"
MAX_BATCH_ID = 64  # the app's EventsBatch.batch_id max_length
TRUNCATED = "helpdesk_truncated"
# Strings are cut to the first of these lengths that makes the event fit. The app keeps
# 4,000 characters of a message (deflection/recorder.py MAX_TEXT), so the second loses nothing it stores.
_CUTS = (65_536, 4_096, 256)
_HEAD = b'{"batch_id": "'
_MIDDLE = b'", "events": ['
_TAIL = b"]}"
_SEPARATOR = b", "
# Bytes of a body besides its events, with the longest batch id the app takes.
OVERHEAD = len(_HEAD) + MAX_BATCH_ID + len(_MIDDLE) + len(_TAIL)
# How the app's 413 names its limit (api/security.py); read when present, never relied on.
_LIMIT_IN_MESSAGE = re.compile(r"larger than (\d+) bytes")


def max_body_bytes_from(environ: Mapping[str, str]) -> int:
    """The body limit from ``HELPDESK_PROTECTED_MAX_BODY_BYTES`` (default 4 MiB, as the app's).

    Raises:
        ValueError: the variable is set but is not a whole number of bytes of at least 1024.
    """
    raw = environ.get(MAX_BODY_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < MIN_MAX_BODY_BYTES:
        raise ValueError(
            f"{MAX_BODY_ENV}={raw!r} is not a body limit: write a whole number of bytes, at least "
            f"{MIN_MAX_BODY_BYTES}, the same as the app's (default {DEFAULT_MAX_BODY_BYTES})"
        )
    return value


def default_max_body_bytes() -> int:
    """The limit this process's environment sets (read when a shipper is made, never at import)."""
    return max_body_bytes_from(os.environ)


class BodyLimit:
    """The largest body to send: the configured one, lowered for good when the app refuses less.

    Raises:
        ValueError: ``value`` is under 1024 bytes.
    """

    def __init__(self, value: int) -> None:
        if value < MIN_MAX_BODY_BYTES:
            raise ValueError(f"max_body_bytes must be at least {MIN_MAX_BODY_BYTES}, got {value}")
        self.value = value

    def lower(self, size: int, why: str) -> int:
        """After the app refused ``size`` bytes as too large (``why``: its status and message): the limit now.

        The app's message names its limit ("larger than N bytes"); without one, half the size
        refused. Either way no more than that is sent from now on, and an error says so.
        """
        told = _LIMIT_IN_MESSAGE.search(why)
        limit = int(told[1]) if told is not None and int(told[1]) < size else size // 2
        limit = max(MIN_MAX_BODY_BYTES, min(self.value, limit))
        if limit < self.value:
            logger.error(
                "the app refused %d bytes as too large (%s) though the broker's limit is %d: set %s to the "
                "app's limit; sending at most %d bytes from now on",
                size,
                why,
                self.value,
                MAX_BODY_ENV,
                limit,
            )
            self.value = limit
        return limit


def encode(event: Any) -> bytes:
    """One event as strict JSON bytes.

    ASCII, so a lone surrogate in a message is escaped rather than an encoding error; a
    number JSON cannot hold (NaN, infinity) is written as null, as JavaScript's JSON does.
    """
    try:
        return json.dumps(event, default=str, allow_nan=False).encode("ascii")
    except ValueError:
        return json.dumps(_finite(event), default=str, allow_nan=False).encode("ascii")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def body(batch_id: str, events: Sequence[bytes]) -> bytes:
    """The request body of ``events`` (each already encoded)."""
    return _HEAD + batch_id.encode("ascii") + _MIDDLE + _SEPARATOR.join(events) + _TAIL


def body_size(events: Sequence[bytes]) -> int:
    """The largest size ``body`` can have for ``events``, whatever the batch id."""
    return OVERHEAD + sum(len(e) for e in events) + len(_SEPARATOR) * max(0, len(events) - 1)


@dataclass(frozen=True)
class Oversized:
    """An event that does not fit in a body even with its strings cut."""

    event: Any
    size: int
    reason: str


def fit(event: Any, encoded: bytes, limit: int) -> bytes | Oversized:
    """``encoded`` if it fits in a body of ``limit`` bytes, else the event cut to fit, else why not."""
    budget = limit - OVERHEAD
    if len(encoded) <= budget:
        return encoded
    for cut in _CUTS:
        shortened = truncate_event(event, cut)
        if shortened is None:
            continue
        data = encode(shortened)
        if len(data) <= budget:
            return data
    return Oversized(
        event,
        len(encoded),
        f"one event of {len(encoded)} bytes is larger than the body limit of {limit} bytes, "
        f"even with its strings cut to {_CUTS[-1]} characters",
    )


def pack(encoded: Iterable[bytes], limit: int, max_events: int) -> list[list[bytes]]:
    """Events (each already fitted to ``limit``) in order, in as few bodies as fit the limit and ``max_events``."""
    batches: list[list[bytes]] = []
    current: list[bytes] = []
    size = OVERHEAD
    for data in encoded:
        grown = size + len(data) + (len(_SEPARATOR) if current else 0)
        if current and (grown > limit or len(current) >= max_events):
            batches.append(current)
            current, grown = [], OVERHEAD + len(data)
        current.append(data)
        size = grown
    if current:
        batches.append(current)
    return batches


def events_of(data: bytes) -> tuple[str, list[Any]]:
    """The batch id and the events of a body.

    Raises:
        ValueError: the body is not a batch (not JSON, or no ``events`` list).
    """
    parsed = json.loads(data)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("events"), list):
        raise ValueError("not a batch of events")
    return str(parsed.get("batch_id") or ""), parsed["events"]


def halves(events: Sequence[Any]) -> list[list[bytes]]:
    """``events`` in two bodies' worth, first half first (to find what makes the app refuse a batch)."""
    middle = (len(events) + 1) // 2
    return [[encode(e) for e in part] for part in (events[:middle], events[middle:]) if part]


def truncate_event(event: Any, cut: int) -> dict[str, Any] | None:
    """A copy of ``event`` with every string longer than ``cut`` characters cut to ``cut``; None if none is.

    The copy's ``helpdesk_truncated`` maps each cut field's path (``parse_data.text``) to its
    original length, so the receiver knows the text is not whole.
    """
    if not isinstance(event, dict):
        return None
    cuts: dict[str, int] = {}
    shortened = _cut(event, cut, "", cuts)
    if not cuts:
        return None
    assert isinstance(shortened, dict)
    previous = event.get(TRUNCATED)
    shortened[TRUNCATED] = {**(previous if isinstance(previous, dict) else {}), **cuts}
    return shortened


def _cut(value: Any, cut: int, path: str, cuts: dict[str, int]) -> Any:
    if isinstance(value, str):
        if len(value) > cut:
            cuts[path or "."] = len(value)
            return value[:cut]
        return value
    if isinstance(value, dict):
        return {
            k: _cut(v, cut, f"{path}.{k}" if path else str(k), cuts)
            for k, v in value.items()
            if path or k != TRUNCATED  # the marker is rewritten whole by truncate_event
        }
    if isinstance(value, list):
        return [_cut(v, cut, f"{path}[{i}]", cuts) for i, v in enumerate(value)]
    return value
