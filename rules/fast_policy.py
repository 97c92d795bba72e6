"""The loader's fast path: policies of the common, well-formed shape, compiled in one loop.

Most policies are Tencent Cloud's own output: an IPv4 ``CidrBlock``, ``Protocol`` and
``Port`` as text, ``Action``, an integer ``PolicyIndex``, and the other source and
template fields empty or absent. :func:`compile_common` compiles exactly that shape with
dict look-ups, the port cache and ``inet_pton``, in one loop without a call per policy
(a group may hold 1,000), and hands every other policy to
:func:`rules.policy_reader.read_policy`: the reference reading, which also says what is
wrong. The fast path never accepts what ``read_policy`` refuses and compiles what it
accepts to the same row; tests/rules/test_fast_policy.py holds it to that.
"""

from __future__ import annotations

import socket
from typing import Any

from rules.policies import Row
from rules.policy_reader import KNOWN_FIELDS
from rules.services import ALL_PORTS_SPEC, PORT_SPEC_CACHE, PROTOCOL_BITS, PROTOCOL_SPELLINGS

_ACTIONS = {"ACCEPT", "accept", "DROP", "drop"}
# What the API writes for "no such source / template" (also when the field is left out).
_ABSENT = (None, "")
_NO_ADDRESS_TEMPLATE = (None, "", {"AddressId": "", "AddressGroupId": ""})
_NO_SERVICE_TEMPLATE = (None, "", {"ServiceId": "", "ServiceGroupId": ""})
_PREFIXES = {str(prefix): (1 << (32 - prefix)) - 1 for prefix in range(33)}  # "24" -> host bits
_PORTED = frozenset({"tcp", "udp"})


def compile_common(items: list[Any]) -> tuple[list[Row | None], list[int | None], list[int]]:
    """Rows and ``PolicyIndex`` values by slot, and the slots left for the full reader.

    A slot left for the full reader has None in both lists.
    """
    count = len(items)
    rows: list[Row | None] = [None] * count
    indexes: list[int | None] = [None] * count
    others: list[int] = []
    spellings, specs, known, prefixes, bits = (
        PROTOCOL_SPELLINGS,
        PORT_SPEC_CACHE,
        KNOWN_FIELDS,
        _PREFIXES,
        PROTOCOL_BITS,
    )
    every_port, ported, actions, pton, af_inet = ALL_PORTS_SPEC, _PORTED, _ACTIONS, socket.inet_pton, socket.AF_INET
    from_bytes = int.from_bytes  # big-endian by default
    for slot, raw in enumerate(items):
        # One expression per test keeps this loop free of calls; anything unusual (an
        # unhashable value, a bad address, a prefix like "08") raises or fails a test and
        # goes to the full reader.
        try:
            get = raw.get
            action = get("Action")
            protocol = spellings.get(get("Protocol"))
            port = get("Port")
            spec = every_port if port is None else specs.get(port)
            index = get("PolicyIndex")
            cidr = get("CidrBlock")
            if (
                action not in actions
                or protocol is None
                or spec.__class__ is not tuple
                or (index is not None and (index.__class__ is not int or index < 0))
                or cidr.__class__ is not str
                or not (raw.keys() <= known)
                or (spec != every_port and protocol not in ported)
                or protocol == "icmpv6"
            ):
                others.append(slot)
                continue
            if (
                get("Ipv6CidrBlock") not in _ABSENT
                or get("SecurityGroupId") not in _ABSENT
                or get("AddressTemplate") not in _NO_ADDRESS_TEMPLATE
                or get("ServiceTemplate") not in _NO_SERVICE_TEMPLATE
            ):
                others.append(slot)
                continue
            address, slash, length = cidr.partition("/")
            key = from_bytes(pton(af_inet, address))
            host = prefixes[length] if slash else 0
        except (AttributeError, KeyError, OSError, TypeError, ValueError):
            others.append(slot)
            continue
        first = key & ~host
        low, high, ranges = spec
        rows[slot] = (first, first | host, bits[protocol], low, high, ranges, 0, slot)
        indexes[slot] = index
    return rows, indexes, others
