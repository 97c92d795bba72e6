"""Read security groups as DescribeSecurityGroupPolicies returns them.

Each group is ``{"SecurityGroupId": "sg-…", "SecurityGroupPolicySet": {"Ingress": [...],
"Egress": [...]}}``, or with the API's answer kept whole: ``{"SecurityGroupId": "sg-…",
"Response": {"SecurityGroupPolicySet": …, "RequestId": …}}`` (the API's answer has no
group id, so the id is always given beside it). Other fields of a group (its name,
``SecurityGroupDesc``, ``CreatedTime``…) are ignored. The policy set holds only
``Version``, ``Ingress``, ``Egress`` and ``PolicyStatistics``: any other key is refused,
because a misspelt ``Ingres`` would otherwise silently drop every inbound rule.

Order. When the policies of a direction carry ``PolicyIndex``, that is their order
(0 first, as Tencent Cloud matches them), whatever the order of the list; two policies
of one direction with the same index are refused, naming both. A direction where some
policies have an index and others do not is refused too: no order can be told.

Every problem is reported at once, located as ``(<list name>, group, "Ingress"|"Egress",
policy, field)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from rules.errors import Loc, Problem, RuleValidationError
from rules.fast_policy import compile_common
from rules.policies import DIRECTION_KEYS, Direction, Policy, Row, RuleTable, SecurityGroup
from rules.policy_reader import GROUP_ID, policy_of, read_policy, row_of

POLICY_SET_FIELDS = ("Version", "Ingress", "Egress", "PolicyStatistics")
RESPONSE_FIELDS = ("SecurityGroupPolicySet", "RequestId")


def parse_security_groups(raw: object, loc: Loc = ("security_groups",)) -> tuple[SecurityGroup, ...]:
    """Validate and compile a list of security groups, in binding (priority) order.

    Raises:
        RuleValidationError: listing every bad field with its location.
    """
    if not isinstance(raw, list):
        raise RuleValidationError.single(loc, "expected a list of security groups", "list_expected")
    problems: list[Problem] = []
    groups: list[SecurityGroup] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(raw):
        group = _group(item, (*loc, position), problems)
        if group is None:
            continue
        if group.id in seen:
            problems.append(
                Problem(
                    (*loc, position, "SecurityGroupId"),
                    f"{group.id} is listed twice (also at {seen[group.id]}); list each group once",
                    "duplicate",
                )
            )
        seen.setdefault(group.id, position)
        groups.append(group)
    if problems:
        raise RuleValidationError(problems)
    return tuple(groups)


def _group(item: object, loc: Loc, problems: list[Problem]) -> SecurityGroup | None:
    if not isinstance(item, dict):
        problems.append(Problem(loc, "expected a security group object", "object_expected"))
        return None
    count = len(problems)
    group_id = item.get("SecurityGroupId")
    if type(group_id) is not str or GROUP_ID.match(group_id) is None:
        message = (
            "missing SecurityGroupId: give the group's id (sg-…) beside its policies"
            if group_id is None or group_id == ""
            else f"SecurityGroupId must be an id such as sg-1a2b3c4d, got {group_id!r}"
        )
        problems.append(Problem((*loc, "SecurityGroupId"), message + _hint(item, "SecurityGroupId"), "id_invalid"))
    policy_set = _policy_set(item, loc, problems)
    tables: dict[Direction, RuleTable] = {}
    if policy_set is not None:
        set_loc, fields = policy_set
        for direction, key in DIRECTION_KEYS.items():
            table = _table(fields.get(key), str(group_id), direction, (*set_loc, key), problems)
            if table is not None:
                tables[direction] = table
    if len(problems) > count:
        return None
    assert isinstance(group_id, str)
    return SecurityGroup.from_tables(group_id, tables["ingress"], tables["egress"])


def _policy_set(item: dict[str, Any], loc: Loc, problems: list[Problem]) -> tuple[Loc, dict[str, Any]] | None:
    """The policy set and where its directions are located (``loc`` itself, as before)."""
    if "Response" in item and "SecurityGroupPolicySet" in item:
        problems.append(
            Problem((*loc, "Response"), "give SecurityGroupPolicySet or Response, not both", "conflicting_fields")
        )
        return None
    holder: Mapping[str, Any] = item
    if "Response" in item:
        response = item["Response"]
        if not isinstance(response, dict):
            problems.append(Problem((*loc, "Response"), "expected the API's Response object", "object_expected"))
            return None
        if "Error" in response:
            problems.append(
                Problem(
                    (*loc, "Response", "Error"),
                    "this is an error answer of DescribeSecurityGroupPolicies; call it again and pass its policies",
                    "api_error",
                )
            )
            return None
        _unknown_keys(response, RESPONSE_FIELDS, (*loc, "Response"), "Response", problems)
        holder = response
    policy_set = holder.get("SecurityGroupPolicySet")
    if not isinstance(policy_set, dict):
        problems.append(
            Problem(
                (*loc, "SecurityGroupPolicySet"),
                "missing SecurityGroupPolicySet; pass the group as DescribeSecurityGroupPolicies returns it"
                + _hint(holder, "SecurityGroupPolicySet"),
                "missing",
            )
        )
        return None
    _unknown_keys(policy_set, POLICY_SET_FIELDS, loc, "SecurityGroupPolicySet", problems)
    return loc, policy_set


def _unknown_keys(
    value: Mapping[str, Any], allowed: tuple[str, ...], loc: Loc, what: str, problems: list[Problem]
) -> None:
    for key in value:
        if key not in allowed:
            problems.append(
                Problem(
                    (*loc, key),
                    f"unknown field {key!r}: {what} holds {', '.join(allowed)}; correct its spelling or remove it",
                    "unknown_field",
                )
            )


def _hint(value: Mapping[str, Any], name: str) -> str:
    for key in value:
        if isinstance(key, str) and key != name and key.lower() == name.lower():
            return f" (found {key!r}: field names are case-sensitive)"
    return ""


def _table(items: object, group_id: str, direction: Direction, loc: Loc, problems: list[Problem]) -> RuleTable | None:
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(Problem(loc, f"{loc[-1]} must be a list of policies", "list_expected"))
        return None
    count = len(problems)
    found, indexes, others = compile_common(items)
    for slot in others:
        read = read_policy(items[slot], (*loc, slot), problems)
        if read is not None:
            found[slot], indexes[slot] = row_of(read, slot), read[1]
    if len(problems) > count:
        return None
    rows = cast("list[Row]", found)  # no problem was found: every slot holds a row
    by_index = _order(indexes, loc, problems)
    if by_index is None:
        return None
    if by_index:
        order = cast("list[int]", indexes)  # ordering by them: every policy has one
        if order != sorted(order):
            rows = [rows[slot] for slot in sorted(range(len(rows)), key=order.__getitem__)]

    def build(slot: int) -> Policy:
        read = read_policy(items[slot], (*loc, slot), [])
        assert read is not None  # it was read without a problem when the table was built
        return policy_of(read, group_id, direction, slot, items[slot])

    return RuleTable(group_id, direction, rows, by_index, build, len(rows))


def _order(indexes: list[int | None], loc: Loc, problems: list[Problem]) -> bool | None:
    """True: order by PolicyIndex; False: list order; None: refused (problems recorded)."""
    if None in indexes:
        if all(index is None for index in indexes):
            return False
        missing = indexes.index(None)
        given = next(i for i, index in enumerate(indexes) if index is not None)
        problems.append(
            Problem(
                (*loc, missing, "PolicyIndex"),
                f"policy {missing} has no PolicyIndex but policy {given} has one: give PolicyIndex on every "
                f"policy of {loc[-1]} or on none, so that their order is clear",
                "index_missing",
            )
        )
        return None
    if len(set(indexes)) == len(indexes):
        return True
    first_at: dict[int | None, int] = {}
    for position, index in enumerate(indexes):
        if index not in first_at:
            first_at[index] = position
            continue
        other = first_at[index]
        for here in (other, position):
            problems.append(
                Problem(
                    (*loc, here, "PolicyIndex"),
                    f"PolicyIndex {index} is used by policies {other} and {position} of {loc[-1]}; "
                    "each policy of a direction has its own index (give them 0, 1, 2… in matching order)",
                    "duplicate_index",
                )
            )
    return None
