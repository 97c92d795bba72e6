"""The flows a case asks about: one leg per protocol and port of the target, and the
remote addresses to try.

When the user's own address is known, it is the only remote. Otherwise the question is
"from an address on the Internet" (or, for a source in the VPC, "from a private
address"): a documentation address no rule names stands for "any address", and one
address from each block the rules name is tried too, so a verdict that depends on the
source is seen as such instead of being taken for a yes or a no.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from diagnosis.case import Case, Target
from diagnosis.vocabulary import Direction, Protocol, Service
from rules import Flow, SecurityGroup
from rules.addresses import is_internal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# RFC 5737 documentation addresses stand for "some address on the Internet"; RFC 1918 ones
# for "some private address". The first that no rule's block holds is used.
PUBLIC_STAND_INS = ("203.0.113.200", "198.51.100.200", "192.0.2.200")
PRIVATE_STAND_INS = ("10.0.0.200", "172.16.0.200", "192.168.0.200")
MAX_RULE_PROBES = 24


@dataclass(frozen=True)
class Leg:
    """One protocol and port of the target (port None for ICMP)."""

    protocol: Protocol
    port: int | None

    def label(self) -> str:
        """``TCP 22``, ``ICMP``."""
        return self.protocol.upper() + (f" {self.port}" if self.port is not None else "")

    def flow(self, direction: Direction, remote: IPAddress) -> Flow:
        """The flow of this leg from (ingress) or to (egress) ``remote``."""
        protocol = self.protocol
        if protocol == "icmp" and remote.version == 6:
            return Flow(direction, "icmpv6", None, remote)
        return Flow(direction, protocol, self.port, remote)


def legs_of(target: Target, services: Mapping[str, Service]) -> tuple[Leg, ...]:
    """The target's legs; ICMP as one leg.

    A named service pairs each port with its own protocol (internet access is TCP 80,
    TCP 443 and UDP 53, not every port with both); ports the user gave are taken with
    every protocol of the target.
    """
    service = services.get(target.service or "")
    legs: list[Leg]
    if service is not None and set(target.ports) <= {p.port for p in service.ports}:
        legs = [
            Leg(p.protocol, p.port) for p in service.ports if p.port in target.ports and p.protocol in target.protocols
        ]
    else:
        legs = [Leg(p, port) for port in target.ports for p in target.protocols if p != "icmp"]
    if "icmp" in target.protocols:
        legs.append(Leg("icmp", None))
    return tuple(dict.fromkeys(legs))


def target_text(legs: Sequence[Leg]) -> str:
    """``TCP 22``, ``TCP 80, 443``, ``TCP 53, UDP 53``, ``ICMP``."""
    by_protocol: dict[str, list[str]] = {}
    for leg in legs:
        by_protocol.setdefault(leg.protocol.upper(), []).append(str(leg.port) if leg.port is not None else "")
    parts = [(p + " " + ", ".join(x for x in ports if x)).strip() for p, ports in by_protocol.items()]
    return ", ".join(parts)


@dataclass(frozen=True)
class Probes:
    """The remote addresses to try.

    Attributes:
        preferred: The user's address, or the stand-in for "any address".
        others: One address from each block the rules name (empty when the address is known).
        known: Whether ``preferred`` is the user's own address.
    """

    preferred: IPAddress
    others: tuple[IPAddress, ...]
    known: bool

    @property
    def all(self) -> tuple[IPAddress, ...]:
        """``preferred`` first, then the others."""
        return (self.preferred, *self.others)


def probes_of(case: Case, groups: Sequence[SecurityGroup]) -> Probes:
    """The remotes for ``case``, given the pasted ``groups`` (whose blocks are tried too)."""
    if case.source.address is not None:
        return Probes(ipaddress.ip_address(case.source.address), (), True)
    private = case.source.kind == "vpc"
    blocks = [b for b in _rule_blocks(groups, case.direction) if b.prefixlen > 0 and is_internal_block(b) == private]
    stand_ins = PRIVATE_STAND_INS if private else PUBLIC_STAND_INS
    preferred = next(
        (a for a in map(ipaddress.ip_address, stand_ins) if not any(a in b for b in blocks)),
        ipaddress.ip_address(stand_ins[0]),
    )
    others = tuple(dict.fromkeys(_inside(b) for b in blocks if preferred not in b))[:MAX_RULE_PROBES]
    return Probes(preferred, others, False)


def is_internal_block(block: IPNetwork) -> bool:
    """Whether a block is private (VPC), loopback, link-local or shared address space."""
    return is_internal(block.network_address)


def _inside(block: IPNetwork) -> IPAddress:
    """An address inside ``block`` (its first host)."""
    if block.num_addresses == 1:
        return block.network_address
    return block.network_address + 1


def _rule_blocks(groups: Sequence[SecurityGroup], direction: Direction) -> Iterable[IPNetwork]:
    for group in groups:
        for policy in group.policies(direction):
            block = policy_block(policy.raw)
            if block is not None:
                yield block


def policy_block(raw: object) -> IPNetwork | None:
    """The CIDR block a rule names (``CidrBlock`` or ``Ipv6CidrBlock``), if it names one."""
    if not isinstance(raw, dict):
        return None
    for key in ("CidrBlock", "Ipv6CidrBlock"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            try:
                return ipaddress.ip_network(value, strict=False)
            except ValueError:
                return None
    return None
