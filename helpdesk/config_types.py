"""Parsers of the settings that are more than a plain value (rate limits, address lists,
origins, URLs). Each raises ``ValueError`` naming the variable and the format, so a bad
value stops the app at start with a message that says what to write instead."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
# A plain http(s) URL: host (name or bracketed IPv6), port, path. Strict on purpose: these URLs
# go into pages, scripts and Content-Security-Policy headers, so quotes, spaces and ';' are refused.
_HTTP_URL = re.compile(
    r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:/[\w.~/-]*)?", re.ASCII
)


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per ``period_s`` seconds, as a token bucket of that size."""

    requests: int
    period_s: float

    @classmethod
    def parse(cls, text: str, variable: str = "HELPDESK_RATE_LIMIT") -> RateLimit | None:
        """``"60/minute"``, ``"10/second"``, ``"1000/hour"``, ``"5/10second"``; ``"off"`` or ``"0"``: None.

        Raises:
            ValueError: not a rate; the message names ``variable``.
        """
        if text.strip().lower() in {"", "off", "none", "0", "false"}:
            return None
        match = _RATE.match(text)
        if match is None or int(match.group(1)) < 1:
            raise ValueError(
                f"{variable}={text!r} is not a rate: write e.g. '60/minute', '10/second', '1000/hour', "
                "or 'off' to disable"
            )
        count = int(match.group(2) or 1)
        return cls(int(match.group(1)), count * _PERIODS[match.group(3).lower()])

    def __str__(self) -> str:
        return f"{self.requests}/{self.period_s:g}s"


def parse_networks(text: str, variable: str) -> tuple[IPNetwork, ...]:
    """A comma list of addresses or CIDR blocks (``127.0.0.1,10.0.0.0/8``).

    Raises:
        ValueError: an item is not an address or block; the message names ``variable``.
    """
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as e:
            raise ValueError(f"{variable}: {item!r} is not an IP address or CIDR block ({e})") from e
    return tuple(networks)


def parse_origins(text: str, variable: str = "HELPDESK_CORS_ORIGINS") -> tuple[str, ...]:
    """A comma list of ``scheme://host[:port]`` origins (``*`` is refused).

    Raises:
        ValueError: an item is not an origin; the message names ``variable``.
    """
    origins = []
    for item in (part.strip().rstrip("/") for part in text.split(",")):
        if not item:
            continue
        if item == "*" or not _ORIGIN.match(item):
            raise ValueError(
                f"{variable}: {item!r} is not an origin; list each site that embeds the widget as "
                "scheme://host[:port], e.g. https://support.example.com ('*' is not accepted)"
            )
        origins.append(item)
    return tuple(origins)


def parse_http_url(text: str, variable: str, example: str) -> str:
    """A plain http(s) URL without a trailing slash.

    Raises:
        ValueError: anything else; the message names ``variable`` and gives ``example``.
    """
    value = text.strip().rstrip("/")
    if not _HTTP_URL.fullmatch(value):
        raise ValueError(f"{variable} must be an http(s) URL such as {example}; got {text!r}")
    return value
