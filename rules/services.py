"""Protocols and port specifications as Tencent Cloud writes them, read strictly.

Rules carry ``Protocol`` (``TCP``, ``udp``, ``ICMP``, ``ICMPv6``, ``GRE``, ``ALL``, any
case, no spaces) and ``Port`` (``ALL`` in any case, empty or absent for every port,
``80``, ``8000-8010`` or ``80,443``; a list may mix ports and ranges; no spaces; a JSON
number is one port). Protocol-port templates hold entries such as ``tcp:80``,
``TCP: 8080`` (the API's own spelling has a space after the colon), ``udp:53,54`` or
``icmp``. Ports only apply to TCP and UDP; for the other protocols ``Port`` must be empty
or ``ALL``, because a port on an ICMP rule means nothing and would otherwise be
silently ignored.

Compiled form. A protocol is a bit (``PROTOCOL_BITS``; ``ALL`` sets every bit) and a port
specification is ``(low, high, ranges)``: the smallest and largest port, and the ranges
when there are several (None for one range). "Every port" is ``(0, 65535, None)``, which
also holds the port 0 that flows without ports (ICMP, GRE) are evaluated with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.errors import Loc, RuleValidationError, json_text, whole_number

RuleProtocol = Literal["tcp", "udp", "icmp", "icmpv6", "gre", "all"]
FlowProtocol = Literal["tcp", "udp", "icmp", "icmpv6", "gre"]
RULE_PROTOCOLS: tuple[RuleProtocol, ...] = ("tcp", "udp", "icmp", "icmpv6", "gre", "all")
FLOW_PROTOCOLS: tuple[FlowProtocol, ...] = ("tcp", "udp", "icmp", "icmpv6", "gre")
PORTED: frozenset[str] = frozenset({"tcp", "udp"})
MIN_PORT, MAX_PORT = 1, 65535
PROTOCOL_BITS: dict[str, int] = {"tcp": 1, "udp": 2, "icmp": 4, "icmpv6": 8, "gre": 16, "all": 31}

PortSpec = tuple[int, int, tuple[tuple[int, int], ...] | None]
ALL_PORTS_SPEC: PortSpec = (0, MAX_PORT, None)
PROTOCOL_SPELLINGS: dict[str, RuleProtocol] = {
    spelling: p for p in RULE_PROTOCOLS for spelling in (p, p.upper(), p.capitalize())
} | {"ICMPv6": "icmpv6", "IcmpV6": "icmpv6"}
# Port texts already compiled (or the reason they are not ports): a group's rules repeat
# a handful of them. Read by the loader's fast path (rules.fast_policy); bounded.
PORT_SPEC_CACHE: dict[str, PortSpec | str] = {}
PORT_SPEC_CACHE_SIZE = 4096


def read_rule_protocol(value: object) -> RuleProtocol | None:
    """A rule's ``Protocol`` in any case, or None when it is not one (spaces included)."""
    if type(value) is not str:
        return None
    found = PROTOCOL_SPELLINGS.get(value)
    if found is None:
        found = PROTOCOL_SPELLINGS.get(value.lower())
    return found


def protocol_error(value: object, loc: Loc) -> RuleValidationError:
    """The error for a bad rule protocol."""
    return RuleValidationError.single(
        loc, f"unknown protocol {value!r}; use TCP, UDP, ICMP, ICMPv6, GRE or ALL, without spaces", "protocol_invalid"
    )


def parse_rule_protocol(value: object, loc: Loc) -> RuleProtocol:
    """A rule's ``Protocol`` in any case.

    Raises:
        RuleValidationError: not one of TCP, UDP, ICMP, ICMPv6, GRE, ALL (spaces are refused).
    """
    protocol = read_rule_protocol(value)
    if protocol is None:
        raise protocol_error(value, loc)
    return protocol


def parse_port_number(value: object, loc: Loc, text_allowed: bool = True) -> int:
    """One port, 1..65535: a JSON integer, or (``text_allowed``) ASCII digits.

    Raises:
        RuleValidationError: not a whole number (``true`` and ``"22 "`` included), or out of range.
    """
    value = whole_number(value)
    if type(value) is int:
        port = value
    elif text_allowed and isinstance(value, str) and value.removeprefix("-").isdigit() and value.isascii():
        port = int(value)  # "-1" is a number, out of range: said below ("--1" is not one)
    elif isinstance(value, str):
        what = "a whole number 1-65535" if text_allowed else "a JSON integer 1-65535, not text"
        raise RuleValidationError.single(loc, f"{value!r} is not a port number; use {what}", "port_invalid")
    else:
        raise RuleValidationError.single(loc, f"expected a port number 1-65535, got {json_text(value)}", "port_invalid")
    if not MIN_PORT <= port <= MAX_PORT:
        raise RuleValidationError.single(loc, f"port {port} is out of range; use 1-65535", "port_out_of_range")
    return port


def read_port_spec(value: object) -> PortSpec | str:
    """A rule's ``Port`` compiled, or the reason it is not one.

    Strings are cached: a group's rules repeat a handful of port specifications.
    """
    if type(value) is str:
        found = PORT_SPEC_CACHE.get(value)
        if found is None:
            found = _compile_port_text(value)
            if len(PORT_SPEC_CACHE) < PORT_SPEC_CACHE_SIZE:
                PORT_SPEC_CACHE[value] = found
        return found
    if value is None:
        return ALL_PORTS_SPEC
    value = whole_number(value)
    if type(value) is int and MIN_PORT <= value <= MAX_PORT:
        return value, value, None
    if type(value) is int:
        return f"port {value} is out of range; use 1-65535"
    return f"expected ALL, a port, a range or a list such as 80,443, got {value!r}"


