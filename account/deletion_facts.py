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

The reading of the recycle bin (``InstanceState`` SHUTDOWN, ``IsolatedSource``) and
the order to clear the blockers are the rule engine's (:mod:`rules.deletion`): these
facts are its input, :meth:`DeletionFacts.engine_input` gives it in the shape
:meth:`rules.RuleEngine.deletion_request` takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from account.client import AccountClient
from account.errors import ResourceNotFoundError
from account.reading import Reader, ReadRecord, id_filter

MAX_REFERRING_GROUPS = 10
# Counted by the statistics, but not "other resources": instances are listed one by one, and
# referring groups are named by DescribeSecurityGroupReferences.
_LISTED_KINDS = frozenset({"CVM", "SG"})


@dataclass(frozen=True)
class DeletionFacts:
    """What the account says about deleting one security group.

    Attributes:
        security_group_id: The group asked about.
        region: Where it was read.
        name: Its name.
        is_default: Whether it is the region's default group.
        counts: Bound resources by type (``CVM``, ``CDB``, ``ENI``, ``CLB``, ...) and
            ``SG`` (groups whose rules refer to it), as the statistics give them.
        instances: The bound instances as DescribeInstances returns them (the rule
            engine's ``instances`` input).
        referrers: The groups whose rules refer to it (DescribeSecurityGroupReferences).
        other_groups: The referring groups with their rules, in the JSON shape of
            DescribeSecurityGroupPolicies plus ``SecurityGroupId`` (its ``other_groups``);
            at most :data:`MAX_REFERRING_GROUPS`.
        notes: What could not be read or does not add up.
        read: The actions called and when.
    """

    security_group_id: str
    region: str
    name: str
    is_default: bool
    counts: Mapping[str, int]
    instances: tuple[Mapping[str, Any], ...]
    referrers: tuple[str, ...]
    other_groups: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...]
    read: ReadRecord

    @property
    def bound_resources(self) -> dict[str, int]:
        """Resources other than instances bound to the group, by type (``CLB``: 1)."""
        return {kind: n for kind, n in sorted(self.counts.items()) if kind not in _LISTED_KINDS and n > 0}

    @property
    def summary(self) -> str:
        """What was read and when, e.g. ``read sg-1 in ap-guangzhou at 10:32 UTC: 2 CVM, 1 CLB bound; ...``."""
        bound = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items()) if kind != "SG" and n > 0)
        parts = [f"{bound} bound" if bound else "nothing bound"]
        count = len(self.referrers)
        parts.append(
            f"{count} group{'s' if count != 1 else ''} refer{'' if count != 1 else 's'} to it"
            if count
            else "no group refers to it"
        )
        if self.is_default:
            parts.append("the default group")
        return f"read {self.security_group_id} in {self.region} at {self.read.stamp}: {'; '.join(parts)}"

    def engine_input(self) -> dict[str, Any]:
        """The arguments of :meth:`rules.RuleEngine.deletion_request` after the group id."""
        return {
            "instances": [dict(i) for i in self.instances],
            "other_groups": [dict(g) for g in self.other_groups],
            "is_default": self.is_default,
            "bound_resources": self.bound_resources,
            "referring_groups": list(self.referrers),
        }


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
    return DeletionFacts(
        group_id,
        reader.region,
        str(group.get("SecurityGroupName") or ""),
        bool(group.get("IsDefault")),
        counts,
        tuple(instances),
        tuple(referrers),
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
