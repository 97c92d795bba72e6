"""IP addresses, CIDR blocks and address sets, read leniently from Tencent Cloud data.

Lenient means: surrounding spaces are ignored, a bare address is a /32 (or /128)
block, host bits may be set (``10.0.0.5/24`` is ``10.0.0.0/24``), and, as Tencent
Cloud documents for ``CidrBlock``, ``0.0.0.0/n`` means ``0.0.0.0/0``. Anything else
that is not an address is rejected with the field named.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from rules.errors import Loc, Problem, RuleValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: object, loc: Loc) -> IPAddress:
    """One IPv4 or IPv6 address.

    Raises:
        RuleValidationError: ``value`` is not an address (a CIDR block is refused too).
    """
    if not isinstance(value, str) or not value.strip():
        raise RuleValidationError.single(
            loc, f"expected an IP address such as 203.0.113.7, got {value!r}", "ip_invalid"
        )
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError as e:
        raise RuleValidationError.single(
            loc,
            f"{value!r} is not an IPv4 or IPv6 address; write one address such as 203.0.113.7 or 2001:db8::1",
            "ip_invalid",
        ) from e


def parse_cidr(value: object, loc: Loc, family: int | None = None) -> IPNetwork:
    """A CIDR block or single address; ``family`` (4 or 6) restricts the version.

    Raises:
        RuleValidationError: not a block, or of the other IP version.
    """
    if not isinstance(value, str) or not value.strip():
        raise RuleValidationError.single(
            loc, f"expected a CIDR block such as 10.0.0.0/16, got {value!r}", "cidr_invalid"
        )
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError as e:
        raise RuleValidationError.single(
            loc, f"{value!r} is not a CIDR block; write it as 10.0.0.0/16, 0.0.0.0/0 or ::/0", "cidr_invalid"
        ) from e
    if family is not None and network.version != family:
        other = "Ipv6CidrBlock" if network.version == 6 else "CidrBlock"
        raise RuleValidationError.single(
            loc, f"{value!r} is an IPv{network.version} block; put it in {other}", "cidr_wrong_version"
        )
    if network.version == 4 and int(network.network_address) == 0:
        # Tencent Cloud maps every 0.0.0.0/n to 0.0.0.0/0.
        return ipaddress.IPv4Network("0.0.0.0/0")
    return network


@dataclass(frozen=True)
class AddressRange:
    """An inclusive range of addresses, as address templates allow (``10.0.0.1-10.0.0.9``)."""

    first: IPAddress
    last: IPAddress

    def __contains__(self, address: IPAddress) -> bool:
        return address.version == self.first.version and self.first <= address <= self.last  # type: ignore[operator]


@dataclass(frozen=True)
class AddressSet:
    """Blocks and ranges; an address belongs if any of them holds it."""

    networks: tuple[IPNetwork, ...] = ()
    ranges: tuple[AddressRange, ...] = ()

    def __contains__(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.networks) or any(
            address in r for r in self.ranges
        )


def parse_address_set(values: object, loc: Loc) -> AddressSet:
    """A list of addresses, blocks or ranges (``a-b``), e.g. group members or a template.

    Raises:
        RuleValidationError: not a list, or any item is not an address, block or range;
            every bad item is named.
    """
    if not isinstance(values, list):
        raise RuleValidationError.single(loc, "expected a list of IP addresses or CIDR blocks", "list_expected")
    networks: list[IPNetwork] = []
    ranges: list[AddressRange] = []
    problems: list[Problem] = []
    for i, item in enumerate(values):
        try:
            if isinstance(item, str) and "-" in item:
                ranges.append(_parse_range(item, (*loc, i)))
            else:
                networks.append(parse_cidr(item, (*loc, i)))
        except RuleValidationError as e:
            problems.extend(e.problems)
    if problems:
        raise RuleValidationError(problems)
    return AddressSet(tuple(networks), tuple(ranges))


def _parse_range(value: str, loc: Loc) -> AddressRange:
    low, _, high = value.partition("-")
    first, last = parse_ip(low, loc), parse_ip(high, loc)
    if first.version != last.version or first > last:  # type: ignore[operator]
        raise RuleValidationError.single(
            loc,
            f"{value!r} is not a range: write the lower address first, both of the same IP version",
            "range_invalid",
        )
    return AddressRange(first, last)


# Addresses that never leave the cloud's own network (VPC, loopback, link-local, shared
# address space): carriers' port blocks do not touch traffic with them. Everything else,
# documentation ranges included, is treated as Internet.
INTERNAL_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


def is_internal(address: IPAddress) -> bool:
    """Whether ``address`` is a private (VPC), loopback, link-local or shared address."""
    return any(address.version == n.version and address in n for n in INTERNAL_NETWORKS)


def union(sets: Iterable[AddressSet]) -> AddressSet:
    """One set holding every address of ``sets``."""
    networks: list[IPNetwork] = []
    ranges: list[AddressRange] = []
    for s in sets:
        networks.extend(s.networks)
        ranges.extend(s.ranges)
    return AddressSet(tuple(networks), tuple(ranges))
