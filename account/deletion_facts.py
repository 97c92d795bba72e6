"""Why a security group cannot be deleted, read from the account.

Calls (all vpc except DescribeInstances, which is cvm):

1. DescribeSecurityGroups: the group exists, and ``IsDefault`` (the default group
   cannot be deleted at all).
2. DescribeSecurityGroupAssociationStatistics: what is bound to it, by type (CVM,
   CDB, ENI, CLB, ... in ``InstanceStatistics``) and ``SG``, the number of groups
   whose rules refer to it.
3. DescribeSecurityGroupReferences: which groups those are.
4. DescribeSecurityGroupPolicies of each referring group (at most
   :data:`MAX_REFERRING_GROUPS`): the rules to change, given to the rule engine as
   ``other_groups``.
5. DescribeInstances filtered by ``security-group-id``: the instances bound, and
   whether each waits in the recycle bin.

Reading of the recycle bin (DescribeInstances' ``InstanceState`` and
``IsolatedSource``; the states are listed in the instance-state table,
https://cloud.tencent.com/document/api/213/15753#InstanceStatus, and the lifecycle in
https://tencentcloud.com/document/product/213/4856):

* ``InstanceState`` ``SHUTDOWN`` (停止待销毁, "stopped, waiting to be destroyed") is an
  instance in the recycle bin; TerminateInstances puts a returned instance there first
  (https://tencentcloud.com/document/product/213/33234). It keeps its security groups
  until destroyed.
* ``IsolatedSource`` says why an instance is isolated: ``MANMADE`` (returned by the
  user), ``EXPIRE`` (a prepaid instance expired), ``ARREAR`` (overdue payment);
  ``NOTISOLATED`` is not isolated. An isolated instance is in the recycle bin whatever
  its state, and the reason decides the advice (renew or top up to restore it).
* ``TERMINATING`` is being destroyed: its binding goes when that finishes (wait).
* Any other state is a bound instance.

Order in which blockers are listed, i.e. the order to clear them: the default group
first (it can never be deleted: nothing else matters); then rules of other groups
that refer to it (editing them changes no binding); then resources other than CVM
(CLB, CDB, ENI, ...: each is unbound in its own console); then bound instances (bind
another group to each first, an instance needs one); the recycle bin last, because
destroying an instance there cannot be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from account.client import AccountClient
from account.errors import ResourceNotFoundError
from account.reading import Reader, ReadRecord, id_filter

MAX_REFERRING_GROUPS = 10
BlockerKind = Literal["default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin_instance"]
ISOLATION_WHY = {
    "MANMADE": "it was returned",
    "EXPIRE": "it expired",
    "ARREAR": "the account had an overdue payment",
}
_ORDER: tuple[BlockerKind, ...] = (
    "default_group",
    "referenced_by_rule",
    "bound_resource",
    "bound_instance",
    "recycle_bin_instance",
)


@dataclass(frozen=True)
class DeletionBlocker:
    """One thing that keeps the group from being deleted, and how to clear it.

    Attributes:
        kind: What it is (see :data:`BlockerKind`).
        subject: The instance, group or resource type concerned.
        detail: What was found, in plain English.
        advice: What to do about it.
    """

    kind: BlockerKind
    subject: str
    detail: str
    advice: str


@dataclass(frozen=True)
class DeletionFacts:
    """What the account says about deleting one security group.

    Attributes:
        security_group_id: The group asked about.
        region: Where it was read.
        name: Its name.
        is_default: Whether it is the region's default group.
        blockers: Everything in the way, in the order to clear it.
        counts: Bound resources by type (``CVM``, ``CDB``, ``ENI``, ``CLB``, ...) and
            ``SG`` (groups whose rules refer to it), as the statistics give them.
        instances: The bound instances as DescribeInstances returns them (the rule
            engine's ``instances`` input).
        other_groups: The referring groups with their rules, in the JSON shape of
            DescribeSecurityGroupPolicies plus ``SecurityGroupId`` (its ``other_groups``).
        notes: What could not be read or does not add up.
        read: The actions called and when.
    """

    security_group_id: str
    region: str
    name: str
    is_default: bool
    blockers: tuple[DeletionBlocker, ...]
    counts: Mapping[str, int]
    instances: tuple[Mapping[str, Any], ...]
    other_groups: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...]
    read: ReadRecord

    @property
    def deletable(self) -> bool:
        """Whether nothing the account shows is in the way."""
        return not self.blockers

    @property
    def summary(self) -> str:
        """What was read and when, e.g. ``read sg-1 in ap-guangzhou at 10:32 UTC: 2 blockers``."""
        found = f"{len(self.blockers)} blocker(s)" if self.blockers else "nothing in the way"
        return f"read {self.security_group_id} in {self.region} at {self.read.stamp}: {found}"


def read_deletion_facts(client: AccountClient, group_id: str, region: str | None = None) -> DeletionFacts:
    """Read everything that decides whether ``group_id`` can be deleted.

    Raises:
        ResourceNotFoundError: no such group in the region.
        AccountError: any other failure (see :mod:`account.errors`).
    """
    reader = Reader(client, region)
    ids = [group_id]
    groups = reader.one("DescribeSecurityGroups", {"SecurityGroupIds": ids}, ids).get("SecurityGroupSet") or []
    group = next((g for g in groups if g.get("SecurityGroupId") == group_id), None)
    if group is None:  # the API answers an unknown id with an error; an empty list means the same
        raise ResourceNotFoundError(
            f"{group_id} not found in region {reader.region}",
            action="DescribeSecurityGroups",
            region=reader.region,
            code="ResourceNotFound",
            request_id=None,
            user_message=f"I couldn't find {group_id} in region {reader.region}. Please check the id or the region.",
        )
    stats = _statistics(reader, group_id)
    referrers = _referrers(reader, group_id)
    other_groups, notes = _referring_rules(reader, group_id, referrers)
    instances = reader.all("DescribeInstances", {"Filters": id_filter("security-group-id", ids)}, ids)
    counts = _counts(stats)
    notes += _consistency(counts, instances, referrers)
    blockers = _blockers(group_id, bool(group.get("IsDefault")), counts, referrers, other_groups, instances)
    return DeletionFacts(
        group_id,
        reader.region,
        str(group.get("SecurityGroupName") or ""),
        bool(group.get("IsDefault")),
        blockers,
        counts,
        tuple(instances),
        tuple(other_groups),
        tuple(notes),
        reader.record(),
    )


def _statistics(reader: Reader, group_id: str) -> Mapping[str, Any]:
    answer = reader.one("DescribeSecurityGroupAssociationStatistics", {"SecurityGroupIds": [group_id]}, [group_id])
    found = answer.get("SecurityGroupAssociationStatisticsSet") or []
    return next((s for s in found if s.get("SecurityGroupId") == group_id), {})


def _referrers(reader: Reader, group_id: str) -> list[str]:
    answer = reader.one("DescribeSecurityGroupReferences", {"SecurityGroupIds": [group_id]}, [group_id])
    for item in answer.get("ReferredSecurityGroupSet") or []:
        if item.get("SecurityGroupId") == group_id:
            return [g for g in item.get("ReferredSecurityGroupIds") or [] if isinstance(g, str) and g != group_id]
    return []


def _referring_rules(reader: Reader, group_id: str, referrers: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    groups: list[dict[str, Any]] = []
    notes: list[str] = []
    for other in referrers[:MAX_REFERRING_GROUPS]:
        answer = reader.one("DescribeSecurityGroupPolicies", {"SecurityGroupId": other}, [other])
        groups.append({"SecurityGroupId": other, "SecurityGroupPolicySet": answer.get("SecurityGroupPolicySet") or {}})
    if len(referrers) > MAX_REFERRING_GROUPS:
        rest = ", ".join(referrers[MAX_REFERRING_GROUPS:])
        notes.append(f"the rules of {rest} were not read (more than {MAX_REFERRING_GROUPS} groups refer to {group_id})")
    return groups, notes


def _counts(stats: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in stats.get("InstanceStatistics") or []:
        kind, number = item.get("InstanceType"), item.get("InstanceCount")
        if isinstance(kind, str) and isinstance(number, int) and number > 0:
            counts[kind.upper()] = counts.get(kind.upper(), 0) + number
    for kind in ("CVM", "CDB", "ENI", "CLB", "SG"):
        number = stats.get(kind)
        if isinstance(number, int) and number > counts.get(kind, 0):
            counts[kind] = number
    return counts


def _consistency(counts: Mapping[str, int], instances: list[dict[str, Any]], referrers: list[str]) -> list[str]:
    notes = []
    if counts.get("CVM", 0) > len(instances):
        notes.append(
            f"the statistics count {counts['CVM']} bound CVM but DescribeInstances listed {len(instances)}; "
            "some may be in another state or not visible to this key"
        )
    if counts.get("SG", 0) > len(referrers):
        notes.append(f"the statistics count {counts['SG']} referring groups but only {len(referrers)} were listed")
    return notes


def _blockers(
    group_id: str,
    is_default: bool,
    counts: Mapping[str, int],
    referrers: list[str],
    other_groups: list[dict[str, Any]],
    instances: list[dict[str, Any]],
) -> tuple[DeletionBlocker, ...]:
    found: list[DeletionBlocker] = []
    if is_default:
        found.append(
            DeletionBlocker(
                "default_group",
                group_id,
                f"{group_id} is the default security group of its project and region; it cannot be deleted.",
                "Keep it; create and bind another group if you do not want to use it.",
            )
        )
    rules = {str(g["SecurityGroupId"]): _rules_naming(g, group_id) for g in other_groups}
    for other in referrers:
        named = rules.get(other)
        which = f": {named}" if named else ""
        found.append(
            DeletionBlocker(
                "referenced_by_rule",
                other,
                f"rules of {other} refer to {group_id}{which}.",
                f"Delete those rules in {other}, or change their source to an IP range, then delete {group_id}.",
            )
        )
    for kind, number in sorted(counts.items()):
        if kind not in ("CVM", "SG") and number > 0:
            found.append(
                DeletionBlocker(
                    "bound_resource",
                    kind,
                    f"{number} {kind} resource(s) are bound to {group_id}.",
                    f"Unbind {group_id} from them in the {kind} console (if they are the network interfaces of the "
                    "instances below, they go with those instances).",
                )
            )
    found += [_instance_blocker(group_id, i) for i in instances]
    return tuple(sorted(found, key=lambda b: _ORDER.index(b.kind)))


def _rules_naming(group: Mapping[str, Any], group_id: str) -> str:
    policy_set = group.get("SecurityGroupPolicySet") or {}
    parts = []
    for direction in ("Ingress", "Egress"):
        for i, policy in enumerate(policy_set.get(direction) or []):
            if isinstance(policy, Mapping) and policy.get("SecurityGroupId") == group_id:
                index = policy.get("PolicyIndex")
                parts.append(f"{direction} rule #{i}" + (f" (PolicyIndex {index})" if isinstance(index, int) else ""))
    return ", ".join(parts)


def _instance_blocker(group_id: str, instance: Mapping[str, Any]) -> DeletionBlocker:
    instance_id = str(instance.get("InstanceId") or "an instance")
    state = str(instance.get("InstanceState") or "").upper()
    isolated = str(instance.get("IsolatedSource") or "").upper()
    why = ISOLATION_WHY.get(isolated)
    if state == "SHUTDOWN" or why is not None:
        reason = f" because {why}" if why else ""
        restore = {
            "EXPIRE": "renew it",
            "ARREAR": "top up the account",
        }.get(isolated, "restore it")
        return DeletionBlocker(
            "recycle_bin_instance",
            instance_id,
            f"{instance_id} is in the recycle bin{reason} (state {state or 'unknown'}) and still holds {group_id}.",
            f"Destroy {instance_id} in the recycle bin (this cannot be undone), or {restore} and unbind "
            f"{group_id}; then delete the group.",
        )
    if state == "TERMINATING":
        return DeletionBlocker(
            "bound_instance",
            instance_id,
            f"{instance_id} is being destroyed and still holds {group_id}.",
            f"Wait until {instance_id} is gone, then delete the group.",
        )
    return DeletionBlocker(
        "bound_instance",
        instance_id,
        f"{instance_id} ({state or 'unknown state'}) is bound to {group_id}.",
        f"Bind another security group to {instance_id} if it has no other, then unbind {group_id} from it.",
    )
