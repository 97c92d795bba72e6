"""The loader's fast path agrees with the full reader: same rows, never more lenient."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rules.errors import Problem
from rules.fast_policy import compile_common
from rules.policy_reader import read_policy, row_of

# Values close to the common shape, good and bad, so that both paths are exercised.
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "Action": st.sampled_from(["ACCEPT", "accept", "Drop", "DROP", "drop ", "", None, 1, ["ACCEPT"]]),
    "Protocol": st.sampled_from(["TCP", "udp", "ICMP", "ICMPv6", "gre", "ALL", "tcp ", "", None, {"x": 1}]),
    "Port": st.sampled_from(["ALL", "all", "", "22", "80,443", "8000-8010", "0", "08", "1-", 22, True, None, "22 "]),
    "PolicyIndex": st.sampled_from([0, 3, -1, "2", "x", True, 1.0, None]),
    "CidrBlock": st.sampled_from(
        ["10.0.0.0/24", "0.0.0.0/8", "1.2.3.4", "1.2.3.4/33", "1.2.3.4/08", " 1.2.3.4", "::/0", "", None, 5]
    ),
    "Ipv6CidrBlock": st.sampled_from(["", None, "::/0", "1.2.3.0/24"]),
    "SecurityGroupId": st.sampled_from(["", None, "sg-1"]),
    "AddressTemplate": st.sampled_from(
        [None, "", {"AddressId": "", "AddressGroupId": ""}, {"AddressId": "ipm-1", "AddressGroupId": ""}, {}]
    ),
    "ServiceTemplate": st.sampled_from(
        [None, "", {"ServiceId": "", "ServiceGroupId": ""}, {"ServiceId": "ppm-1", "ServiceGroupId": ""}]
    ),
    "ModifyTime": st.just("2024-05-01 10:00:00"),
    "cidrBlock": st.just("10.0.0.0/8"),
}
COMMON = {"Action": "ACCEPT", "Protocol": "TCP", "Port": "22", "PolicyIndex": 0, "CidrBlock": "10.0.0.0/24"}


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.sets(st.sampled_from(sorted(VALUES))))
    policy = {**COMMON, **{k: draw(VALUES[k]) for k in keys}}
    for k in draw(st.sets(st.sampled_from(sorted(COMMON)), max_size=2)):
        policy.pop(k, None)
    return policy


@settings(max_examples=400, deadline=None)
@given(st.lists(policies(), min_size=1, max_size=4))
@example([COMMON])
@example([{**COMMON, "Port": "ALL", "Protocol": "ICMP"}])
@example([{**COMMON, "Protocol": "ICMPv6", "Port": "ALL"}])  # ICMPv6 with an IPv4 block is refused
@example([{**COMMON, "CidrBlock": "1.2.3.4/08"}])
def test_fast_path_agrees_with_the_full_reader(items: list[dict[str, Any]]) -> None:
    # Twice: the first call fills the port cache that the fast path reads.
    for _ in range(2):
        rows, indexes, others = compile_common(items)
        for slot, raw in enumerate(items):
            problems: list[Problem] = []
            read = read_policy(raw, ("p", slot), problems)
            if slot in others:
                assert rows[slot] is None
                continue
            assert not problems, (raw, problems)  # the fast path is never more lenient
            assert read is not None and rows[slot] == row_of(read, slot) and indexes[slot] == read[1]
