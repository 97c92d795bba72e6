"""Why a security group cannot be deleted, read from the fake account and decided by the rule engine."""

from __future__ import annotations

from typing import Any

import pytest

from account import AccountClient, ResourceNotFoundError, read_deletion_facts
from rules import DeletionDiagnosis, RuleEngine
from tests.account.fake_account import instance
from tests.account.fake_cloud import FakeCloud
from tests.account.scenario import REGION


@pytest.fixture(scope="module")
def engine(kb: Any) -> RuleEngine:
    return RuleEngine.from_knowledge(kb)


def decide(engine: RuleEngine, client: AccountClient, group_id: str) -> DeletionDiagnosis:
    facts = read_deletion_facts(client, group_id)
    return engine.deletion_request(facts.security_group_id, **facts.engine_input())


def test_what_the_account_holds_about_a_used_group(client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-old00001")
    assert facts.counts == {"CVM": 2, "CLB": 1, "SG": 1} and facts.notes == ()
    assert facts.bound_resources == {"CLB": 1}
    assert facts.referrers == ("sg-ref00001",)
    assert [i["InstanceId"] for i in facts.instances] == ["ins-run00001", "ins-old00001"]
    assert [g["SecurityGroupId"] for g in facts.other_groups] == ["sg-ref00001"]
    assert not facts.is_default


def test_blockers_in_the_order_to_clear_them(engine: RuleEngine, client: AccountClient) -> None:
    diagnosis = decide(engine, client, "sg-old00001")
    assert diagnosis.deletable is False and diagnosis.unchecked == ()
    assert [(b.kind, b.subject) for b in diagnosis.blockers] == [
        ("referenced_by_rule", "sg-ref00001"),
        ("bound_resource", "CLB"),
        ("bound_instance", "ins-run00001"),
        ("recycle_bin_instance", "ins-old00001"),  # last: destroying cannot be undone
    ]
    referenced, clb, bound, recycled = diagnosis.blockers
    assert "sg-ref00001 Ingress rule #0 (PolicyIndex 0) refers to sg-old00001" in referenced.detail
    assert referenced.policy is not None and referenced.policy.group_id == "sg-ref00001"
    assert "1 load balancer (CLB) resource(s)" in clb.detail and clb.count == 1
    assert "Bind another security group to ins-run00001" in bound.advice
    assert "in the recycle bin because it was returned (state SHUTDOWN)" in recycled.detail
    assert "cannot be undone" in recycled.advice
    assert list(diagnosis.reasons) == ["referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin"]
    assert "Clear them in this order: 1. Delete that rule" in diagnosis.explanation


def test_what_was_read_and_when(client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-old00001")
    assert facts.read.actions == (
        "DescribeSecurityGroups",
        "DescribeSecurityGroupAssociationStatistics",
        "DescribeSecurityGroupReferences",
        "DescribeSecurityGroupPolicies",
        "DescribeInstances",
    )
    assert facts.summary == "read sg-old00001 in ap-guangzhou at 10:32 UTC: 1 CLB, 2 CVM bound; 1 group refers to it"


def test_an_unused_group_is_deletable(engine: RuleEngine, client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-free0001")
    assert facts.summary.endswith("nothing bound; no group refers to it")
    diagnosis = decide(engine, client, "sg-free0001")
    assert diagnosis.deletable is True and diagnosis.blockers == ()
    assert "Other resources" not in diagnosis.explanation  # the account checked them


def test_the_default_group_comes_first(engine: RuleEngine, fake: FakeCloud, client: AccountClient) -> None:
    fake.account.regions[REGION].instances.append(instance("ins-dflt0001", ["sg-dflt0001"]))
    facts = read_deletion_facts(client, "sg-dflt0001")
    assert facts.is_default and facts.summary.endswith("the default group")
    diagnosis = decide(engine, client, "sg-dflt0001")
    assert [b.kind for b in diagnosis.blockers] == ["default_group", "bound_instance"]
    assert "cannot be deleted" in diagnosis.blockers[0].detail


@pytest.mark.parametrize(
    ("state", "isolated", "kind", "detail", "advice"),
    [
        ("SHUTDOWN", "MANMADE", "recycle_bin_instance", "because it was returned", "restore it"),
        # An isolated instance is in the recycle bin whatever its state says; the reason picks the advice.
        ("STOPPED", "EXPIRE", "recycle_bin_instance", "because it expired", "renew it"),
        ("SHUTDOWN", "ARREAR", "recycle_bin_instance", "overdue payment", "top up the account"),
        ("SHUTDOWN", "NOTISOLATED", "recycle_bin_instance", "in the recycle bin (state SHUTDOWN)", "restore it"),
        ("TERMINATING", "NOTISOLATED", "bound_instance", "being destroyed", "Wait until"),
        ("STOPPED", "NOTISOLATED", "bound_instance", "(STOPPED) is bound", "unbind sg-free0001"),
    ],
)
def test_reading_of_the_recycle_bin(
    engine: RuleEngine,
    fake: FakeCloud,
    client: AccountClient,
    state: str,
    isolated: str,
    kind: str,
    detail: str,
    advice: str,
) -> None:
    fake.account.regions[REGION].instances.append(
        instance("ins-test0001", ["sg-free0001"], state=state, isolated=isolated)
    )
    (blocker,) = decide(engine, client, "sg-free0001").blockers
    assert blocker.kind == kind and detail in blocker.detail and advice in blocker.advice


def test_statistics_that_do_not_add_up_are_noted(fake: FakeCloud, client: AccountClient) -> None:
    fake.account.regions[REGION].other_bindings["sg-free0001"] = {"CVM": 3}
    facts = read_deletion_facts(client, "sg-free0001")
    assert facts.notes == (
        "the statistics count 3 bound CVM but DescribeInstances listed 0; some may be in another state or not "
        "visible to this key",
    )


def test_more_referring_groups_than_are_read_are_still_named(
    engine: RuleEngine, fake: FakeCloud, client: AccountClient
) -> None:
    region = fake.account.regions[REGION]
    for i in range(12):
        region.add_group(f"sg-refer{i:03d}", [], [])
        region.policies[f"sg-refer{i:03d}"]["Ingress"].append(
            {**region.policies["sg-ref00001"]["Ingress"][0], "SecurityGroupId": "sg-free0001"}
        )
    facts = read_deletion_facts(client, "sg-free0001")
    assert len(facts.referrers) == 12 and len(facts.other_groups) == 10
    assert "were not read (more than 10 groups refer to sg-free0001)" in facts.notes[0]
    diagnosis = decide(engine, client, "sg-free0001")
    assert len(diagnosis.blockers) == 12 and all(b.kind == "referenced_by_rule" for b in diagnosis.blockers)
    assert "(its rules were not read)" in diagnosis.blockers[-1].detail


def test_an_unknown_group_is_not_found_in_the_region(client: AccountClient) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        read_deletion_facts(client, "sg-nope0001")
    assert caught.value.code == "InvalidSecurityGroupID.NotFound"
    assert "sg-nope0001 not found in region ap-guangzhou" in str(caught.value)
