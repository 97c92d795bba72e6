"""Why a security group cannot be deleted, read from the fake account."""

from __future__ import annotations

from typing import Any

import pytest

from account import AccountClient, ResourceNotFoundError, read_deletion_facts
from rules import RuleEngine
from tests.account.fake_account import instance
from tests.account.fake_cloud import FakeCloud
from tests.account.scenario import REGION


def test_blockers_of_a_used_group_in_the_order_to_clear_them(client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-old00001")
    assert not facts.deletable
    assert [(b.kind, b.subject) for b in facts.blockers] == [
        ("referenced_by_rule", "sg-ref00001"),
        ("bound_resource", "CLB"),
        ("bound_instance", "ins-run00001"),
        ("recycle_bin_instance", "ins-old00001"),  # last: destroying cannot be undone
    ]
    referenced, clb, bound, recycled = facts.blockers
    assert "Ingress rule #0 (PolicyIndex 0)" in referenced.detail
    assert "1 CLB resource(s)" in clb.detail
    assert "Bind another security group to ins-run00001" in bound.advice
    assert "in the recycle bin because it was returned (state SHUTDOWN)" in recycled.detail
    assert "cannot be undone" in recycled.advice
    assert facts.counts == {"CVM": 2, "CLB": 1, "SG": 1} and facts.notes == ()


def test_what_was_read_and_when(client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-old00001")
    assert facts.read.actions == (
        "DescribeSecurityGroups",
        "DescribeSecurityGroupAssociationStatistics",
        "DescribeSecurityGroupReferences",
        "DescribeSecurityGroupPolicies",
        "DescribeInstances",
    )
    assert facts.summary == "read sg-old00001 in ap-guangzhou at 10:32 UTC: 4 blocker(s)"


def test_the_facts_feed_the_rule_engine(client: AccountClient, kb: Any) -> None:
    facts = read_deletion_facts(client, "sg-old00001")
    diagnosis = RuleEngine.from_knowledge(kb).deletion_request(
        facts.security_group_id, list(facts.instances), list(facts.other_groups)
    )
    assert diagnosis.deletable is False
    assert set(diagnosis.reasons) == {"bound_instance", "recycle_bin", "referenced_by_rule"}


def test_an_unused_group_is_deletable(client: AccountClient) -> None:
    facts = read_deletion_facts(client, "sg-free0001")
    assert facts.deletable and facts.blockers == ()
    assert facts.summary.endswith("nothing in the way")


def test_the_default_group_comes_first(fake: FakeCloud, client: AccountClient) -> None:
    fake.account.regions[REGION].instances.append(instance("ins-dflt0001", ["sg-dflt0001"]))
    facts = read_deletion_facts(client, "sg-dflt0001")
    assert facts.is_default
    assert [b.kind for b in facts.blockers] == ["default_group", "bound_instance"]
    assert "cannot be deleted" in facts.blockers[0].detail


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
    fake: FakeCloud, client: AccountClient, state: str, isolated: str, kind: str, detail: str, advice: str
) -> None:
    fake.account.regions[REGION].instances.append(
        instance("ins-test0001", ["sg-free0001"], state=state, isolated=isolated)
    )
    (blocker,) = read_deletion_facts(client, "sg-free0001").blockers
    assert blocker.kind == kind and detail in blocker.detail and advice in blocker.advice


def test_statistics_that_do_not_add_up_are_noted(fake: FakeCloud, client: AccountClient) -> None:
    fake.account.regions[REGION].other_bindings["sg-free0001"] = {"CVM": 3}
    facts = read_deletion_facts(client, "sg-free0001")
    assert facts.notes == (
        "the statistics count 3 bound CVM but DescribeInstances listed 0; some may be in another state or not "
        "visible to this key",
    )


def test_an_unknown_group_is_not_found_in_the_region(client: AccountClient) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        read_deletion_facts(client, "sg-nope0001")
    assert caught.value.code == "InvalidSecurityGroupID.NotFound"
    assert "sg-nope0001 not found in region ap-guangzhou" in str(caught.value)
