"""Hypothesis strategies: valid evaluation requests, built around their flow so that rules often match.

A scenario is a JSON body of ``POST /v1/security-groups/evaluate``. Addresses come from
small pools (so blocks and members overlap the flow's remote), blocks take any prefix
with the host bits as they fall (``14.71.26.129/1``, ``0.0.0.0/8``, /0, /1, /31, /32),
ports come in overlapping ranges and comma lists, and every reference kind appears:
group members, address templates and groups, service templates and groups, some given
and some not. The iptables dumps stay within what iptables-save writes (port options
only after a plain ``-p tcp``/``-p udp``; user chains jump only to later chains).
"""

from __future__ import annotations

import functools
import ipaddress
import random
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

V4 = ["0.0.0.1", "0.255.255.255", "1.2.3.4", "10.0.0.1", "10.0.0.2", "14.71.26.129", "127.0.0.1", "128.0.0.1",
      "203.0.113.9", "255.255.255.255"]  # fmt: skip
V6 = ["::1", "2001:db8::1", "2001:db8::2", "2001:db8:1::5", "fe80::1", "ffff::1"]
PORTS = [1, 22, 53, 80, 443, 8000, 8005, 8010, 65535]
MEMBER_GROUPS = ["sg-m0", "sg-m1"]
ADDRESS_TEMPLATES, ADDRESS_GROUPS = ["ipm-a", "ipm-b", "ipm-c"], ["ipmg-x", "ipmg-y"]
SERVICE_TEMPLATES, SERVICE_GROUPS = ["ppm-a", "ppm-b"], ["ppmg-x"]
SERVICE_ENTRIES = ["tcp:80", "udp:53,54", "tcp:8000-8010", "TCP: 443", "icmp", "ALL", "tcp", "udp:1-100,443"]
ORDERED = {
    4: sorted(V4, key=lambda a: int(ipaddress.ip_address(a))),
    6: sorted(V6, key=lambda a: int(ipaddress.ip_address(a))),
}
SPELLINGS = {"tcp": ["TCP", "tcp"], "udp": ["UDP", "Udp"], "icmp": ["ICMP"], "icmpv6": ["ICMPv6", "icmpv6"],
             "gre": ["GRE"], "all": ["ALL", "all"]}  # fmt: skip


# Strategies are built once: building one (st.one_of above all) costs more than drawing from it.
BOOLS = st.booleans()
PREFIXES = {
    bits: st.one_of(st.sampled_from([0, 1, 8, bits - 1, bits]), st.integers(0, bits), st.none()) for bits in (32, 128)
}
ADDRESS_POOLS = {4: st.sampled_from(V4), 6: st.sampled_from(V6)}
FAMILIES = st.sampled_from([4, 4, 6])
SMALL = {n: st.integers(0, n) for n in (2, 3, 4, 5, 7)}
PAIRS = {len(pool): st.lists(st.integers(0, len(pool) - 1), min_size=2, max_size=2) for pool in (V4, V6)}
ACTIONS = st.sampled_from(["ACCEPT", "DROP", "accept"])
ENTRY_LISTS = st.lists(st.sampled_from(SERVICE_ENTRIES), max_size=2)


