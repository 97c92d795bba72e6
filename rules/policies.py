"""Security groups and their policies, read leniently from Tencent Cloud's JSON.

Input is what ``DescribeSecurityGroupPolicies`` returns, per group, either as
``{"SecurityGroupId": "sg-…", "SecurityGroupPolicySet": {"Ingress": [...], "Egress": [...]}}``
or wrapped as the API answers: ``{"SecurityGroupId": "sg-…", "Response": {"SecurityGroupPolicySet": …}}``
(the API's response has no group id; without one the group is called ``#<position>``).
Field names may be in any case; empty strings and empty template objects count as
absent, as the API returns them. Each policy needs exactly one source (``CidrBlock``,
``Ipv6CidrBlock``, ``SecurityGroupId`` or ``AddressTemplate``) and either
``Protocol``/``Port`` or ``ServiceTemplate``. Every problem is reported at once, each
located as ``(<list name>, group, "Ingress"|"Egress", policy, field)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rules.addresses import IPNetwork, parse_cidr
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.services import Service, make_service, parse_rule_protocol

Direction = Literal["ingress", "egress"]
Action = Literal["ACCEPT", "DROP"]
DIRECTION_KEYS: dict[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}


@dataclass(frozen=True)
class CidrSource:
    """Remote addresses given as a CIDR block (``CidrBlock`` or ``Ipv6CidrBlock``)."""

    network: IPNetwork


@dataclass(frozen=True)
class GroupSource:
    """Remote addresses are the members of another (or the same) security group."""

    group_id: str


@dataclass(frozen=True)
class AddressTemplateSource:
    """Remote addresses come from an IP address template (``ipm-…``) or group (``ipmg-…``)."""

    template_id: str


@dataclass(frozen=True)
class ServiceTemplateRef:
    """Protocol and ports come from a protocol-port template (``ppm-…``) or group (``ppmg-…``)."""

    template_id: str


Source = CidrSource | GroupSource | AddressTemplateSource


@dataclass(frozen=True)
class Policy:
    """One validated rule, with the caller's original object kept for echoing."""

    group_id: str
    direction: Direction
    position: int
    policy_index: int | None
    action: Action
    service: Service | ServiceTemplateRef
    source: Source
    raw: Mapping[str, Any] = field(compare=False, hash=False)

    @property
    def index(self) -> int:
        """``PolicyIndex`` when given, else the position in the list."""
        return self.policy_index if self.policy_index is not None else self.position

    def label(self) -> str:
        """How messages name the rule, e.g. ``sg-1 Ingress rule #2 (PolicyIndex 2)``."""
        description = self.raw.get("PolicyDescription") if isinstance(self.raw, Mapping) else None
        text = f"{self.group_id} {DIRECTION_KEYS[self.direction]} rule #{self.position}"
        if self.policy_index is not None:
            text += f" (PolicyIndex {self.policy_index})"
        if isinstance(description, str) and description.strip():
            text += f" {description.strip()!r}"
        return text


@dataclass(frozen=True)
class SecurityGroup:
    """A security group's id and its policies per direction, in evaluation order."""

    id: str
    ingress: tuple[Policy, ...]
    egress: tuple[Policy, ...]

    def policies(self, direction: Direction) -> tuple[Policy, ...]:
        """The policies of one direction, top first."""
        return self.ingress if direction == "ingress" else self.egress


def parse_security_groups(raw: object, loc: Loc = ("security_groups",)) -> tuple[SecurityGroup, ...]:
    """Validate a list of security groups, in priority order.

    Raises:
        RuleValidationError: listing every bad field with its location.
    """
    if not isinstance(raw, list):
        raise RuleValidationError.single(loc, "expected a list of security groups", "list_expected")
    problems = ProblemCollector()
    groups: list[SecurityGroup] = []
    seen: set[str] = set()
    for position, item in enumerate(raw):
        try:
            group = parse_security_group(item, position, (*loc, position))
        except RuleValidationError as e:
            problems.extend(e.problems)
            continue
        if group.id in seen:
            problems.add(
                (*loc, position, "SecurityGroupId"), f"{group.id} is listed twice; list each group once", "duplicate"
            )
        seen.add(group.id)
        groups.append(group)
    problems.raise_if_any()
    return tuple(groups)


def parse_security_group(raw: object, position: int, loc: Loc) -> SecurityGroup:
    """Validate one security group (plain or wrapped in ``Response``).

    Raises:
        RuleValidationError: listing every bad field with its location.
    """
    outer = _keys(raw)
    if outer is None:
        raise RuleValidationError.single(loc, "expected a security group object", "object_expected")
    inner = _keys(_get(outer, "Response")) or outer
    group_id = _text(_get(outer, "SecurityGroupId")) or _text(_get(inner, "SecurityGroupId")) or f"#{position}"
    policy_set = _keys(_get(inner, "SecurityGroupPolicySet"))
    if policy_set is None:
        raise RuleValidationError.single(
            (*loc, "SecurityGroupPolicySet"),
            "missing SecurityGroupPolicySet; pass the group as DescribeSecurityGroupPolicies returns it",
            "missing",
        )
    problems = ProblemCollector()
    by_direction: dict[Direction, tuple[Policy, ...]] = {}
    for direction, key in DIRECTION_KEYS.items():
        items = _get(policy_set, key)
        if items is None:
            items = []
        if not isinstance(items, list):
            problems.add((*loc, key), f"{key} must be a list of policies", "list_expected")
            continue
        policies = []
        for i, item in enumerate(items):
            try:
                policies.append(parse_policy(item, group_id, direction, i, (*loc, key, i)))
            except RuleValidationError as e:
                problems.extend(e.problems)
        by_direction[direction] = tuple(policies)
    problems.raise_if_any()
    return SecurityGroup(group_id, by_direction["ingress"], by_direction["egress"])


