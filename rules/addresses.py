"""IP addresses, CIDR blocks and address sets, read strictly and compiled to integers.

Grammar (the same everywhere: ``CidrBlock``, ``Ipv6CidrBlock``, group members, address
templates, the flow, iptables ``-s``/``-d``):

* an address is dotted-quad IPv4 (no leading zeros) or IPv6 text, as ``inet_pton``
  reads it; no spaces, no zone (``%eth0``);
* a block is an address with an optional ``/prefix`` (0-32, 0-128, no leading zeros);
  without one it is a single address. Host bits may be set and are cleared, as the API does:
  ``14.71.26.129/1`` is ``0.0.0.0/1`` (addresses 0.0.0.0-127.255.255.255), and
  ``0.0.0.0/8`` is only ``0.0.0.0-0.255.255.255``: a block whose network address is
  0.0.0.0 is not "everything" unless its prefix is ``/0``;
* a range (address templates only) is ``first-last`` of one IP version, low first.

Compiled form. Every address is an integer *key*: an IPv4 address is its 32-bit value,
an IPv6 address is ``IPV6_BASE`` plus its 128-bit value. A block or range is the
inclusive key interval ``(first, last)``, so one comparison ``first <= key <= last``
tests membership and the IP version at once (IPv4 keys never fall in IPv6 intervals).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from rules.errors import Loc, Problem, RuleValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Interval = tuple[int, int]

IPV6_BASE = 1 << 32
MAX_KEY = IPV6_BASE + (1 << 128) - 1
_AF = {4: socket.AF_INET, 6: socket.AF_INET6}
_BITS = {4: 32, 6: 128}
_inet_pton = socket.inet_pton
_from_bytes = int.from_bytes


def _address_key(text: str, version: int) -> int | None:
    """The key of ``text`` read as an address of ``version``, or None."""
    try:
        value = _from_bytes(_inet_pton(_AF[version], text), "big")
    except (OSError, ValueError, TypeError):
        return None
    return value if version == 4 else IPV6_BASE + value


def read_block(text: str, version: int) -> Interval | None:
    """The key interval of block ``text`` of IP ``version``, or None when it is not one.

    The hot path of rule loading: ``inet_pton`` and integer arithmetic, no objects.
    """
    address, slash, length = text.partition("/")
    key = _address_key(address, version)
    if key is None:
        return None
    bits = _BITS[version]
    if not slash:
        return key, key
    if not (length.isdigit() and length.isascii() and len(length) <= 3) or (length[0] == "0" and length != "0"):
        return None  # a prefix is written in decimal without leading zeros, as an address's parts are
    prefix = int(length)
    if prefix > bits:
        return None
    host = (1 << (bits - prefix)) - 1
    first = key & ~host if version == 4 else IPV6_BASE + ((key - IPV6_BASE) & ~host)
    return first, first + host


def version_of(text: str) -> int:
    """4 or 6: which family ``text`` would be read as (IPv6 when it has a colon)."""
    return 6 if ":" in text else 4


def key_of(address: IPAddress) -> int:
    """The key of an ``ipaddress`` address."""
    return int(address) if address.version == 4 else IPV6_BASE + int(address)


def interval_of(network: IPNetwork) -> Interval:
    """The key interval of an ``ipaddress`` network."""
    first = key_of(network.network_address)
    return first, first + network.num_addresses - 1


def network_of(interval: Interval) -> IPNetwork | None:
    """The network an interval is, or None when it is not a CIDR block (a range)."""
    first, last = interval
    if first >= IPV6_BASE:
        low, high, bits = first - IPV6_BASE, last - IPV6_BASE, 128
    else:
        low, high, bits = first, last, 32
    size = high - low + 1
    if size & (size - 1) or low % size:
        return None
    prefix = bits - (size.bit_length() - 1)
    return ipaddress.ip_network((low, prefix)) if bits == 32 else ipaddress.IPv6Network((low, prefix))


def describe_interval(interval: Interval) -> str:
    """An interval as the user would write it: ``10.0.0.0/24``, ``10.0.0.1`` or ``a-b``."""
    network = network_of(interval)
    if network is not None:
        return str(network.network_address) if network.num_addresses == 1 else str(network)
    return f"{_address_text(interval[0])}-{_address_text(interval[1])}"


def _address_text(key: int) -> str:
    return str(ipaddress.IPv4Address(key) if key < IPV6_BASE else ipaddress.IPv6Address(key - IPV6_BASE))


def parse_ip(value: object, loc: Loc) -> IPAddress:
    """One IPv4 or IPv6 address.

    Raises:
        RuleValidationError: ``value`` is not an address (a CIDR block, spaces or a zone are refused too).
    """
    if isinstance(value, str) and _address_key(value, version_of(value)) is not None:
        return ipaddress.ip_address(value)
    raise RuleValidationError.single(
        loc,
        f"{value!r} is not an IPv4 or IPv6 address; write one address such as 203.0.113.7 or 2001:db8::1, "
        "without spaces",
        "ip_invalid",
    )


def block_error(value: object, loc: Loc, family: int | None = None) -> RuleValidationError:
    """The error for a value that is not a block (of ``family``), saying what to write."""
    other_family = 6 if family == 4 else 4
    if isinstance(value, str) and family is not None and read_block(value, other_family) is not None:
        other = "Ipv6CidrBlock" if family == 4 else "CidrBlock"
        return RuleValidationError.single(
            loc, f"{value!r} is an IPv{other_family} block; put it in {other}", "cidr_wrong_version"
        )
    example = "2001:db8::/32 or ::/0" if family == 6 else "10.0.0.0/16 or 0.0.0.0/0"
    return RuleValidationError.single(
        loc, f"{value!r} is not a CIDR block; write it as {example}, without spaces", "cidr_invalid"
    )


def parse_block(value: object, loc: Loc, family: int | None = None) -> Interval:
    """A CIDR block or single address as a key interval; ``family`` (4 or 6) restricts the version.

    Raises:
        RuleValidationError: not a block, or of the other IP version.
    """
    if isinstance(value, str):
        version = version_of(value)
        if family is None or family == version:
            interval = read_block(value, version)
            if interval is not None:
                return interval
    raise block_error(value, loc, family)


def parse_cidr(value: object, loc: Loc, family: int | None = None) -> IPNetwork:
    """A CIDR block or single address as an ``ipaddress`` network (host bits cleared).

    Raises:
        RuleValidationError: not a block, or of the other IP version.
    """
    network = network_of(parse_block(value, loc, family))
    assert network is not None  # a block read from CIDR text is always a network
    return network


@dataclass(frozen=True)
class AddressSet:
    """Blocks and ranges as key intervals; an address belongs if any interval holds it.

    Attributes:
        intervals: Inclusive ``(first, last)`` key intervals (see the module docstring).
    """

    intervals: tuple[Interval, ...] = ()

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return self.holds(key_of(address))

    def holds(self, key: int) -> bool:
        """Whether the address with ``key`` is in the set."""
        return any(first <= key <= last for first, last in self.intervals)

    def __str__(self) -> str:
        return ", ".join(describe_interval(i) for i in self.intervals) or "no addresses"


def parse_address_set(values: object, loc: Loc) -> AddressSet:
    """A list of addresses, blocks or ranges (``a-b``), e.g. group members or a template.

    Raises:
        RuleValidationError: not a list, or any item is not an address, block or range;
            every bad item is named.
    """
    if not isinstance(values, list):
        raise RuleValidationError.single(loc, "expected a list of IP addresses or CIDR blocks", "list_expected")
    intervals: list[Interval] = []
    problems: list[Problem] = []
    for i, item in enumerate(values):
        try:
            if isinstance(item, str) and "-" in item:
                intervals.append(_parse_range(item, (*loc, i)))
            else:
                intervals.append(parse_block(item, (*loc, i)))
        except RuleValidationError as e:
            problems.extend(e.problems)
    if problems:
        raise RuleValidationError(problems)
    return AddressSet(tuple(intervals))


def _parse_range(value: str, loc: Loc) -> Interval:
    low, _, high = value.partition("-")
    first, last = _address_key(low, version_of(low)), _address_key(high, version_of(high))
    if first is None or last is None or (first >= IPV6_BASE) != (last >= IPV6_BASE) or first > last:
        backwards = first is not None and last is not None and (first >= IPV6_BASE) == (last >= IPV6_BASE)
        raise RuleValidationError.single(
            loc,
            f"{value!r} is not a range: write two addresses of one IP version, the lower first, "
            "such as 10.0.0.1-10.0.0.9, without spaces",
            "range_backwards" if backwards else "range_invalid",
        )
    return first, last


# Addresses that never leave the cloud's own network (VPC, loopback, link-local, shared
# address space): carriers' port blocks do not touch traffic with them. Everything else,
# documentation ranges included, is treated as Internet (docs/rules.md, "Carrier blocks").
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