@functools.cache
def _pick(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


def pick(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """``st.sampled_from(values)``, built once per distinct list (lists in it become tuples)."""
    return _pick(tuple(tuple(v) if isinstance(v, list) else v for v in values))


@functools.cache
def _pairs(values: tuple[Any, ...]) -> st.SearchStrategy[list[Any]]:
    """Two values of ``values`` (in any order), built once per distinct tuple."""
    return st.lists(st.sampled_from(values), min_size=2, max_size=2)


def family_of(address: str) -> int:
    return 6 if ":" in address else 4


def block(draw: st.DrawFn, family: int, near: str | None = None) -> str:
    """An address (often ``near``) with a prefix of any length, host bits as they fall; or a bare address."""
    pool = V4 if family == 4 else V6
    address = near if near in pool and draw(BOOLS) else draw(ADDRESS_POOLS[family])
    prefix = draw(PREFIXES[32 if family == 4 else 128])
    return address if prefix is None else f"{address}/{prefix}"


def address_entry(draw: st.DrawFn, near: str | None = None) -> str:
    """A member or template entry: an address, a block, or a range low-high."""
    family = draw(FAMILIES)
    if draw(SMALL[4]) == 0:
        ordered = ORDERED[family]
        low, high = sorted(draw(PAIRS[len(ordered)]))
        return f"{ordered[low]}-{ordered[high]}"
    return block(draw, family, near)


def port_spec(draw: st.DrawFn, near: int | None) -> str:
    """ALL, or a comma list of ports and ranges that overlap each other, often around ``near``."""
    pool = [*PORTS, *([near] * 3 if near else [])]

    def one() -> str:
        low, high = sorted(draw(_pairs(tuple(pool))))
        return str(low) if draw(BOOLS) else f"{low}-{high}"

    if draw(SMALL[4]) == 0:
        return draw(pick(["ALL", "all"]))
    return ",".join(one() for _ in range(draw(st.integers(1, 3))))


def template_ref(draw: st.DrawFn, singles: list[str], groups: list[str], keys: tuple[str, str]) -> dict[str, str]:
    use_group = draw(BOOLS)
    chosen = draw(pick(groups if use_group else singles))
    return {keys[0]: "" if use_group else chosen, keys[1]: chosen if use_group else ""}


@st.composite
def policies(draw: st.DrawFn, flow: dict[str, Any]) -> dict[str, Any]:
    """One valid policy: a service (protocol and ports, or a template) and one source."""
    policy: dict[str, Any] = {"Action": draw(ACTIONS)}
    protocol = draw(pick(["tcp", "udp", "icmp", "icmpv6", "gre", "all", "template", *[flow["protocol"]] * 2]))
    if protocol == "template":
        policy["ServiceTemplate"] = template_ref(
            draw, SERVICE_TEMPLATES, SERVICE_GROUPS, ("ServiceId", "ServiceGroupId")
        )
    else:
        policy["Protocol"] = draw(pick(SPELLINGS[protocol]))
        ported = protocol in ("tcp", "udp")
        policy["Port"] = port_spec(draw, flow.get("port")) if ported else draw(pick(["ALL", ""]))
    kinds = ["cidr4", "cidr6", "group", "template", f"cidr{family_of(flow['remote'])}"]
    # Tencent Cloud refuses ICMP with an IPv6 block and ICMPv6 with an IPv4 one.
    kinds = [k for k in kinds if (protocol, k) not in (("icmp", "cidr6"), ("icmpv6", "cidr4"))]
    kind = draw(pick(kinds))
    if kind.startswith("cidr"):
        family = int(kind[-1])
        policy["CidrBlock" if family == 4 else "Ipv6CidrBlock"] = block(draw, family, flow["remote"])
    elif kind == "group":
        policy["SecurityGroupId"] = draw(pick(MEMBER_GROUPS))
    else:
        policy["AddressTemplate"] = template_ref(
            draw, ADDRESS_TEMPLATES, ADDRESS_GROUPS, ("AddressId", "AddressGroupId")
        )
    if draw(BOOLS):  # the fields the API returns for what a policy does not use
        policy = {"Ipv6CidrBlock": "", "SecurityGroupId": "", "ModifyTime": "2024-05-01 10:00:00", **policy}
    return policy


@st.composite
def directions(draw: st.DrawFn, flow: dict[str, Any]) -> list[dict[str, Any]]:
    """Up to 4 policies, with PolicyIndex on all of them (any order, with gaps) or on none."""
    rules = draw(st.lists(policies(flow), max_size=4))
    if rules and draw(BOOLS):
        indexes = draw(st.permutations(list(range(0, 2 * len(rules), 2))))
        rules = [{**rule, "PolicyIndex": index} for rule, index in zip(rules, indexes, strict=False)]
    return rules


@st.composite
def flows(draw: st.DrawFn) -> dict[str, Any]:
    family = draw(pick([4, 4, 6]))
    protocol = draw(pick(["tcp", "tcp", "udp", "icmp" if family == 4 else "icmpv6", "gre"]))
    flow: dict[str, Any] = {
        "direction": draw(pick(["ingress", "egress"])),
        "protocol": protocol,
        "remote": draw(pick(V4 if family == 4 else V6)),
    }
    if protocol in ("tcp", "udp"):
        flow["port"] = draw(pick(PORTS))
    if draw(BOOLS):
        flow["local"] = draw(pick(V4 if family == 4 else V6))
    return flow


def lookup_maps(draw: st.DrawFn, remote: str) -> dict[str, Any]:
    """Some of the members and templates the policies refer to; the others stay unknown."""

    def entries() -> list[str]:
        return [address_entry(draw, remote) for _ in range(draw(SMALL[2]))]

    def some(ids: list[str]) -> list[str]:
        return [i for i in ids if draw(BOOLS)]

    members = {g: entries() for g in some(MEMBER_GROUPS)}
    addresses: dict[str, Any] = {t: entries() for t in some(ADDRESS_TEMPLATES)}
    addresses |= {g: draw(st.lists(pick(ADDRESS_TEMPLATES), max_size=3, unique=True)) for g in some(ADDRESS_GROUPS)}
    services: dict[str, Any] = {t: draw(ENTRY_LISTS) for t in some(SERVICE_TEMPLATES)}
    services |= {g: draw(st.lists(pick(SERVICE_TEMPLATES), max_size=2, unique=True)) for g in some(SERVICE_GROUPS)}
    maps = {"group_members": members, "address_templates": addresses, "service_templates": services}
    return {name: value for name, value in maps.items() if value or draw(BOOLS)}


def bang(draw: st.DrawFn) -> str:
    return "! " if draw(SMALL[3]) == 0 else ""


def iptables_rule(draw: st.DrawFn, flow: dict[str, Any], jumps: list[str], user_chain: bool) -> str:
    """One rule's matches and target, often matching ``flow``."""
    family = family_of(flow["remote"])
    parts: list[str] = []
    protocols = [None, None, flow["protocol"], flow["protocol"], "tcp", "udp", "icmp" if family == 4 else "icmpv6"]
    protocol = draw(pick([*protocols, "all", "6", "17"]))
    ports = protocol in ("tcp", "udp", "6", "17") and draw(BOOLS)
    if protocol is not None:  # port options need a plain -p tcp/udp (iptables refuses them otherwise)
        parts.append(f"{'' if ports else bang(draw)}-p {protocol}")
    if ports:
        name = {"6": "tcp", "17": "udp"}.get(str(protocol), str(protocol))
        near = [flow["port"]] * 3 if "port" in flow else []
        low, high = sorted(draw(_pairs(tuple([*PORTS, *near]))))
        if draw(BOOLS):
            parts.append(f"-m {name} {bang(draw)}--dport {low}" + (f":{high}" if high != low else ""))
        else:
            parts.append(f"-m multiport {bang(draw)}--dports {low},{high},{min(high + 1, 65535)}:65535")
    remote_option = "-s" if flow["direction"] == "ingress" else "-d"
    for option in ("-s", "-d"):
        if draw(SMALL[3]) == 0:
            near = flow["remote"] if option == remote_option else flow.get("local")
            blocks = [block(draw, family, near) for _ in range(draw(st.integers(1, 2)))]
            parts.append(f"{bang(draw) if len(blocks) == 1 else ''}{option} {','.join(blocks)}")
    if draw(SMALL[5]) == 0:
        parts.append(f"{bang(draw)}-i {draw(pick(['lo', 'eth0']))}")
    if draw(SMALL[4]) == 0:
        names = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]
        states = draw(st.lists(pick(names), min_size=1, max_size=3, unique=True))
        module, option = draw(pick([("state", "--state"), ("conntrack", "--ctstate")]))
        parts.append(f"-m {module} {bang(draw)}{option} {','.join(states)}")
    if draw(SMALL[4]) == 0:
        parts.append('-m comment --comment "a rule"')
    targets = ["ACCEPT", "DROP", "REJECT --reject-with icmp-port-unreachable", 'LOG --log-prefix "x: "', *jumps]
    target = draw(pick([*targets, *(["RETURN"] if user_chain else []), None]))  # None: counting only
    return " ".join([*parts, *([f"-j {target}"] if target else [])])


@st.composite
def iptables_dumps(draw: st.DrawFn, flow: dict[str, Any]) -> str:
    """A filter table as iptables-save (or ip6tables-save) writes it, sometimes after a nat table."""
    tool = "ip6tables-save" if family_of(flow["remote"]) == 6 else "iptables-save"
    chains = ["INPUT", "OUTPUT", *draw(pick([[], ["CHK"], ["CHK", "LAST"]]))]
    lines = [f"# Generated by {tool} v1.8.7"]
    if draw(BOOLS):
        lines += [
            "*nat",
            ":PREROUTING ACCEPT [0:0]",
            "-A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80",
            "COMMIT",
        ]
    policy = pick(["ACCEPT", "DROP"])
    lines += ["*filter", f":INPUT {draw(policy)} [0:0]", ":FORWARD ACCEPT [0:0]", f":OUTPUT {draw(policy)} [0:0]"]
    lines += [f":{chain} - [0:0]" for chain in chains[2:]]
    walked = "INPUT" if flow["direction"] == "ingress" else "OUTPUT"
    for _ in range(draw(SMALL[7])):
        chain = draw(pick([*chains, walked, walked]))
        user_chain = chain not in ("INPUT", "OUTPUT")
        jumps = chains[chains.index(chain) + 1 :] if user_chain else chains[2:]
        lines.append(f"-A {chain} " + iptables_rule(draw, flow, jumps, user_chain))
    return "\n".join([*lines, "COMMIT", ""])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """A whole evaluation request: up to 3 groups of up to 4 rules per direction, maps, maybe iptables."""
    flow = draw(flows())
    groups = []
    for i in range(draw(SMALL[3])):
        policy_set = {"Ingress": draw(directions(flow)), "Egress": draw(directions(flow))}
        groups.append({"SecurityGroupId": f"sg-g{i}", "SecurityGroupPolicySet": policy_set})
    request: dict[str, Any] = {"security_groups": groups, "flow": flow, **lookup_maps(draw, flow["remote"])}
    if draw(BOOLS):
        request["iptables_save"] = draw(iptables_dumps(flow))
    if draw(BOOLS):
        request["network_acl"] = draw(network_acls(flow))
    return request


# Reply ports cut the ephemeral range 1024-65535 in several ways (all, part, none of it).
REPLY_PORTS = ["1024-65535", "32768-65535", "1-1023", "1024-30000", "30001-65535", "1-65535", "ALL"]


@st.composite
def acl_entries(draw: st.DrawFn, flow: dict[str, Any]) -> list[dict[str, Any]]:
    """Up to 3 entries of one direction, often matching the flow or its replies; Priority on all or none."""
    family = family_of(flow["remote"])
    entries = []
    for _ in range(draw(SMALL[3])):
        protocol = draw(pick(["TCP", "UDP", "ICMP", "ALL", "all", flow["protocol"].upper(), flow["protocol"].upper()]))
        if protocol.upper() == "ICMPV6" or protocol.upper() == "GRE":
            protocol = "ALL"
        ported = protocol.upper() in ("TCP", "UDP")
        port = draw(pick([*REPLY_PORTS, port_spec(draw, flow.get("port"))])) if ported else draw(pick(["ALL", ""]))
        entry_family = draw(pick([family, family, 4 if family == 6 else 6]))
        anywhere = "0.0.0.0/0" if entry_family == 4 else "::/0"
        address = anywhere if draw(BOOLS) else block(draw, entry_family, flow["remote"])
        entry = {
            "Protocol": protocol,
            "Port": port,
            "CidrBlock": address if entry_family == 4 else "",
            "Ipv6CidrBlock": address if entry_family == 6 else "",
            "Action": draw(pick(["ACCEPT", "ACCEPT", "DROP", "accept"])),
            "Description": "",
        }
        entries.append(entry)
    if entries and draw(BOOLS):
        priorities = draw(st.permutations(list(range(1, len(entries) + 1))))
        entries = [{**e, "Priority": p} for e, p in zip(entries, priorities, strict=True)]
    return entries


@st.composite
def network_acls(draw: st.DrawFn, flow: dict[str, Any]) -> dict[str, Any]:
    """A subnet's ACL as DescribeNetworkAcls returns it, or the NetworkAclEntrySet shape."""
    ingress, egress = draw(acl_entries(flow)), draw(acl_entries(flow))
    if draw(SMALL[4]) == 0:
        return {"NetworkAclEntrySet": {"Ingress": ingress, "Egress": egress}}
    return {
        "VpcId": "vpc-test0001",
        "NetworkAclId": "acl-test0001",
        "IngressEntries": ingress,
        "EgressEntries": egress,
        "NetworkAclType": "TRIPLE",
        "SubnetSet": [],
    }


def supply(missing: tuple[str, ...], rnd: random.Random) -> dict[str, dict[str, Any]]:
    """Contents for everything ``missing`` lists (a template group comes with its templates)."""

    def addresses() -> list[str]:
        return [rnd.choice([rnd.choice(V4), f"{rnd.choice(V4)}/{rnd.randint(0, 32)}", rnd.choice(V6)])
                for _ in range(rnd.randint(0, 2))]  # fmt: skip

    def services() -> list[str]:
        return rnd.sample(SERVICE_ENTRIES, rnd.randint(0, 2))

    maps: dict[str, dict[str, Any]] = {}
    for item in missing:
        name, _, key = item.rstrip("]").partition("[")
        entries = maps.setdefault(name, {})
        if name == "group_members" or key.startswith("ipm-"):
            entries[key] = addresses()
        elif key.startswith("ppm-"):
            entries[key] = services()
        else:
            single = "ipm-" if key.startswith("ipmg-") else "ppm-"
            entries[key] = [f"{single}new{i}" for i in range(rnd.randint(0, 2))]
            for member in entries[key]:
                entries[member] = addresses() if single == "ipm-" else services()
    return maps
