"""The traffic being asked about: direction, protocol, port and the remote address.

``port`` is the destination port: the instance's port for ingress, the remote
service's port for egress (the meaning of ``Port`` in Tencent Cloud rules for both
directions). It is required for TCP and UDP and refused for the other protocols.
``remote`` is the other end (the source for ingress, the destination for egress);
``local`` (the instance's own address) is optional and only used by iptables rules
that match on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rules.addresses import IPAddress, parse_ip
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.policies import Direction
from rules.services import FLOW_PROTOCOLS, PORTED, FlowProtocol, parse_port_number

DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")


def parse_direction(value: object, loc: Loc) -> Direction:
    """``ingress`` or ``egress`` (any case; ``inbound``/``outbound`` are accepted too).

    Raises:
        RuleValidationError: anything else.
    """
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("ingress", "inbound", "in"):
        return "ingress"
    if text in ("egress", "outbound", "out"):
        return "egress"
    raise RuleValidationError.single(loc, f"direction must be ingress or egress, got {value!r}", "direction_invalid")


def parse_flow_protocol(value: object, loc: Loc) -> FlowProtocol:
    """A flow's protocol: tcp, udp, icmp, icmpv6 or gre, any case.

    Raises:
        RuleValidationError: anything else (``all`` too: a flow has one protocol).
    """
    text = value.strip().lower() if isinstance(value, str) else None
    for protocol in FLOW_PROTOCOLS:
        if text == protocol:
            return protocol
    raise RuleValidationError.single(
        loc, f"protocol must be one of tcp, udp, icmp, icmpv6, gre; got {value!r}", "protocol_invalid"
    )


@dataclass(frozen=True)
class Flow:
    """One direction of traffic between the instance and a remote address."""

    direction: Direction
    protocol: FlowProtocol
    port: int | None
    remote: IPAddress
    local: IPAddress | None = None

    def __str__(self) -> str:
        what = self.protocol.upper() + (f" port {self.port}" if self.port is not None else "")
        way = "from" if self.direction == "ingress" else "to"
        return f"{self.direction} {what} {way} {self.remote}"


def parse_flow(raw: object, loc: Loc = ("flow",)) -> Flow:
    """Validate a flow object ``{"direction", "protocol", "port", "remote", "local"?}``.

    Raises:
        RuleValidationError: naming every bad field.
    """
    if not isinstance(raw, Mapping):
        raise RuleValidationError.single(loc, "expected a flow object", "object_expected")
    problems = ProblemCollector()
    direction = problems.attempt(parse_direction, raw.get("direction"), (*loc, "direction"))
    protocol = problems.attempt(parse_flow_protocol, raw.get("protocol"), (*loc, "protocol"))
    remote = problems.attempt(parse_ip, raw.get("remote"), (*loc, "remote"))
    local = problems.attempt(parse_ip, raw["local"], (*loc, "local")) if raw.get("local") is not None else None
    problems.raise_if_any()
    assert direction is not None and protocol is not None and remote is not None
    port = _flow_port(raw.get("port"), protocol, (*loc, "port"))
    _check_family(protocol, remote, (*loc, "protocol"))
    return Flow(direction, protocol, port, remote, local)


def _flow_port(value: object, protocol: FlowProtocol, loc: Loc) -> int | None:
    if protocol in PORTED:
        if value is None:
            raise RuleValidationError.single(loc, f"{protocol.upper()} needs a port (1-65535)", "missing")
        return parse_port_number(value, loc)
    if value is not None:
        raise RuleValidationError.single(loc, f"{protocol.upper()} has no ports; leave port out", "port_not_applicable")
    return None


def _check_family(protocol: FlowProtocol, remote: IPAddress, loc: Loc) -> None:
    if protocol == "icmp" and remote.version == 6:
        raise RuleValidationError.single(
            loc, "ICMP to an IPv6 address is ICMPv6; use protocol icmpv6", "protocol_family"
        )
    if protocol == "icmpv6" and remote.version == 4:
        raise RuleValidationError.single(
            loc, "ICMPv6 needs an IPv6 remote address; use icmp for IPv4", "protocol_family"
        )
