"""Properties: on arbitrary input, loading raises only RuleValidationError, and evaluation
never raises and always gives the same answer."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rules import RuleEngine, RuleValidationError

PROTOCOLS = st.sampled_from(["TCP", "udp", "ICMP", "ICMPv6", "GRE", "ALL", "all", "sctp", "", None, 6])
PORTS = st.one_of(
    st.sampled_from(["ALL", "all", "", "22", "80,443", "8000-8010", "0", "65536", "a-b", "10-1", " 1 , 2-3 "]),
    st.integers(-5, 70000),
    st.none(),
)
CIDRS = st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "203.0.113.7", "::/0", "2001:db8::/32", "bad", "1.2.3.4/40", ""])
IDS = st.sampled_from(["sg-a", "sg-b", "sg-x", "", None])
TEMPLATES = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"AddressId": st.sampled_from(["", "ipm-1", "ipm-2"]), "AddressGroupId": st.sampled_from(["", "ipmg-1"])}
    ),
    st.just("ipm-1"),
)
SERVICES = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"ServiceId": st.sampled_from(["", "ppm-1"]), "ServiceGroupId": st.sampled_from(["", "ppmg-1"])}
    ),
)


@st.composite
def valid_policies(draw: st.DrawFn) -> dict[str, Any]:
    """Well-formed policies: one source, a protocol with fitting ports or a service template."""
    protocol = draw(st.sampled_from(["TCP", "udp", "ICMP", "ICMPv6", "GRE", "ALL", None]))
    sources: list[dict[str, Any]] = [
        {"SecurityGroupId": "sg-x"},
        {"SecurityGroupId": "sg-a"},
        {"AddressTemplate": {"AddressId": "ipm-1", "AddressGroupId": ""}},
        {"AddressTemplate": {"AddressId": "", "AddressGroupId": "ipmg-1"}},
    ]
    if protocol != "ICMPv6":  # Tencent Cloud refuses ICMPv6 with an IPv4 block, and ICMP with an IPv6 one
        sources += [{"CidrBlock": "0.0.0.0/0"}, {"CidrBlock": "10.0.0.0/8"}, {"CidrBlock": "203.0.113.0/28"}]
    if protocol != "ICMP":
        sources += [{"Ipv6CidrBlock": "::/0"}, {"Ipv6CidrBlock": "2001:db8::/32"}]
    source = draw(st.sampled_from(sources))
    if protocol is None:
        service: dict[str, Any] = {"ServiceTemplate": {"ServiceId": "", "ServiceGroupId": "ppmg-1"}}
    elif protocol.lower() in ("tcp", "udp"):
        service = {"Protocol": protocol, "Port": draw(st.sampled_from(["ALL", "22", "80,443", "1-1024", "53"]))}
    else:
        service = {"Protocol": protocol, "Port": "ALL"}
    action = draw(st.sampled_from(["ACCEPT", "DROP", "accept"]))
    return {**source, **service, "Action": action}


def with_indexes(policies: list[dict[str, Any]], indexes: list[int] | None) -> list[dict[str, Any]]:
    """PolicyIndex on every policy (distinct, in any order) or on none, as a valid group has them."""
    if indexes is None:
        return policies
    return [{**p, "PolicyIndex": i} for p, i in zip(policies, indexes, strict=False)]


def indexed_lists(policy: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.builds(
        with_indexes,
        st.lists(policy, max_size=5),
        st.one_of(st.none(), st.permutations(list(range(5)))),
    )


@st.composite
def fuzzed_policies(draw: st.DrawFn) -> dict[str, Any]:
    """Any subset of fields with values good and bad."""
    candidates: dict[str, Any] = {
        "Protocol": draw(PROTOCOLS),
        "Port": draw(PORTS),
        "CidrBlock": draw(CIDRS),
        "Ipv6CidrBlock": draw(CIDRS),
        "SecurityGroupId": draw(IDS),
        "AddressTemplate": draw(TEMPLATES),
        "ServiceTemplate": draw(SERVICES),
        "Action": draw(st.sampled_from(["ACCEPT", "drop", "DROP", "allow", None])),
        "PolicyIndex": draw(st.one_of(st.integers(0, 9), st.just("x"), st.none())),
    }
    keys = draw(st.sets(st.sampled_from(sorted(candidates))))
    return {k: candidates[k] for k in keys}


def groups_of(policy: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    group = st.fixed_dictionaries(
        {
            "SecurityGroupPolicySet": st.fixed_dictionaries(
                {"Ingress": indexed_lists(policy), "Egress": indexed_lists(policy)}
            ),
        }
    )
    # Distinct ids, as a caller lists each group once.
    return st.lists(group, max_size=3).map(lambda gs: [{"SecurityGroupId": f"sg-{i}", **g} for i, g in enumerate(gs)])


VALID_FLOWS = st.one_of(
    st.fixed_dictionaries(
        {
            "direction": st.sampled_from(["ingress", "egress"]),
            "protocol": st.sampled_from(["tcp", "udp"]),
            "port": st.sampled_from([22, 25, 53, 80, 443, 445, 137, 8080, 65535]),
            "remote": st.sampled_from(["203.0.113.7", "10.0.0.5", "2001:db8::1", "1.1.1.1"]),
        }
    ),
    st.fixed_dictionaries(
        {"direction": st.just("ingress"), "protocol": st.just("icmp"), "remote": st.just("10.0.0.5")}
    ),
)
FUZZED_FLOWS = st.fixed_dictionaries(
    {
        "direction": st.sampled_from(["ingress", "egress", "up"]),
        "protocol": st.sampled_from(["tcp", "udp", "icmp", "icmpv6", "gre", "all"]),
        "port": st.one_of(st.none(), st.integers(0, 70000), st.just("x")),
        "remote": st.sampled_from(["203.0.113.7", "10.0.0.5", "2001:db8::1", "::1", "nope"]),
    }
)
VALID_MAPS = st.fixed_dictionaries(
    {
        "group_members": st.one_of(st.none(), st.just({"sg-x": ["203.0.113.7", "10.0.0.0/24"], "sg-a": []})),
        "address_templates": st.one_of(st.none(), st.just({"ipm-1": ["10.0.0.0/8"], "ipmg-1": ["ipm-1", "ipm-9"]})),
        "service_templates": st.one_of(st.none(), st.just({"ppm-1": ["tcp:22", "udp:53-60"], "ppmg-1": ["ppm-1"]})),
    }
)
FUZZED_MAPS = st.fixed_dictionaries(
    {
        "group_members": st.one_of(
            st.none(), st.dictionaries(IDS.filter(bool), st.one_of(st.lists(CIDRS, max_size=3), CIDRS), max_size=2)
        ),
        "address_templates": st.one_of(st.none(), st.just({"ipm-1": ["10.0.0.1-10.0.0.0"]}), st.just({"ipmg-1": "x"})),
        "service_templates": st.one_of(st.none(), st.just({"ppm-1": ["tcp:0"]}), st.just({"ppm-1": ["icmp:8"]})),
    }
)
VALID_IPTABLES_LINES = st.sampled_from(
    [
        "-A INPUT -p tcp --dport 22 -j ACCEPT",
        "-A INPUT -j CHK",
        "-A CHK -s 10.0.0.0/8 -j RETURN",
        "-A CHK -j DROP",
        "-A INPUT -m state --state ESTABLISHED -j ACCEPT",
        "-A OUTPUT -p tcp --dport 25 -j REJECT",
        "-A INPUT -p udp -m multiport --dports 53,123:130 -j ACCEPT",
        "-A INPUT ! -i lo -p tcp --sport 80 -j DROP",
        "-A INPUT -i eth0 -j DROP",
        "-A INPUT -g CHK",
        "-A INPUT -s 10.0.0.1 -j LOG --log-prefix x",
    ]
)
FUZZED_IPTABLES_LINES = st.one_of(
    VALID_IPTABLES_LINES,
    st.sampled_from(
        [
            "-A CHK -j CHK",
            "garbage",
            "-A INPUT -p tcp --dport 99999 -j ACCEPT",
            "-A OUTPUT -d ::/0 -j REJECT",
            "-A NOPE -j ACCEPT",
            '-A INPUT -m comment --comment "x',
        ]
    ),
)


def _dump(lines: list[str] | None) -> str | None:
    if lines is None:
        return None
    return "\n".join(["*filter", ":INPUT DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":CHK - [0:0]", *lines, "COMMIT"])


def _check(engine: RuleEngine, groups: Any, flow: Any, maps: dict[str, Any], ipt: str | None) -> str:
    first = engine.evaluate_request(groups, flow, iptables_save=ipt, **maps)
    assert first == engine.evaluate_request(groups, flow, iptables_save=ipt, **maps)  # deterministic
    assert first.action in ("ACCEPT", "DROP", "UNKNOWN") and first.explanation
    if first.reachable is None:
        assert any(h.action == "UNKNOWN" for h in first.hops)
    if first.action == "UNKNOWN":
        assert first.reachable is not True and first.group.missing and first.decided_by is None
    return f"evaluated: {first.action}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    groups=groups_of(valid_policies()),
    flow=VALID_FLOWS,
    maps=VALID_MAPS,
    ipt=st.one_of(st.none(), st.lists(VALID_IPTABLES_LINES, max_size=6)),
)
def test_valid_rule_sets_always_evaluate_deterministically(
    engine: RuleEngine, groups: list[Any], flow: dict[str, Any], maps: dict[str, Any], ipt: list[str] | None
) -> None:
    event(_check(engine, groups, flow, maps, _dump(ipt)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    groups=groups_of(st.one_of(valid_policies(), fuzzed_policies())),
    flow=st.one_of(VALID_FLOWS, FUZZED_FLOWS),
    maps=st.one_of(VALID_MAPS, FUZZED_MAPS),
    ipt=st.one_of(st.none(), st.lists(FUZZED_IPTABLES_LINES, max_size=6)),
)
def test_arbitrary_input_raises_only_the_validation_error(
    engine: RuleEngine, groups: list[Any], flow: dict[str, Any], maps: dict[str, Any], ipt: list[str] | None
) -> None:
    try:
        event(_check(engine, groups, flow, maps, _dump(ipt)))
    except RuleValidationError as e:
        assert e.problems and all(p.loc and p.msg and p.type for p in e.problems)
        event("rejected at load")
