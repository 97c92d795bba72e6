"""The traffic being asked about: direction, protocol, port and the remote address.

``{"direction": "ingress"|"egress", "protocol": "tcp"|"udp"|"icmp"|"icmpv6"|"gre",
"port": 1-65535, "remote": "<address>", "local": "<address>"}`` — lowercase words, a JSON
integer port, addresses without spaces; any other field is refused (a misspelt field
would otherwise be silently ignored). Only ``ingress`` and ``egress`` are directions:
``inbound``/``in``/``outbound`` are not accepted.

``port`` is the destination port: the instance's port for ingress, the remote
service's port for egress (the meaning of ``Port`` in Tencent Cloud rules for both
directions). It is required for TCP and UDP and refused for the other protocols.
``remote`` is the other end (the source for ingress, the destination for egress);
``local`` (the instance's own address) is optional and only used by iptables rules
that match on it. The question is always about the first packet of a new connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from rules.addresses import IPAddress, key_of, parse_ip
from rules.errors import Loc, ProblemCollector, RuleValidationError, json_text
from rules.policies import Direction
from rules.services import FLOW_PROTOCOLS, PORTED, PROTOCOL_BITS, FlowProtocol, parse_port_number

DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")
FLOW_FIELDS = ("direction", "protocol", "port", "remote", "local")
REQUIRED_FIELDS = {
    "direction": "ingress or egress",
    "protocol": "tcp, udp, icmp, icmpv6 or gre",
    "remote": "the other end's IP address",
}
T = TypeVar("T")


def parse_direction(value: object, loc: Loc) -> Direction:
    """``ingress`` or ``egress``, lowercase.

    Raises:
        RuleValidationError: anything else (aliases such as ``inbound`` too).
    """
    if value == "ingress":
        return "ingress"
    if value == "egress":
        return "egress"
    raise RuleValidationError.single(
        loc,
        f"direction must be ingress or egress (traffic to or from the instance; aliases such as inbound are "
        f"not accepted), got {json_text(value)}",
        "direction_invalid",
    )


def parse_flow_protocol(value: object, loc: Loc) -> FlowProtocol:
    """A flow's protocol: tcp, udp, icmp, icmpv6 or gre, lowercase.

    Raises:
        RuleValidationError: anything else (``all`` too: a flow has one protocol).
    """
    for protocol in FLOW_PROTOCOLS:
        if value == protocol:
            return protocol
    raise RuleValidationError.single(
        loc,
        f"protocol must be one of tcp, udp, icmp, icmpv6, gre (lowercase); got {json_text(value)}",
        "protocol_invalid",
    )


@dataclass(frozen=True)
class Flow:
    """One direction of traffic between the instance and a remote address.

    Attributes:
        direction, protocol, port, remote, local: As given (``port`` None for ICMP/GRE).
        key: ``remote`` as an address key (see :mod:`rules.addresses`).
        bit: ``protocol`` as a protocol bit (see :mod:`rules.services`).
        port_key: ``port``, or 0 for protocols without ports.
    """

    direction: Direction
    protocol: FlowProtocol
    port: int | None
    remote: IPAddress
    local: IPAddress | None = None
    key: int = field(init=False, compare=False, repr=False)
    bit: int = field(init=False, compare=False, repr=False)
    port_key: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", key_of(self.remote))
        object.__setattr__(self, "bit", PROTOCOL_BITS[self.protocol])
        object.__setattr__(self, "port_key", self.port or 0)

    def __str__(self) -> str:
        shown = "ICMPv6" if self.protocol == "icmpv6" else self.protocol.upper()
        what = shown + (f" port {self.port}" if self.port is not None else "")
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
    for key in raw:
        if key not in FLOW_FIELDS:
            problems.add((*loc, key), f"unknown field {key!r}; a flow has {', '.join(FLOW_FIELDS)}", "unknown_field")
    for name, what in REQUIRED_FIELDS.items():
        if raw.get(name) is None:
            problems.add((*loc, name), f"Field required: give {name}, {what}", "missing")
    direction = _attempt(problems, parse_direction, raw, "direction", loc)
    protocol = _attempt(problems, parse_flow_protocol, raw, "protocol", loc)
    remote = _attempt(problems, parse_ip, raw, "remote", loc)
    local = problems.attempt(parse_ip, raw["local"], (*loc, "local")) if raw.get("local") is not None else None
    port = problems.attempt(lambda v, at: _flow_port(v, protocol, at), raw.get("port"), (*loc, "port"))
    problems.raise_if_any()
    assert direction is not None and protocol is not None and remote is not None
    _check_family(protocol, remote, local, loc)
    return Flow(direction, protocol, port, remote, local)


def _attempt(
    problems: ProblemCollector, reader: Callable[[object, Loc], T], raw: Mapping[str, object], name: str, loc: Loc
) -> T | None:
    value = raw.get(name)
    return None if value is None else problems.attempt(reader, value, (*loc, name))


def _flow_port(value: object, protocol: FlowProtocol | None, loc: Loc) -> int | None:
    if protocol is None:
        return None
    if protocol in PORTED:
        if value is None:
            raise RuleValidationError.single(loc, f"{protocol.upper()} needs a port (1-65535)", "missing")
        return parse_port_number(value, loc, text_allowed=False)
    if value is not None:
        raise RuleValidationError.single(loc, f"{protocol.upper()} has no ports; leave port out", "port_not_applicable")
    return None


def _check_family(protocol: FlowProtocol, remote: IPAddress, local: IPAddress | None, loc: Loc) -> None:
    if protocol == "icmp" and remote.version == 6:
        raise RuleValidationError.single(
            (*loc, "protocol"), "ICMP to an IPv6 address is ICMPv6; use protocol icmpv6", "protocol_family"
        )
    if protocol == "icmpv6" and remote.version == 4:
        raise RuleValidationError.single(
            (*loc, "protocol"), "ICMPv6 needs an IPv6 remote address; use icmp for IPv4", "protocol_family"
        )
    if local is not None and local.version != remote.version:
        raise RuleValidationError.single(
            (*loc, "local"), "local and remote must be of one IP version", "protocol_family"
        )
