"""Why a security group cannot be deleted, and the order to clear what is in the way.

Tencent Cloud refuses to delete a security group while anything uses it:

* an instance is still bound to it, **including instances in the recycle bin**
  (the FAQ's case: 云服务器已经全部退还，为什么安全组无法删除? – returned instances
  wait in the recycle bin and keep their security groups until they are destroyed);
* a rule of another security group references it (``SecurityGroupId`` in a policy);
* another resource is bound to it (a load balancer, a database, a network interface...:
  DescribeSecurityGroupAssociationStatistics counts them by type);
* it is the default group of its project and region, which cannot be deleted at all.

Instance states (``InstanceState`` of DescribeInstances: PENDING, LAUNCH_FAILED,
RUNNING, STOPPED, STARTING, STOPPING, REBOOTING, SHUTDOWN, TERMINATING) and
``IsolatedSource`` (MANMADE: returned by the user, EXPIRE: a prepaid instance expired,
ARREAR: overdue payment, NOTISOLATED):

* ``SHUTDOWN`` (停止待销毁, "stopped, waiting to be destroyed") is the state of an
  instance in the recycle bin: a returned prepaid instance or a terminated
  pay-as-you-go instance waits there, still bound, until it is destroyed or
  restored. It counts as ``recycle_bin_instance``. So does an isolated instance
  (``IsolatedSource`` MANMADE, EXPIRE or ARREAR) whatever its state; the reason picks
  the advice (restore, renew, top up).
* ``TERMINATING`` (销毁中) is being destroyed; its binding goes when that finishes.
  It counts as ``bound_instance`` with the advice to wait.
* Every other state, an unknown one or none counts as ``bound_instance``: the
  instance exists and is bound.

Order to clear them (the order of ``blockers``): the default group first (it can never
be deleted, nothing else matters); then rules of other groups that refer to it (editing
them changes no binding); then resources other than instances (each is unbound in its
own console); then bound instances (bind another group to each first: an instance needs
one); the recycle bin last, because destroying an instance there cannot be undone.

The instance list should be DescribeInstances' output for the group's region (it
includes recycle-bin instances). A group's references to itself do not block its
deletion and are ignored. What the input does not cover is reported as unchecked,
never assumed clear: with no input at all the answer lists every possible cause. Other
resources and the default group are checked only when the caller gives them (reading
the account does; a pasted instance list cannot say).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rules.decisions import Blocker, BlockerKind, DeletionDiagnosis, Reason
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.policies import GroupSource, SecurityGroup

RECYCLE_BIN_STATES = frozenset({"SHUTDOWN"})
TERMINATING_STATES = frozenset({"TERMINATING"})
# Why an isolated instance waits in the recycle bin, and how to get it back.
ISOLATION = {
    "MANMADE": ("it was returned", "restore it"),
    "EXPIRE": ("it expired", "renew it"),
    "ARREAR": ("the account had an overdue payment", "top up the account"),
}
# The possible causes when nothing is known (the order the bot lists them in).
ALL_REASONS: tuple[Reason, ...] = ("bound_instance", "recycle_bin", "referenced_by_rule")
CLEARING_ORDER: tuple[BlockerKind, ...] = (
    "default_group",
    "referenced_by_rule",
    "bound_resource",
    "bound_instance",
    "recycle_bin_instance",
)
REASON_OF: dict[BlockerKind, Reason] = {
    "default_group": "default_group",
    "referenced_by_rule": "referenced_by_rule",
    "bound_resource": "bound_resource",
    "bound_instance": "bound_instance",
    "recycle_bin_instance": "recycle_bin",
}
RESOURCE_NAMES = {
    "CLB": "load balancer (CLB)",
    "CDB": "TencentDB for MySQL (CDB)",
    "ENI": "elastic network interface (ENI)",
}


@dataclass(frozen=True)
class BoundInstance:
    """An instance as the deletion check reads it.

    Attributes:
        instance_id: Its id (``#n`` when the input gave none).
        state: ``InstanceState`` upper case, or None.
        group_ids: ``SecurityGroupIds``.
        isolated_source: ``IsolatedSource`` upper case (MANMADE, EXPIRE, ARREAR, NOTISOLATED), or None.
    """

    instance_id: str
    state: str | None
    group_ids: tuple[str, ...]
    isolated_source: str | None = None


def parse_instances(raw: object, loc: Loc = ("instances",)) -> tuple[BoundInstance, ...]:
    """Instances with their state, groups and isolation.

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
        result.append(
            BoundInstance(
                instance_id.strip() if isinstance(instance_id, str) and instance_id.strip() else f"#{i}",
                _upper(fields.get("instancestate")),
                tuple(g.strip() for g in groups),
                _upper(fields.get("isolatedsource")),
            )
        )
    problems.raise_if_any()
    return tuple(result)


def _lower(raw: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in raw.items()}


def _upper(value: object) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def diagnose_deletion(
    group_id: str,
    instances: Sequence[BoundInstance] | None,
    other_groups: Sequence[SecurityGroup] | None,
    faq_id: str,
    *,
    is_default: bool | None = None,
    bound_resources: Mapping[str, int] | None = None,
    referring_groups: Sequence[str] | None = None,
) -> DeletionDiagnosis:
    """Why ``group_id`` can or cannot be deleted, from what the caller knows.

    ``None`` for ``instances`` or ``other_groups`` means "not checked", not "none".

    Args:
        group_id: The group asked about.
        instances: The region's instances (those not bound to the group are ignored).
        other_groups: Other groups with their rules (those referring to it are blockers).
        faq_id: The FAQ entry on undeletable groups.
        is_default: Whether it is the default group (None: not known).
        bound_resources: Resources other than instances bound to it, by type (``CLB``: 1).
        referring_groups: Ids of the groups whose rules refer to it, as the account lists
            them; those not in ``other_groups`` are blockers without the rule named.
    """
    blockers: list[Blocker] = []
    unchecked: list[Reason] = []
    if is_default:
        blockers.append(_default_blocker(group_id))
    if instances is None:
        unchecked += ["bound_instance", "recycle_bin"]
    else:
        blockers += [_instance_blocker(group_id, i) for i in instances if group_id in i.group_ids]
    if other_groups is None and referring_groups is None:
        unchecked.append("referenced_by_rule")
    else:
        blockers += _reference_blockers(group_id, other_groups or (), referring_groups or ())
    for kind, count in sorted((bound_resources or {}).items()):
        if count > 0:
            blockers.append(_resource_blocker(group_id, kind, count))
    blockers.sort(key=lambda b: CLEARING_ORDER.index(b.kind))
    found = tuple(dict.fromkeys(REASON_OF[b.kind] for b in blockers))
    deletable = False if blockers else (None if unchecked else True)
    reasons = found if blockers else tuple(unchecked)
    explanation = _explanation(group_id, deletable, blockers, tuple(unchecked), bound_resources is not None)
    return DeletionDiagnosis(group_id, deletable, tuple(blockers), reasons, tuple(unchecked), explanation, faq_id)


def _default_blocker(group_id: str) -> Blocker:
    return Blocker(
        "default_group",
        f"{group_id} is the default security group of its project and region; it cannot be deleted.",
        "Keep it; create and bind another group if you do not want to use it.",
        subject=group_id,
    )


def _instance_blocker(group_id: str, instance: BoundInstance) -> Blocker:
    instance_id, state = instance.instance_id, instance.state
    isolation = ISOLATION.get(instance.isolated_source or "")
    if state in RECYCLE_BIN_STATES or isolation is not None:
        why, restore = isolation if isolation is not None else (None, "restore it")
        reason = f" because {why}" if why else ""
        return Blocker(
            "recycle_bin_instance",
            f"{instance_id} is in the recycle bin{reason} (state {state or 'unknown'}) and is still bound to "
            f"{group_id}.",
            f"Destroy {instance_id} in the recycle bin (this cannot be undone), or {restore} and unbind {group_id}; "
            "then delete the group.",
            instance_id=instance_id,
            subject=instance_id,
        )
    if state in TERMINATING_STATES:
        return Blocker(
            "bound_instance",
            f"{instance_id} is being destroyed (state {state}) and is still bound to {group_id}.",
            f"Wait until {instance_id} has been destroyed, then delete the group.",
            instance_id=instance_id,
            subject=instance_id,
        )
    return Blocker(
        "bound_instance",
        f"{instance_id} ({state or 'unknown state'}) is bound to {group_id}.",
        f"Bind another security group to {instance_id} if it has no other, then unbind {group_id} from it; "
        "then delete the group.",
        instance_id=instance_id,
        subject=instance_id,
    )


def _reference_blockers(
    group_id: str, groups: Sequence[SecurityGroup], referring_groups: Sequence[str]
) -> list[Blocker]:
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
                        f"Delete that rule or change its source in {group.id} (to an IP range, for example), then "
                        f"delete {group_id}.",
                        policy=policy,
                        subject=group.id,
                    )
                )
    read = {g.id for g in groups}
    for other in dict.fromkeys(referring_groups):
        if other != group_id and other not in read:
            blockers.append(
                Blocker(
                    "referenced_by_rule",
                    f"Rules of {other} refer to {group_id} (its rules were not read).",
                    f"Delete the rules of {other} that name {group_id}, or change their source, then delete "
                    f"{group_id}.",
                    subject=other,
                )
            )
    return blockers