def _compile_port_text(text: str) -> PortSpec | str:
    if text == "" or text.lower() == "all":
        return ALL_PORTS_SPEC
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low_text, dash, high_text = part.partition("-")
        if not _digits(low_text) or (dash and not _digits(high_text)):
            return f"{text!r} is not a port list; write ALL, 80, 8000-8010 or 80,443-445 (digits, no spaces)"
        low = int(low_text)
        high = int(high_text) if dash else low
        if not (MIN_PORT <= low <= MAX_PORT and MIN_PORT <= high <= MAX_PORT):
            return f"{part!r} is out of range; ports are 1-65535"
        if low > high:
            return f"range {part!r} runs backwards; write the low port first"
        ranges.append((low, high))
    if len(ranges) == 1:
        return ranges[0][0], ranges[0][1], None
    return min(r[0] for r in ranges), max(r[1] for r in ranges), tuple(ranges)


def _digits(text: str) -> bool:
    return text.isdigit() and text.isascii() and len(text) <= 5


@dataclass(frozen=True)
class PortSet:
    """Inclusive port ranges; ``ranges is None`` means every port."""

    ranges: tuple[tuple[int, int], ...] | None

    def __contains__(self, port: int) -> bool:
        return self.ranges is None or any(low <= port <= high for low, high in self.ranges)

    def __str__(self) -> str:
        if self.ranges is None:
            return "all ports"
        return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in self.ranges)

    @classmethod
    def of(cls, spec: PortSpec) -> PortSet:
        """The set a compiled specification stands for."""
        low, high, ranges = spec
        if spec == ALL_PORTS_SPEC:
            return ALL_PORTS
        return cls(ranges if ranges is not None else ((low, high),))

    def spec(self) -> PortSpec:
        """This set compiled."""
        if self.ranges is None:
            return ALL_PORTS_SPEC
        if len(self.ranges) == 1:
            return self.ranges[0][0], self.ranges[0][1], None
        return min(a for a, _ in self.ranges), max(b for _, b in self.ranges), self.ranges


ALL_PORTS = PortSet(None)


@dataclass(frozen=True)
class Service:
    """A protocol with its ports, as one rule or one template entry states it."""

    protocol: RuleProtocol
    ports: PortSet = ALL_PORTS

    def matches(self, protocol: FlowProtocol, port: int | None) -> bool:
        """Whether traffic of ``protocol`` to ``port`` is covered."""
        if self.protocol == "all":
            return True
        if self.protocol != protocol:
            return False
        return port is None or protocol not in PORTED or port in self.ports

    def __str__(self) -> str:
        if self.protocol == "all":
            return "all protocols"
        if self.protocol not in PORTED:
            return "ICMPv6" if self.protocol == "icmpv6" else self.protocol.upper()
        return f"{self.protocol.upper()} {self.ports}"


def port_problem_kind(message: str) -> str:
    """The problem type of a bad ``Port``'s reason (a range running backwards has its own)."""
    if "runs backwards" in message:
        return "range_backwards"
    return "port_out_of_range" if "out of range" in message else "port_invalid"


def port_error(message: str, loc: Loc) -> RuleValidationError:
    """The error for a bad ``Port``."""
    return RuleValidationError.single(loc, message, port_problem_kind(message))


def read_service(protocol: RuleProtocol, port_value: object) -> PortSpec | str:
    """Ports of a protocol compiled, or why they do not fit it."""
    spec = read_port_spec(port_value)
    if isinstance(spec, str) or protocol in PORTED or spec == ALL_PORTS_SPEC:
        return spec
    return f"Port {port_value!r} does not apply to {protocol.upper()}; use ALL or leave it empty"


def make_service(protocol: RuleProtocol, port_value: object, loc: Loc) -> Service:
    """Combine a protocol and a port field, refusing ports where they mean nothing.

    Raises:
        RuleValidationError: bad ports, or ports for a protocol without ports.
    """
    spec = read_service(protocol, port_value)
    if isinstance(spec, str):
        if "does not apply" in spec:
            raise RuleValidationError.single(loc, spec, "port_not_applicable")
        raise port_error(spec, loc)
    return Service(protocol, PortSet.of(spec))


def parse_service_entry(value: object, loc: Loc) -> Service:
    """One protocol-port template entry: ``tcp:80``, ``TCP: 8000-8010``, ``udp:53,54``, ``icmp``, ``ALL``.

    Spaces after the colon are accepted (the API writes ``tcp: 8080``); nowhere else.

    Raises:
        RuleValidationError: unknown protocol or bad ports.
    """
    if not isinstance(value, str):
        raise RuleValidationError.single(loc, f"expected an entry such as 'tcp:80', got {value!r}", "service_invalid")
    protocol_text, colon, port_text = value.partition(":")
    protocol = parse_rule_protocol(protocol_text, loc)
    port_text = port_text.lstrip(" ")
    if colon and not port_text:
        raise RuleValidationError.single(loc, f"{value!r} has no ports after the colon; write tcp:80", "port_invalid")
    return make_service(protocol, port_text, loc)
