"""Why a security group cannot be deleted.

Tencent Cloud refuses to delete a security group while anything uses it:

* an instance is still bound to it, **including instances in the recycle bin**
  (the FAQ's case: 云服务器已经全部退还，为什么安全组无法删除? – returned instances
  wait in the recycle bin and keep their security groups until they are destroyed);
* a rule of another security group references it (``SecurityGroupId`` in a policy).

Instance states (``InstanceState`` of DescribeInstances: PENDING, LAUNCH_FAILED,
RUNNING, STOPPED, STARTING, STOPPING, REBOOTING, SHUTDOWN, TERMINATING):

* ``SHUTDOWN`` (停止待销毁, "stopped, waiting to be destroyed") is the state of an
  instance in the recycle bin: a returned prepaid instance or a terminated
  pay-as-you-go instance waits there, still bound, until it is destroyed or
  restored. It counts as ``recycle_bin_instance``.
* ``TERMINATING`` (销毁中) is being destroyed; its binding goes when that finishes.
  It counts as ``bound_instance`` with the advice to wait.
* Every other state, an unknown one or none counts as ``bound_instance``: the
  instance exists and is bound.

The instance list should be DescribeInstances' output for the group's region (it
includes recycle-bin instances). A group's references to itself do not block its
deletion and are ignored. What the input does not cover is reported as unchecked,
never assumed clear: with no input at all the answer lists every possible cause.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rules.decisions import Blocker, BlockerKind, DeletionDiagnosis, Reason
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.policies import GroupSource, SecurityGroup

RECYCLE_BIN_STATES = frozenset({"SHUTDOWN"})
TERMINATING_STATES = frozenset({"TERMINATING"})
ALL_REASONS: tuple[Reason, ...] = ("bound_instance", "recycle_bin", "referenced_by_rule")
REASON_OF: dict[BlockerKind, Reason] = {
    "bound_instance": "bound_instance",
    "recycle_bin_instance": "recycle_bin",
    "referenced_by_rule": "referenced_by_rule",
}


def parse_instances(raw: object, loc: Loc = ("instances",)) -> tuple[tuple[str, str | None, tuple[str, ...]], ...]:
    """Instances as ``(InstanceId, InstanceState, SecurityGroupIds)``.

    Accepts a list of DescribeInstances ``Instance`` objects, or the response itself
    (``{"Response": {"InstanceSet": [...]}}`` or ``{"InstanceSet": [...]}``); keys in any case.

    Raises:
        RuleValidationError: an item is not an object, or has no list of SecurityGroupIds.
    """
    if isinstance(raw, Mapping):
        inner = _lower(raw).get("response", raw)
        raw = _lower(inner).get("instanceset") if isinstance(inner, Mapping) else None
    if not isinstance(raw, list):
        raise RuleValidationError.single(
            loc, "expected a list of instances as DescribeInstances returns them", "list_expected"
        )
    problems = ProblemCollector()
    result = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.add((*loc, i), "expected an instance object", "object_expected")
            continue
        fields = _lower(item)
        groups = fields.get("securitygroupids")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            problems.add(
                (*loc, i, "SecurityGroupIds"),
                "expected the list of security group ids bound to the instance",
                "list_expected",
            )
            continue
        instance_id = fields.get("instanceid")
        state = fields.get("instancestate")
        result.append(
            (
                instance_id.strip() if isinstance(instance_id, str) and instance_id.strip() else f"#{i}",
                state.strip().upper() if isinstance(state, str) and state.strip() else None,
                tuple(g.strip() for g in groups),
            )
        )
    problems.raise_if_any()
    return tuple(result)


def _lower(raw: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in raw.items()}


def diagnose_deletion(
    group_id: str,
    instances: Sequence[tuple[str, str | None, tuple[str, ...]]] | None,
    other_groups: Sequence[SecurityGroup] | None,
    faq_id: str,
) -> DeletionDiagnosis:
    """Why ``group_id`` can or cannot be deleted, from what the caller knows.

    ``None`` for ``instances`` or ``other_groups`` means "not checked", not "none".
    """
    blockers: list[Blocker] = []
    unchecked: list[Reason] = []
    if instances is None:
        unchecked += ["bound_instance", "recycle_bin"]
    else:
        blockers += [_instance_blocker(group_id, *i) for i in instances if group_id in i[2]]
    if other_groups is None:
        unchecked.append("referenced_by_rule")
    else:
        blockers += _reference_blockers(group_id, other_groups)
    found = tuple(r for r in ALL_REASONS if any(REASON_OF[b.kind] == r for b in blockers))
    deletable = False if blockers else (None if unchecked else True)
    reasons = found if blockers else tuple(unchecked)
    return DeletionDiagnosis(
        group_id,
        deletable,
        tuple(blockers),
        reasons,
        tuple(unchecked),
        _explanation(group_id, deletable, blockers, tuple(unchecked)),
        faq_id,
    )


def _instance_blocker(group_id: str, instance_id: str, state: str | None, _: tuple[str, ...]) -> Blocker:
    shown = state or "unknown state"
    if state in RECYCLE_BIN_STATES:
        return Blocker(
            "recycle_bin_instance",
            f"{instance_id} is in the recycle bin (state {state}) and is still bound to {group_id}.",
            f"Destroy {instance_id} from the recycle bin (or restore it and unbind {group_id}), then delete the group.",
            instance_id=instance_id,
        )
    if state in TERMINATING_STATES:
        return Blocker(
            "bound_instance",
            f"{instance_id} is being destroyed (state {state}) and is still bound to {group_id}.",
            f"Wait until {instance_id} has been destroyed, then delete the group.",
            instance_id=instance_id,
        )
    return Blocker(
        "bound_instance",
        f"{instance_id} ({shown}) is bound to {group_id}.",
        f"Unbind {group_id} from {instance_id} (bind another security group to it if needed), then delete the group.",
        instance_id=instance_id,
    )


def _reference_blockers(group_id: str, groups: Sequence[SecurityGroup]) -> list[Blocker]:
    blockers = []
    for group in groups:
        if group.id == group_id:
            continue  # a group's rules that name itself go away with it
        for policy in (*group.ingress, *group.egress):
            if isinstance(policy.source, GroupSource) and policy.source.group_id == group_id:
                blockers.append(
                    Blocker(
                        "referenced_by_rule",
                        f"{policy.label()} refers to {group_id}.",
                        f"Delete that rule or change its source in {group.id}, then delete {group_id}.",
                        policy=policy,
                    )
                )
    return blockers


def _explanation(group_id: str, deletable: bool | None, blockers: list[Blocker], unchecked: tuple[Reason, ...]) -> str:
    group_id = group_id or "the security group"
    words = {
        "bound_instance": "an instance still bound to it",
        "recycle_bin": (
            "an instance in the recycle bin still bound to it (returned instances stay bound until destroyed)"
        ),
        "referenced_by_rule": "a rule of another security group that references it",
    }
    if deletable is True:
        return (
            f"Nothing in the input keeps {group_id} from being deleted: no instance is bound and no rule refers to it."
        )
    if deletable is False:
        found = " ".join(b.detail for b in blockers)
        tail = f" Not checked: {', '.join(words[u] for u in unchecked)}." if unchecked else ""
        return f"{group_id[:1].upper()}{group_id[1:]} cannot be deleted yet. {found}{tail}"
    return (
        f"Whether {group_id} can be deleted cannot be told from the input. A security group cannot be deleted while "
        f"anything uses it; possible causes: {'; '.join(words[u] for u in unchecked)}. "
        "Check the recycle bin first: instances there still hold their security groups."
    )
