"""Which numbers in a message are ports, and which addresses are there.

Numbers inside addresses, dates, times, versions and ids are not ports; neither is a
number followed by a unit (3台, 5 minutes) or after an ordinal (第3条). A number next to
a port word (端口 8443, port 22, :8080, 22/tcp) is an explicit port; when a message has
explicit ports, bare numbers are left out. A port after a "changed to" word is the new
port. The words come from grammar.yaml through the :class:`~diagnosis.lexicon.Lexicon`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from diagnosis.lexicon import Lexicon

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/\d{1,2})?(?::(\d{1,5}))?(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9a-f:])([0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?![0-9a-f:])")
_EXCLUDED = (
    re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}"),  # dates
    re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"),  # times
    re.compile(r"\d+(?:\.\d+)+"),  # versions, decimals
    re.compile(r"[a-z]+[-_][0-9a-z]*\d[0-9a-z]*"),  # ids: sg-1a2b3c4d, ins-xxx, centos-7
)
_NUMBER = re.compile(r"(?<![a-z0-9_.\-/])(\d{1,5})(?:-\d{1,5})?(?![\d.])")
_PROTO_SUFFIX = re.compile(r"^/(tcp|udp)\b")
_NEAR = 6  # characters between a number and a port word


@dataclass(frozen=True)
class Numbers:
    """Ports and addresses found in a message.

    Attributes:
        ports: Ports in order of appearance (explicit ones only, when there are any).
        new_port: The port after a "changed to" word, if any.
        suffix_protocols: Protocols written as ``22/tcp``.
        addresses: (address, whether a word before it says it is the user's own).
    """

    ports: tuple[int, ...]
    new_port: int | None
    suffix_protocols: tuple[str, ...]
    addresses: tuple[tuple[str, bool], ...]


def read_numbers(text: str, lexicon: Lexicon) -> Numbers:
    """Ports and addresses in ``text`` (already folded: lower case, single spaces)."""
    blocked: list[tuple[int, int]] = []
    addresses: list[tuple[str, bool]] = []
    explicit: list[tuple[int, int]] = []
    for m in _IPV4.finditer(text):
        try:
            address = str(ipaddress.IPv4Address(m.group(1)))
        except ValueError:
            blocked.append(m.span())
            continue
        addresses.append((address, _own(text, m.start(), lexicon)))
        if m.group(2):
            explicit.append((m.start(2), int(m.group(2))))
        blocked.append(m.span())
    for m in _IPV6.finditer(text):
        if m.group(1).count(":") < 2:
            continue
        try:
            address = str(ipaddress.IPv6Address(m.group(1)))
        except ValueError:
            continue
        addresses.append((address, _own(text, m.start(), lexicon)))
        blocked.append(m.span())
    for pattern in _EXCLUDED:
        blocked += [m.span() for m in pattern.finditer(text)]
    bare: list[tuple[int, int]] = []
    suffixes: list[str] = []
    new_port: int | None = None
    for m in _NUMBER.finditer(text):
        start, end = m.span(1)
        if any(a <= start < b for a, b in blocked):
            continue
        port = int(m.group(1))
        after, before = text[m.end() :], text[:start]
        if not 1 <= port <= 65535 or lexicon.unit_after.match(after) or lexicon.ordinal_before.search(before):
            continue
        suffix = _PROTO_SUFFIX.match(after)
        if suffix:
            suffixes.append(suffix.group(1))
        near = text[max(0, start - _NEAR) : end + _NEAR]
        is_explicit = bool(suffix) or before.endswith(":") or lexicon.port_word_near.search(near) is not None
        (explicit if is_explicit else bare).append((start, port))
        if lexicon.change_to_before.search(before[-12:]):
            new_port = port
    chosen = explicit if explicit else bare
    ports = tuple(dict.fromkeys(p for _, p in sorted(chosen)))
    return Numbers(ports, new_port, tuple(dict.fromkeys(suffixes)), tuple(dict.fromkeys(addresses)))


def _own(text: str, start: int, lexicon: Lexicon) -> bool:
    window = text[max(0, start - 16) : start]
    return lexicon.own_before.search(window) is not None
