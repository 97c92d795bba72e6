"""Protocols and port specifications as Tencent Cloud writes them.

Rules carry ``Protocol`` (``TCP``, ``udp``, ``ICMP``, ``ICMPv6``, ``GRE``, ``ALL``, any
case) and ``Port`` (``ALL``/``all``, ``80``, ``8000-8010`` or ``80,443``; a list may mix
ports and ranges). Protocol-port templates hold entries such as ``tcp:80``,
``TCP: 8080`` or ``icmp``. Ports only apply to TCP and UDP; for the other protocols
``Port`` must be empty or ``ALL``, because a port on an ICMP rule means nothing and
would otherwise be silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.errors import Loc, RuleValidationError

RuleProtocol = Literal["tcp", "udp", "icmp", "icmpv6", "gre", "all"]
FlowProtocol = Literal["tcp", "udp", "icmp", "icmpv6", "gre"]
RULE_PROTOCOLS: tuple[RuleProtocol, ...] = ("tcp", "udp", "icmp", "icmpv6", "gre", "all")
FLOW_PROTOCOLS: tuple[FlowProtocol, ...] = ("tcp", "udp", "icmp", "icmpv6", "gre")
PORTED: frozenset[str] = frozenset({"tcp", "udp"})
MIN_PORT, MAX_PORT = 1, 65535


def parse_rule_protocol(value: object, loc: Loc) -> RuleProtocol:
    """A rule's ``Protocol`` in any case.

    Raises:
        RuleValidationError: not one of TCP, UDP, ICMP, ICMPv6, GRE, ALL.
    """
    text = value.strip().lower() if isinstance(value, str) else None
    for protocol in RULE_PROTOCOLS:
        if text == protocol:
            return protocol
    raise RuleValidationError.single(
        loc, f"unknown protocol {value!r}; use TCP, UDP, ICMP, ICMPv6, GRE or ALL", "protocol_invalid"
    )


def parse_port_number(value: object, loc: Loc) -> int:
    """One port, 1..65535, given as a number or as digits.

    Raises:
        RuleValidationError: not a whole number, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleValidationError.single(loc, f"expected a port number 1-65535, got {value!r}", "port_invalid")
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or not text.isascii():
        raise RuleValidationError.single(
            loc, f"{value!r} is not a port number; use a whole number 1-65535", "port_invalid"
        )
    port = int(text)
    if not MIN_PORT <= port <= MAX_PORT:
        raise RuleValidationError.single(loc, f"port {port} is out of range; use 1-65535", "port_out_of_range")
    return port


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


ALL_PORTS = PortSet(None)


def parse_port_spec(value: object, loc: Loc) -> PortSet:
    """A rule's ``Port``: empty/``ALL`` (every port), ``80``, ``8000-8010``, ``80,443,8000-8010``.

    Raises:
        RuleValidationError: a part is not a port or range, or out of 1..65535.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "all")):
        return ALL_PORTS
    if isinstance(value, int) and not isinstance(value, bool):
        port = parse_port_number(value, loc)
        return PortSet(((port, port),))
    if not isinstance(value, str):
        raise RuleValidationError.single(loc, f"expected ALL, a port, a range or a list, got {value!r}", "port_invalid")
    ranges: list[tuple[int, int]] = []
    for part in value.split(","):
        low_text, dash, high_text = part.partition("-")
        if not part.strip() or (dash and not high_text.strip()):
            raise RuleValidationError.single(
                loc, f"{value!r} is not a port list; write 80, 8000-8010 or 80,443", "port_invalid"
            )
        low = parse_port_number(low_text, loc)
        high = parse_port_number(high_text, loc) if dash else low
        if low > high:
            raise RuleValidationError.single(
                loc, f"range {part.strip()!r} runs backwards; write the low port first", "port_invalid"
            )
        ranges.append((low, high))
    return PortSet(tuple(ranges))


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
            return self.protocol.upper()
        return f"{self.protocol.upper()} {self.ports}"


def make_service(protocol: RuleProtocol, port_value: object, loc: Loc) -> Service:
    """Combine a protocol and a port field, refusing ports where they mean nothing.

    Raises:
        RuleValidationError: a port is given for a protocol without ports.
    """
    ports = parse_port_spec(port_value, loc)
    if protocol not in PORTED and ports.ranges is not None:
        raise RuleValidationError.single(
            loc,
            f"Port {port_value!r} does not apply to {protocol.upper()}; use ALL or leave it empty",
            "port_not_applicable",
        )
    return Service(protocol, ports)


def parse_service_entry(value: object, loc: Loc) -> Service:
    """One protocol-port template entry: ``tcp:80``, ``TCP: 8000-8010``, ``udp:53,54``, ``icmp``, ``ALL``.

    Raises:
        RuleValidationError: unknown protocol or bad ports.
    """
    if not isinstance(value, str):
        raise RuleValidationError.single(loc, f"expected an entry such as 'tcp:80', got {value!r}", "service_invalid")
    protocol_text, _, port_text = value.partition(":")
    return make_service(parse_rule_protocol(protocol_text, loc), port_text, loc)