def _resource_blocker(group_id: str, kind: str, count: int) -> Blocker:
    name = RESOURCE_NAMES.get(kind, kind)
    extra = (
        " If they are the network interfaces of the instances listed, they go with those instances."
        if kind == "ENI"
        else ""
    )
    return Blocker(
        "bound_resource",
        f"{count} {name} resource(s) are bound to {group_id}.",
        f"Unbind {group_id} from them in the {kind} console (its security group settings), then delete the group."
        + extra,
        subject=kind,
        count=count,
    )


_WORDS: dict[Reason, str] = {
    "bound_instance": "an instance still bound to it",
    "recycle_bin": "an instance in the recycle bin still bound to it (returned instances stay bound until destroyed)",
    "referenced_by_rule": "a rule of another security group that references it",
    "bound_resource": "another resource bound to it (a load balancer, a database, a network interface...)",
    "default_group": "it is the default security group, which cannot be deleted",
}


def _explanation(
    group_id: str, deletable: bool | None, blockers: list[Blocker], unchecked: tuple[Reason, ...], resources: bool
) -> str:
    group_id = group_id or "the security group"
    if deletable is True:
        tail = "" if resources else " Other resources bound to it (load balancers, databases...) were not checked."
        return (
            f"Nothing in the input keeps {group_id} from being deleted: no instance is bound and no rule refers to "
            f"it.{tail}"
        )
    if deletable is False:
        found = " ".join(b.detail for b in blockers)
        steps = ""
        if len(blockers) > 1:
            steps = " Clear them in this order: " + " ".join(f"{n}. {b.advice}" for n, b in enumerate(blockers, 1))
        tail = f" Not checked: {', '.join(_WORDS[u] for u in unchecked)}." if unchecked else ""
        subject = "The security group" if group_id == "the security group" else group_id
        return f"{subject} cannot be deleted yet. {found}{steps}{tail}"
    return (
        f"Whether {group_id} can be deleted cannot be told from the input. A security group cannot be deleted while "
        f"anything uses it; possible causes: {'; '.join(_WORDS[u] for u in unchecked)}. "
        "Check the recycle bin first: instances there still hold their security groups."
    )
