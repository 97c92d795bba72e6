"""Why a security group cannot be deleted: bound instances, the recycle bin, references."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import group, rule

from rules import RuleEngine, RuleValidationError


def instance(state: str | None, groups: list[str], instance_id: str = "ins-1") -> dict[str, Any]:
    body: dict[str, Any] = {"InstanceId": instance_id, "SecurityGroupIds": groups}
    if state is not None:
        body["InstanceState"] = state
    return body


REFERRER = group("sg-other", ingress=[rule(SecurityGroupId="sg-del")], egress=[rule()])


@pytest.mark.parametrize(
    ("instances", "others", "deletable", "kinds", "reasons", "explanation_part"),
    [
        # The FAQ's case: every instance returned, but one waits in the recycle bin, still bound.
        (
            [instance("SHUTDOWN", ["sg-del"])],
            [],
            False,
            ["recycle_bin_instance"],
            ["recycle_bin"],
            "ins-1 is in the recycle bin (state SHUTDOWN)",
        ),
        (
            [instance("shutdown", ["sg-del", "sg-2"])],
            [],
            False,
            ["recycle_bin_instance"],
            ["recycle_bin"],
            "recycle bin",
        ),  # states in any case
        ([instance("RUNNING", ["sg-del"])], [], False, ["bound_instance"], ["bound_instance"], "ins-1 (RUNNING)"),
        ([instance("STOPPED", ["sg-del"])], [], False, ["bound_instance"], ["bound_instance"], "is bound to sg-del"),
        ([instance("TERMINATING", ["sg-del"])], [], False, ["bound_instance"], ["bound_instance"], "being destroyed"),
        ([instance(None, ["sg-del"])], [], False, ["bound_instance"], ["bound_instance"], "unknown state"),
        # Instances bound to other groups only, no references: deletable.
        ([instance("RUNNING", ["sg-2"])], [], True, [], [], "Nothing in the input keeps sg-del"),
        ([], [group("sg-2", ingress=[rule()])], True, [], [], "no rule refers to it"),
        # Another group's rule refers to it.
        ([], [REFERRER], False, ["referenced_by_rule"], ["referenced_by_rule"], "sg-other Ingress rule #0 refers"),
        # Its own rules naming itself do not count.
        ([], [group("sg-del", ingress=[rule(SecurityGroupId="sg-del")])], True, [], [], "Nothing in the input"),
        # Everything at once, in the order to clear them: the rule first, the recycle bin last.
        (
            [instance("SHUTDOWN", ["sg-del"], "ins-b"), instance("RUNNING", ["sg-del"], "ins-a")],
            [REFERRER],
            False,
            ["referenced_by_rule", "bound_instance", "recycle_bin_instance"],
            ["referenced_by_rule", "bound_instance", "recycle_bin"],
            "Clear them in this order: 1. Delete that rule",
        ),
        # An isolated instance is in the recycle bin whatever its state; the reason picks the advice.
        (
            [{**instance("STOPPED", ["sg-del"]), "IsolatedSource": "EXPIRE"}],
            [],
            False,
            ["recycle_bin_instance"],
            ["recycle_bin"],
            "in the recycle bin because it expired (state STOPPED)",
        ),
        (
            [{**instance("RUNNING", ["sg-del"]), "IsolatedSource": "NOTISOLATED"}],
            [],
            False,
            ["bound_instance"],
            ["bound_instance"],
            "ins-1 (RUNNING) is bound",
        ),
    ],
)
def test_blockers(
    engine: RuleEngine,
    instances: Any,
    others: Any,
    deletable: bool,
    kinds: list[str],
    reasons: list[str],
    explanation_part: str,
) -> None:
    d = engine.deletion_request("sg-del", instances, others)
    assert d.deletable is deletable
    assert [b.kind for b in d.blockers] == kinds and list(d.reasons) == reasons
    assert list(d.unchecked) == []
    assert explanation_part in d.explanation


@pytest.mark.parametrize(
    ("instances", "others", "deletable", "reasons", "unchecked"),
    [
        # No input: every possible cause, recycle bin included, for the bot to explain.
        (
            None,
            None,
            None,
            ["bound_instance", "recycle_bin", "referenced_by_rule"],
            ["bound_instance", "recycle_bin", "referenced_by_rule"],
        ),
        # Instances clear, references not checked: still open.
        ([instance("RUNNING", ["sg-2"])], None, None, ["referenced_by_rule"], ["referenced_by_rule"]),
        # References clear, instances not checked.
        (None, [], None, ["bound_instance", "recycle_bin"], ["bound_instance", "recycle_bin"]),
        # A blocker found settles it, even with something unchecked.
        ([instance("SHUTDOWN", ["sg-del"])], None, False, ["recycle_bin"], ["referenced_by_rule"]),
    ],
)
def test_partial_input_is_never_assumed_clear(
    engine: RuleEngine,
    kb: Any,
    instances: Any,
    others: Any,
    deletable: bool | None,
    reasons: list[str],
    unchecked: list[str],
) -> None:
    d = engine.deletion_request("sg-del", instances, others)
    assert d.deletable is deletable
    assert list(d.reasons) == reasons and list(d.unchecked) == unchecked
    assert kb.get(d.faq_id).question == "云服务器已经全部退还，为什么安全组无法删除?"
    if deletable is None:
        assert "cannot be told" in d.explanation and "Check the recycle bin first" in d.explanation


def test_describe_instances_response_is_accepted(engine: RuleEngine) -> None:
    response = {
        "Response": {
            "TotalCount": 1,
            "InstanceSet": [{"instanceId": "ins-9", "instanceState": "SHUTDOWN", "securityGroupIds": ["sg-del"]}],
        }
    }
    d = engine.deletion_request("sg-del", response, [])
    assert [b.instance_id for b in d.blockers] == ["ins-9"] and d.reasons == ("recycle_bin",)


@pytest.mark.parametrize(
    ("group_id", "instances", "others", "loc", "msg_part"),
    [
        ("", [], [], ("security_group_id",), "give the security group id"),
        ("sg-del", "ins-1", [], ("instances",), "expected a list"),
        ("sg-del", [{"InstanceId": "ins-1"}], [], ("instances", 0, "SecurityGroupIds"), "list of security group ids"),
        (
            "sg-del",
            [],
            [group("sg-o", ingress=[rule(CidrBlock="bad")])],
            ("other_groups", 0, "Ingress", 0, "CidrBlock"),
            "not a CIDR block",
        ),
    ],
)
def test_malformed_input(
    engine: RuleEngine, group_id: str, instances: Any, others: Any, loc: tuple[Any, ...], msg_part: str
) -> None:
    with pytest.raises(RuleValidationError) as caught:
        engine.deletion_request(group_id, instances, others)
    assert caught.value.problems[0].loc == loc and msg_part in caught.value.problems[0].msg


@pytest.mark.parametrize(
    ("kwargs", "kinds", "subjects", "explanation_part"),
    [
        # The default group can never be deleted: it comes first, whatever else is found.
        (
            {"is_default": True},
            ["default_group", "bound_instance"],
            ["sg-del", "ins-1"],
            "sg-del is the default security group",
        ),
        # Other resources bound to it, by type; a zero count is nothing.
        (
            {"bound_resources": {"CLB": 2, "CDB": 0}},
            ["bound_resource", "bound_instance"],
            ["CLB", "ins-1"],
            "2 load balancer (CLB) resource(s) are bound to sg-del",
        ),
        # A referring group whose rules were not read is still named.
        (
            {"referring_groups": ["sg-other", "sg-far"]},
            ["referenced_by_rule", "referenced_by_rule", "bound_instance"],
            ["sg-other", "sg-far", "ins-1"],
            "Rules of sg-far refer to sg-del (its rules were not read)",
        ),
    ],
)
def test_what_the_account_adds(
    engine: RuleEngine, kwargs: dict[str, Any], kinds: list[str], subjects: list[str], explanation_part: str
) -> None:
    d = engine.deletion_request(
        "sg-del", [instance("RUNNING", ["sg-del"])], [REFERRER] if "referring_groups" in kwargs else [], **kwargs
    )
    assert [b.kind for b in d.blockers] == kinds and [b.subject for b in d.blockers] == subjects
    assert d.deletable is False and d.unchecked == ()
    assert explanation_part in d.explanation


def test_resources_unchecked_are_said_when_nothing_blocks(engine: RuleEngine) -> None:
    pasted = engine.deletion_request("sg-del", [], [])
    assert pasted.deletable is True and "Other resources bound to it" in pasted.explanation
    read = engine.deletion_request("sg-del", [], [], is_default=False, bound_resources={}, referring_groups=[])
    assert read.deletable is True and "Other resources" not in read.explanation