def parse_policy(raw: object, group_id: str, direction: Direction, position: int, loc: Loc) -> Policy:
    """Validate one ``SecurityGroupPolicy`` object.

    Raises:
        RuleValidationError: listing every bad field with its location.
    """
    fields = _keys(raw)
    if fields is None:
        raise RuleValidationError.single(loc, "expected a policy object", "object_expected")
    problems = ProblemCollector()
    results: dict[str, Any] = {}
    readers = (("action", _action), ("policy_index", _policy_index), ("service", _service), ("source", _source))
    for name, reader in readers:
        try:
            results[name] = reader(fields, loc)
        except RuleValidationError as e:
            problems.extend(e.problems)
    problems.raise_if_any()
    original = raw if isinstance(raw, Mapping) else {}
    return Policy(
        group_id,
        direction,
        position,
        results["policy_index"],
        results["action"],
        results["service"],
        results["source"],
        dict(original),
    )


class _Fields:
    """A policy's fields looked up case-insensitively, remembering the caller's spelling."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._items = {str(k).lower(): (str(k), v) for k, v in raw.items()}

    def get(self, name: str) -> tuple[str, Any]:
        """The caller's key (or ``name`` when absent) and the value (None when absent)."""
        return self._items.get(name.lower(), (name, None))


def _keys(raw: object) -> _Fields | None:
    return _Fields(raw) if isinstance(raw, Mapping) else None


def _get(fields: _Fields | None, name: str) -> Any:
    return fields.get(name)[1] if fields is not None else None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _template_id(value: object, id_key: str, group_key: str, loc: Loc) -> str | None:
    """The one id of a template reference object, or None when it is empty."""
    if value is None or value == "":
        return None
    inner = _keys(value)
    if inner is None:
        raise RuleValidationError.single(loc, f"expected an object with {id_key} or {group_key}", "object_expected")
    single, group = _text(_get(inner, id_key)), _text(_get(inner, group_key))
    if single and group:
        raise RuleValidationError.single(loc, f"give {id_key} or {group_key}, not both", "conflicting_fields")
    return single or group


def _action(fields: _Fields, loc: Loc) -> str:
    key, value = fields.get("Action")
    text = value.strip().upper() if isinstance(value, str) else None
    if text not in ("ACCEPT", "DROP"):
        raise RuleValidationError.single((*loc, key), f"Action must be ACCEPT or DROP, got {value!r}", "action_invalid")
    return text


def _policy_index(fields: _Fields, loc: Loc) -> int | None:
    key, value = fields.get("PolicyIndex")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise RuleValidationError.single(
            (*loc, key), f"PolicyIndex must be a whole number, got {value!r}", "index_invalid"
        )
    return int(value)


def _service(fields: _Fields, loc: Loc) -> Service | ServiceTemplateRef:
    template_key, template = fields.get("ServiceTemplate")
    template_id = _template_id(template, "ServiceId", "ServiceGroupId", (*loc, template_key))
    protocol_key, protocol = fields.get("Protocol")
    port_key, port = fields.get("Port")
    if template_id is not None:
        port_given = port not in (None, "") and str(port).strip().lower() != "all"
        if _text(protocol) is not None or port_given:
            raise RuleValidationError.single(
                (*loc, template_key), "ServiceTemplate and Protocol/Port are exclusive; keep one", "conflicting_fields"
            )
        return ServiceTemplateRef(template_id)
    if _text(protocol) is None:
        raise RuleValidationError.single(
            (*loc, protocol_key),
            "missing Protocol (or a ServiceTemplate); use TCP, UDP, ICMP, ICMPv6, GRE or ALL",
            "missing",
        )
    return make_service(parse_rule_protocol(protocol, (*loc, protocol_key)), port, (*loc, port_key))


def _source(fields: _Fields, loc: Loc) -> Source:
    found: list[tuple[str, Source]] = []
    problems = ProblemCollector()
    for name, family in (("CidrBlock", 4), ("Ipv6CidrBlock", 6)):
        key, value = fields.get(name)
        if value is not None and value != "":
            try:
                found.append((key, CidrSource(parse_cidr(value, (*loc, key), family))))
            except RuleValidationError as e:
                problems.extend(e.problems)
    key, value = fields.get("SecurityGroupId")
    if value is not None and value != "":
        if _text(value) is None:
            problems.add(
                (*loc, key), f"SecurityGroupId must be a group id such as sg-xxxxxxxx, got {value!r}", "id_invalid"
            )
        else:
            found.append((key, GroupSource(str(value).strip())))
    key, value = fields.get("AddressTemplate")
    try:
        template_id = _template_id(value, "AddressId", "AddressGroupId", (*loc, key))
        if template_id is not None:
            found.append((key, AddressTemplateSource(template_id)))
    except RuleValidationError as e:
        problems.extend(e.problems)
    problems.raise_if_any()
    if not found:
        raise RuleValidationError.single(
            (*loc, "CidrBlock"),
            "the policy has no source: give CidrBlock, Ipv6CidrBlock, SecurityGroupId or AddressTemplate",
            "missing",
        )
    if len(found) > 1:
        raise RuleValidationError.single(
            (*loc, found[1][0]),
            f"{found[0][0]} and {found[1][0]} are exclusive; a policy has one source",
            "conflicting_fields",
        )
    return found[0][1]
