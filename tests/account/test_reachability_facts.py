"""The groups, templates and network ACL in front of an instance, read from the fake account."""

from __future__ import annotations

from typing import Any

import pytest

from account import AccountClient, ResourceNotFoundError, read_reachability_facts
from rules import RuleEngine, parse_flow
from rules.network_acl import evaluate_network_acl, parse_network_acl
from tests.account.fake_cloud import FakeCloud


def test_groups_in_binding_order_in_the_evaluate_shape(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    assert [g["SecurityGroupId"] for g in facts.security_groups] == ["sg-web00001", "sg-base0001"]
    assert all(set(g) == {"SecurityGroupId", "SecurityGroupPolicySet"} for g in facts.security_groups)
    assert all(set(g["SecurityGroupPolicySet"]) == {"Ingress", "Egress"} for g in facts.security_groups)
    assert (facts.public_ips, facts.private_ips) == (("203.0.113.10",), ("10.0.1.5",))
    assert (facts.vpc_id, facts.subnet_id, facts.instance_state) == ("vpc-web00001", "subnet-web00001", "RUNNING")


def test_only_the_referenced_templates_are_resolved(fake: FakeCloud, client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    assert facts.address_templates == {
        "ipm-office01": ["198.51.100.0/24", "192.0.2.10"],
        "ipmg-admin001": {"AddressTemplateIdSet": ["ipm-admin001"]},
        "ipm-admin001": ["203.0.113.0/28"],
    }
    assert facts.service_templates == {
        "ppmg-app00001": {"ServiceTemplateIdSet": ["ppm-app00001", "ppm-app00002"]},
        "ppm-app00001": ["tcp:8000-8010"],
        "ppm-app00002": ["udp:53"],
    }
    asked = [f["Values"] for s in fake.seen for f in s.params.get("Filters", []) if "template" in f["Name"]]
    assert all("unused" not in v for values in asked for v in values)
    assert facts.missing_templates == ()


def test_members_of_referenced_groups_are_left_unknown(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    assert facts.group_members == {} and facts.unknown_members == ("sg-app00001",)


def test_the_subnets_acl_is_picked(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    assert facts.network_acl is not None and facts.network_acl["NetworkAclId"] == "acl-web00001"


def test_what_was_read_and_when(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    assert (
        facts.summary == "read 2 groups bound to ins-web00001 and network ACL acl-web00001 in ap-guangzhou at 10:32 UTC"
    )
    assert facts.read.actions == (
        "DescribeInstances",
        "DescribeSecurityGroupPolicies",
        "DescribeAddressTemplateGroups",
        "DescribeAddressTemplates",
        "DescribeServiceTemplateGroups",
        "DescribeServiceTemplates",
        "DescribeNetworkAcls",
    )


@pytest.mark.parametrize(
    ("flow", "action", "explanation_part"),
    [
        # The address template and the service template group resolve.
        ({"port": 8005, "remote": "198.51.100.7"}, "ACCEPT", "sg-web00001 Ingress rule #2"),
        ({"port": 3389, "remote": "198.51.100.7"}, "DROP", "sg-base0001 Ingress rule #0"),
        # ipmg-admin001 -> ipm-admin001 -> 203.0.113.0/28, in the second group.
        ({"port": 9000, "remote": "203.0.113.5"}, "ACCEPT", "sg-base0001 Ingress rule #1"),
        # The members of sg-app00001 were not read: the engine says what is missing.
        ({"port": 8080, "remote": "10.1.1.1"}, "UNKNOWN", "group_members[sg-app00001]"),
    ],
)
def test_the_facts_feed_the_rule_engine(
    client: AccountClient, kb: Any, flow: dict[str, Any], action: str, explanation_part: str
) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    body = {"direction": "ingress", "protocol": "tcp", **flow}
    decision = RuleEngine.from_knowledge(kb).evaluate_request(flow=body, **facts.evaluate_input())
    assert decision.action == action and explanation_part in decision.explanation


def test_the_acl_feeds_the_network_acl_evaluation(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-web00001")
    acl = parse_network_acl(facts.network_acl)
    ssh = evaluate_network_acl(
        acl, parse_flow({"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "10.2.3.4"})
    )
    assert ssh.action == "ACCEPT" and ssh.decided_by is not None and ssh.decided_by.raw["Description"] == "ssh"
    https = evaluate_network_acl(
        acl, parse_flow({"direction": "ingress", "protocol": "tcp", "port": 443, "remote": "198.51.100.7"})
    )
    assert https.action == "DROP" and https.decided_by is not None and https.decided_by.index is None


def test_no_acl_and_a_missing_template_are_reported(client: AccountClient) -> None:
    facts = read_reachability_facts(client, "ins-noacl001")
    assert facts.network_acl is None and facts.public_ips == ()
    assert facts.missing_templates == ("ipm-gone0001",)
    assert facts.summary == "read 1 group bound to ins-noacl001 in ap-guangzhou at 10:32 UTC"


@pytest.mark.parametrize(
    ("instance_id", "code"),
    [("ins-nope0001", "ResourceNotFound"), ("i-nope", "InvalidInstanceId.Malformed")],
)
def test_an_unknown_instance_is_not_found_in_the_region(client: AccountClient, instance_id: str, code: str) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        read_reachability_facts(client, instance_id)
    assert caught.value.code == code and f"{instance_id} not found in region ap-guangzhou" in str(caught.value)
