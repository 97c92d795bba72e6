"""Reading security-group rules pasted as JSON: Tencent's own shapes, loose shapes, prose, refusals.

Samples under data/json/ are the output examples of Tencent Cloud's API and tccli
documentation for DescribeSecurityGroupPolicies (sources in data/json/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evidence import UnreadableEvidenceError, read_evidence
from evidence.sg_json import looks_like, read
from rules import RuleEngine

DATA = Path(__file__).parent / "data" / "json"
TO_PASTE = "tccli vpc DescribeSecurityGroupPolicies"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def inner(name: str) -> str:
    """What tccli prints: the response without the {"Response": ...} envelope."""
    return json.dumps(json.loads(sample(name))["Response"], indent=4, ensure_ascii=False)


def rules_of(text: str, direction: str = "Ingress", group: int = 0) -> list[dict[str, Any]]:
    return list(read(text).value.canonical[group]["SecurityGroupPolicySet"][direction])


@pytest.fixture(scope="module")
def engine(kb: Any) -> RuleEngine:
    return RuleEngine.from_knowledge(kb)


# --- Tencent's own output -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ingress", "egress"),
    [
        (sample("api_vpc_describe_sg_policies.json"), 2, 1),  # API documentation, with the envelope
        (sample("tccli_vpc_describe_sg_policies.json"), 2, 1),  # unused template fields printed as ""
        (inner("tccli_vpc_describe_sg_policies.json"), 2, 1),  # tccli's own print-out: no envelope
        (sample("tccli_ecm_describe_sg_policies.json"), 1, 1),  # CidrBlock rules, "Version": "1" as text
        (inner("api_vpc_describe_sg_policies.json"), 2, 1),
    ],
)
def test_documented_responses(text: str, ingress: int, egress: int) -> None:
    reading = read(text)
    assert reading.format == "tencent_json" and reading.kind == "security_groups"
    (group,) = reading.value.groups
    assert (len(group.ingress), len(group.egress)) == (ingress, egress)
    assert reading.value.directions == ("ingress", "egress")
    assert reading.skipped == ()
    # The response carries no group id: the reader names the group and says so.
    assert group.id == "sg-pasted1"
    assert any("sg-pasted1" in n for n in reading.notes)


def test_documented_templates_are_kept_and_empty_ones_dropped() -> None:
    (first, _) = rules_of(sample("tccli_vpc_describe_sg_policies.json"))
    assert first == {
        "PolicyIndex": 0,
        "ServiceTemplate": {"ServiceId": "ppm-f5n1f8da"},
        "AddressTemplate": {"AddressGroupId": "ipmg-2uw6ujo6"},
        "Action": "ACCEPT",
        "PolicyDescription": "ModifyPolicies",
    }
    # The user's PolicyIndex is kept (ECM's example starts at 1 and 2).
    assert rules_of(sample("tccli_ecm_describe_sg_policies.json"))[0]["PolicyIndex"] == 2


@pytest.mark.parametrize(
    ("flow", "action", "decided_by"),
    [
        ({"direction": "ingress", "protocol": "tcp", "port": 8080, "remote": "10.0.3.7"}, "ACCEPT", 2),
        # Outside 10.0.0.0/16: no rule matches, the default deny drops it.
        ({"direction": "ingress", "protocol": "tcp", "port": 8080, "remote": "203.0.113.7"}, "DROP", None),
        ({"direction": "ingress", "protocol": "udp", "port": 8080, "remote": "10.0.3.7"}, "DROP", None),
        ({"direction": "egress", "protocol": "tcp", "port": 80, "remote": "20.0.9.9"}, "ACCEPT", 1),
    ],
)
def test_round_trip_evaluates(engine: RuleEngine, flow: dict[str, Any], action: str, decided_by: int | None) -> None:
    canonical = list(read(sample("tccli_ecm_describe_sg_policies.json")).value.canonical)
    decision = engine.evaluate_request(canonical, flow)
    assert decision.action == action
    index = decision.decided_by.policy_index if decision.decided_by is not None else None
    assert index == decided_by
    assert decision.explanation


def test_round_trip_with_templates_is_undecided_and_says_what_is_missing(engine: RuleEngine) -> None:
    canonical = list(read(sample("api_vpc_describe_sg_policies.json")).value.canonical)
    flow = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "198.51.100.4"}
    decision = engine.evaluate_request(canonical, flow)
    # Both rules refer to templates the paste does not define; ACCEPT or the default deny.
    assert decision.action == "UNKNOWN"
    assert "ppm-f5n1f8da" in decision.explanation or "ipmg-2uw6ujo6" in decision.explanation


# --- loose shapes people type ------------------------------------------------------------

LOOSE = [
    # lower-case keys throughout
    (
        '{"securitygrouppolicyset": {"ingress": [{"policyindex": 0, "protocol": "tcp", "port": "22", '
        '"cidrblock": "0.0.0.0/0", "action": "accept"}]}}',
        "Ingress",
        {"PolicyIndex": 0, "Protocol": "tcp", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
    ),
    # snake_case, a port as a number
    (
        '{"security_group_policy_set": {"egress": [{"policy_index": 3, "protocol": "UDP", "port": 53, '
        '"cidr_block": "10.0.0.0/8", "action": "DROP"}]}}',
        "Egress",
        {"PolicyIndex": 3, "Protocol": "UDP", "Port": "53", "CidrBlock": "10.0.0.0/8", "Action": "DROP"},
    ),
    # camelCase
    (
        '{"securityGroupPolicySet": {"ingress": [{"policyIndex": 0, "protocol": "TCP", "port": "3389", '
        '"cidrBlock": "198.51.100.0/24", "action": "ACCEPT"}]}}',
        "Ingress",
        {"PolicyIndex": 0, "Protocol": "TCP", "Port": "3389", "CidrBlock": "198.51.100.0/24", "Action": "ACCEPT"},
    ),
    # priority, proto, a list of ports, source (inbound), policy: allow
    (
        '{"Ingress": [{"priority": 1, "proto": "tcp", "ports": [80, 443], "source": "0.0.0.0/0", "policy": "allow"}]}',
        "Ingress",
        {"PolicyIndex": 1, "Protocol": "tcp", "Port": "80,443", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
    ),
    # Chinese policy words; an IPv6 block under "cidr" goes to Ipv6CidrBlock
    (
        '{"ingress": [{"protocol": "TCP", "port": "22", "cidr": "::/0", "action": "拒绝"}]}',
        "Ingress",
        {"PolicyIndex": 0, "Protocol": "TCP", "Port": "22", "Ipv6CidrBlock": "::/0", "Action": "DROP"},
    ),
    # destination is the remote end of an outbound rule; deny -> DROP
    (
        '{"egress": [{"protocol": "udp", "port": "53", "destination": "203.0.113.53", "action": "deny"}]}',
        "Egress",
        {"PolicyIndex": 0, "Protocol": "udp", "Port": "53", "CidrBlock": "203.0.113.53", "Action": "DROP"},
    ),
    # the console's "TCP:3000-4000" typed into the protocol field
    (
        '{"Ingress": [{"protocol": "TCP:3000-4000", "cidr": "10.1.0.0/16", "action": "ACCEPT"}]}',
        "Ingress",
        {"PolicyIndex": 0, "Protocol": "TCP", "Port": "3000-4000", "CidrBlock": "10.1.0.0/16", "Action": "ACCEPT"},
    ),
    # another group and an address template as the remote end
    (
        '{"Ingress": [{"protocol": "ALL", "source": "sg-2quou3gv", "action": "允许"}, '
        '{"protocol": "TCP", "port": "443", "source": "ipm-2uw6ujo6", "action": "DROP"}]}',
        "Ingress",
        {"PolicyIndex": 0, "Protocol": "ALL", "SecurityGroupId": "sg-2quou3gv", "Action": "ACCEPT"},
    ),
]


@pytest.mark.parametrize(("text", "direction", "first"), LOOSE)
def test_loose_shapes(text: str, direction: str, first: dict[str, Any]) -> None:
    assert looks_like(text)
    assert rules_of(text, direction)[0] == first


def test_loose_template_source() -> None:
    second = rules_of(LOOSE[-1][0])[1]
    assert second["AddressTemplate"] == {"AddressId": "ipm-2uw6ujo6"} and second["PolicyIndex"] == 1


@pytest.mark.parametrize(
    ("text", "note"),
    [
        # no PolicyIndex: the list order is the priority, and the reading says so
        ('{"Ingress": [{"protocol": "TCP", "port": "22", "cidr": "0.0.0.0/0", "action": "ACCEPT"}]}', "order"),
        # the key pasted without the outer braces, as copied out of a larger output
        ('"Ingress": [{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]', "outer"),
        # a trailing comma is not JSON but its meaning is plain
        ('{"Ingress": [{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT",},]}', "comma"),
        # listed out of PolicyIndex order: read lowest first
        (
            '{"Ingress": [{"PolicyIndex": 1, "Protocol": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"}, '
            '{"PolicyIndex": 0, "Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}',
            "out of PolicyIndex order",
        ),
    ],
)
def test_what_was_assumed_is_noted(text: str, note: str) -> None:
    reading = read(text)
    assert any(note in n for n in reading.notes), reading.notes


def test_out_of_order_rules_are_put_in_policy_index_order() -> None:
    text = (
        '{"Ingress": [{"PolicyIndex": 1, "Protocol": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"}, '
        '{"PolicyIndex": 0, "Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}'
    )
    assert [r["PolicyIndex"] for r in rules_of(text)] == [0, 1]


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        # the API prints Direction on each rule (see the API example): a bare list of such rules
        (
            '[{"Direction": "INGRESS", "Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]',
            "ingress",
        ),
        # a label ending in a colon names the direction
        ('入站规则：[{"protocol": "TCP", "port": "22", "cidr": "0.0.0.0/0", "action": "允许"}]', "ingress"),
        ('Outbound rules:\n[{"protocol": "TCP", "port": "25", "cidr": "0.0.0.0/0", "action": "drop"}]', "egress"),
    ],
)
def test_bare_list_with_a_stated_direction(text: str, direction: str) -> None:
    reading = read(text)
    assert reading.value.directions == (direction,)


def test_a_rules_key_holding_a_labelled_list() -> None:
    text = 'Inbound rules: {"rules": [{"proto": "udp", "port": 53, "cidr": "10.0.0.0/8", "action": "allow"}]}'
    assert read(text).value.directions == ("ingress",)


def test_several_groups_keep_their_order_and_ids() -> None:
    first = json.loads(sample("tccli_ecm_describe_sg_policies.json"))
    second = json.loads(sample("api_vpc_describe_sg_policies.json"))
    text = json.dumps([{"SecurityGroupId": "sg-aaaa1111", **first}, {"SecurityGroupId": "sg-bbbb2222", **second}])
    reading = read(text)
    assert [g.id for g in reading.value.groups] == ["sg-aaaa1111", "sg-bbbb2222"]
    assert any("binding priority" in n for n in reading.notes)


def test_the_evaluate_endpoints_own_body_shape() -> None:
    text = json.dumps(
        {"security_groups": [{"SecurityGroupId": "sg-cccc3333", "SecurityGroupPolicySet": {"Ingress": []}}]}
    )
    assert [g.id for g in read(text).value.groups] == ["sg-cccc3333"]


# --- JSON inside prose -------------------------------------------------------------------

PROSE = """我的安全组规则如下，80 端口还是打不开
here are my rules: {
  "Ingress": [
    {"PolicyIndex": 0, "Protocol": "TCP", "Port": "80", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}
  ]
} still fails
谢谢"""


def test_prose_around_json_is_skipped_with_line_numbers() -> None:
    reading = read(PROSE)
    assert [s.line for s in reading.skipped] == [1, 7]
    assert all("not part of the JSON" in s.reason for s in reading.skipped)
    assert any("Line 2" in n and "words before" in n for n in reading.notes)
    assert any("Line 6" in n and "after" in n for n in reading.notes)
    assert rules_of(PROSE)[0]["Port"] == "80"


def test_a_second_json_value_is_listed_as_skipped() -> None:
    one = '{"Ingress": [{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}'
    reading = read(one + "\n" + one.replace("22", "3389"))
    (skipped,) = reading.skipped
    assert skipped.line == 2 and "only one is read" in skipped.reason


def test_registry_sends_json_to_this_reader() -> None:
    reading = read_evidence(sample("api_vpc_describe_sg_policies.json"))
    assert reading is not None and reading.format == "tencent_json"


# --- refusals: each names the line and says what to paste instead --------------------

REFUSALS = [
    # a bare list says nothing about its direction
    ('[{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]', 1, "inbound or outbound"),
    # a Python print-out, not JSON
    (
        "{'Ingress': [{'Protocol': 'TCP', 'Port': '22', 'CidrBlock': '0.0.0.0/0', 'Action': 'ACCEPT'}]}",
        1,
        "single quotes",
    ),
    (
        '{"Ingress": [{"Protocol": "TCP", "Port": "22",\n "CidrBlock": "0.0.0.0/0", "Action": True}]}',
        2,
        "Python",
    ),
    # a missing comma, reported where reading stopped
    ('{"Ingress": [\n{"Protocol": "TCP" "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}', 2, "','"),
    # "source" in an outbound rule could be the instance or the other end
    ('{"Egress": [\n{"protocol": "TCP", "port": "443", "source": "10.0.0.0/8", "action": "allow"}]}', 2, "could mean"),
    (
        '{"Ingress": [\n{"protocol": "TCP", "port": "443",\n"destination": "10.0.0.0/8", "action": "allow"}]}',
        3,
        "could mean",
    ),
    # an AWS-style field: unknown, so refused rather than dropped
    (
        '{"Ingress": [\n{"protocol": "tcp", "from_port": 22,\n "cidr": "0.0.0.0/0", "action": "allow"}]}',
        2,
        "unknown field",
    ),
    # "any" is 0.0.0.0/0 or ::/0
    ('{"Ingress": [{"protocol": "tcp", "port": 22, "source": "any", "action": "allow"}]}', 1, "0.0.0.0/0 or ::/0"),
    # the loader's own checks, mapped back to the line of the field as the user spelled it
    ('{"Ingress": [{"protocol": "tcp", "port": 22,\n "cidr": "10.0.0.300/24", "action": "allow"}]}', 2, "'cidr'"),
    (
        '{"Ingress": [{"Protocol": "ICMP",\n "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}',
        2,
        "does not apply",
    ),
    ('{"Ingress": [\n{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0"}]}', 2, "Action"),
    # two rules with one PolicyIndex: the order is unclear
    (
        '{"Ingress": [{"PolicyIndex": 1, "Protocol": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"},\n'
        '{"PolicyIndex": 1, "Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}',
        2,
        "given twice",
    ),
    (
        '{"Ingress": [{"PolicyIndex": 0, "Protocol": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"},\n'
        '{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}',
        2,
        "on every rule or on none",
    ),
    (
        '{"Ingress": [{"Protocol": "TCP",\n"Protocol": "UDP", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]}',
        2,
        "twice",
    ),
    # a rule that contradicts the list it is in
    (
        '{"Egress": [\n{"Direction": "INGRESS", "Protocol": "ALL", "CidrBlock": "::/0", "Action": "DROP"}]}',
        2,
        "says ingress",
    ),
    # the API answered with an error, not with rules
    (
        '{"Response": {"Error": {"Code": "ResourceNotFound", "Message": "sg-xxx not found"},\n"RequestId": "1"}}',
        1,
        "ResourceNotFound",
    ),
    # DescribeSecurityGroups lists groups without rules: ask for the right command
    (
        '{"Response": {"SecurityGroupSet": [\n{"SecurityGroupId": "sg-ohuuioma", "SecurityGroupName": "web"}]}}',
        2,
        "--SecurityGroupId sg-ohuuioma",
    ),
    ('{"Ingress": []}\n', None, "Ingress"),
]


@pytest.mark.parametrize(("text", "line", "message"), REFUSALS[:-1])
def test_refusals_name_the_line_and_what_to_paste(text: str, line: int, message: str) -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        read(text)
    error = caught.value
    assert error.format == "tencent_json"
    assert any(p.line == line and message in p.problem for p in error.problems), error.problems
    assert TO_PASTE in error.needs and TO_PASTE in str(error)
    assert f"line {line}:" in str(error)


def test_an_empty_rule_list_is_read_as_no_rules() -> None:
    # An empty Ingress list is a real answer (a group without inbound rules), not an error.
    reading = read('{"Ingress": []}')
    assert reading.value.groups[0].ingress == () and reading.value.directions == ("ingress",)


def test_two_groups_with_one_id_are_refused_at_the_second() -> None:
    group = '{"SecurityGroupId": "sg-dddd4444", "SecurityGroupPolicySet": {"Ingress": []}}'
    with pytest.raises(UnreadableEvidenceError) as caught:
        read(f"[{group},\n{group}]")
    assert [p.line for p in caught.value.problems] == [2]
    assert "listed twice" in caught.value.problems[0].problem


@pytest.mark.parametrize(
    "text",
    [
        "ssh 连不上，安全组已经放通 22 端口了",
        'the config says {"port": 22, "host": "example.com"}',
        '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"rule": {"expr": [{"accept": null}]}}]}',
    ],
)
def test_looks_like_does_not_claim_chat_or_other_json(text: str) -> None:
    assert not looks_like(text)
