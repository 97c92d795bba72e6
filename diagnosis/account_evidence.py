"""What the account said about the case's instance, kept in the case beside the pastes.

When the helpdesk may read the account (``account/``), a case that names an instance gets
its security groups (in binding order, as a ``security_groups`` evidence item marked
``origin: account``) and this record: when and where it was read, the templates the rules
name and the subnet's network ACL. The diagnosis package does not call the API itself: the
caller gives :meth:`diagnosis.Diagnoser.step` an :data:`InstanceReader` that returns an
:class:`AccountReading` or an :class:`AccountUnavailable`.

JSON (the case's ``account`` field)::

    {"instance_id": "ins-1a2b3c4d", "region": "ap-guangzhou", "read_at": "2026-03-02T10:32:05Z",
     "state": "RUNNING", "public_ips": ["203.0.113.10"], "private_ips": ["10.0.1.5"],
     "group_ids": ["sg-1", "sg-2"], "address_templates": {...}, "service_templates": {...},
     "network_acl": {...} | null, "unknown_members": ["sg-3"], "missing_templates": []}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from diagnosis.errors import CaseProblem, Loc
from rules import Lookups, NetworkAcl, RuleValidationError, parse_lookups, parse_network_acl

INSTANCE_ID = re.compile(r"^ins-[0-9a-z]{8}$")
REGION_ID = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
ACCOUNT_FIELDS = (
    "instance_id",
    "region",
    "read_at",
    "state",
    "public_ips",
    "private_ips",
    "group_ids",
    "address_templates",
    "service_templates",
    "network_acl",
    "unknown_members",
    "missing_templates",
)
FailureKind = Literal["credentials", "permission", "not_found", "throttled", "unreachable", "failed"]


@dataclass(frozen=True)
class AccountEvidence:
    """The account's answer for the case's instance (the groups themselves are evidence items).

    Attributes:
        instance_id, region: What was read, where.
        read_at: When (UTC).
        state: ``InstanceState`` (RUNNING, STOPPED...).
        public_ips, private_ips: The instance's addresses.
        group_ids: Its security groups in binding order.
        address_templates, service_templates: The templates the rules name, in the
            shapes of :mod:`rules.lookups`.
        network_acl: The subnet's ACL as DescribeNetworkAcls returns it, or None.
        unknown_members: Groups the rules refer to, whose members no API lists.
        missing_templates: Templates the rules name that the account does not hold.
    """

    instance_id: str
    region: str
    read_at: datetime
    state: str = ""
    public_ips: tuple[str, ...] = ()
    private_ips: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    address_templates: Mapping[str, Any] = field(default_factory=dict)
    service_templates: Mapping[str, Any] = field(default_factory=dict)
    network_acl: Mapping[str, Any] | None = None
    unknown_members: tuple[str, ...] = ()
    missing_templates: tuple[str, ...] = ()

    @property
    def acl_id(self) -> str | None:
        """The ACL's id, when the subnet has one."""
        if self.network_acl is None:
            return None
        value = self.network_acl.get("NetworkAclId")
        return value if isinstance(value, str) and value else "the network ACL"

    @property
    def stamp(self) -> str:
        """The time as replies show it, e.g. ``10:32 UTC``."""
        return f"{self.read_at:%H:%M} UTC"

    def lookups(self) -> Lookups:
        """The templates as the rule engine takes them (members stay unknown)."""
        return parse_lookups(None, dict(self.address_templates), dict(self.service_templates))

    def acl(self) -> NetworkAcl | None:
        """The subnet's ACL parsed, or None."""
        return parse_network_acl(dict(self.network_acl)) if self.network_acl is not None else None

    def to_json(self) -> dict[str, Any]:
        """The case's ``account`` field."""
        return {
            "instance_id": self.instance_id,
            "region": self.region,
            "read_at": iso(self.read_at),
            "state": self.state,
            "public_ips": list(self.public_ips),
            "private_ips": list(self.private_ips),
            "group_ids": list(self.group_ids),
            "address_templates": dict(self.address_templates),
            "service_templates": dict(self.service_templates),
            "network_acl": dict(self.network_acl) if self.network_acl is not None else None,
            "unknown_members": list(self.unknown_members),
            "missing_templates": list(self.missing_templates),
        }


@dataclass(frozen=True)
class AccountReading:
    """A successful read: the record and the groups (Tencent JSON, binding order)."""

    evidence: AccountEvidence
    groups: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class AccountUnavailable:
    """A read that failed, and why (the reply says it in the case's language).

    Attributes:
        kind: credentials, permission, not_found, throttled, unreachable or failed.
        instance_id, region: What was asked.
        policy: For ``permission``: the preset CAM policy the operator must attach.
    """

    kind: FailureKind
    instance_id: str
    region: str
    policy: str | None = None


InstanceReader = Callable[[str, str | None], AccountReading | AccountUnavailable]


@dataclass(frozen=True)
class AccountNote:
    """What the reply says about the account this turn.

    Attributes:
        summary: "Read from your account: ..." in the case's language (also when an older
            reading is used), or None when nothing was read.
        read_at: When the reading used was made (ISO 8601 UTC), or None.
        region: The region read or asked.
        instance_id: The instance.
        error: Why the account could not be read this turn (in the case's language), or None.
    """

    summary: str | None
    read_at: str | None
    region: str
    instance_id: str
    error: str | None = None


def iso(moment: datetime) -> str:
    """``2026-03-02T10:32:05Z`` (the year in four digits, as read_account reads it back: not strftime's ``%Y``)."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def read_account(raw: object, add: Callable[[Loc, str, str], None]) -> AccountEvidence | None:
    """The case's ``account`` field, every problem given to ``add``; None when unusable."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        add(("account",), "must be an object as the last answer returned it, or null", "object_expected")
        return None
    for key in raw:
        if key not in ACCOUNT_FIELDS:
            add(("account", str(key)), f"unknown field; allowed: {', '.join(ACCOUNT_FIELDS)}", "unknown_field")
    instance_id = _matching(raw.get("instance_id"), INSTANCE_ID, ("account", "instance_id"), add, "ins-1a2b3c4d")
    region = _matching(raw.get("region"), REGION_ID, ("account", "region"), add, "ap-guangzhou")
    read_at = _time(raw.get("read_at"), add)
    state = raw.get("state", "")
    if not isinstance(state, str):
        add(("account", "state"), "must be a string", "string_expected")
        state = ""
    lists = {
        name: _strings(raw.get(name, []), ("account", name), add)
        for name in ("public_ips", "private_ips", "group_ids", "unknown_members", "missing_templates")
    }
    maps = {
        name: _mapping(raw.get(name, {}), ("account", name), add) for name in ("address_templates", "service_templates")
    }
    acl = raw.get("network_acl")
    if acl is not None and not isinstance(acl, Mapping):
        add(("account", "network_acl"), "must be the network ACL object, or null", "object_expected")
        acl = None
    if instance_id is None or region is None or read_at is None:
        return None
    evidence = AccountEvidence(
        instance_id,
        region,
        read_at,
        state,
        lists["public_ips"],
        lists["private_ips"],
        lists["group_ids"],
        maps["address_templates"],
        maps["service_templates"],
        dict(acl) if acl is not None else None,
        lists["unknown_members"],
        lists["missing_templates"],
    )
    for problem in check_account(evidence):
        add(problem.loc, problem.msg, problem.type)
    return evidence


def check_account(evidence: AccountEvidence) -> list[CaseProblem]:
    """The templates and the ACL validated by the rule engine, located in the case."""
    problems: list[CaseProblem] = []
    try:
        evidence.lookups()
    except RuleValidationError as e:
        problems += [CaseProblem(("account", *p.loc), p.msg, p.type) for p in e.problems]
    if evidence.network_acl is not None:
        try:
            parse_network_acl(dict(evidence.network_acl), ("account", "network_acl"))
        except RuleValidationError as e:
            problems += [CaseProblem(tuple(p.loc), p.msg, p.type) for p in e.problems]
    return problems


def _matching(
    value: object, pattern: re.Pattern[str], loc: Loc, add: Callable[[Loc, str, str], None], example: str
) -> str | None:
    if isinstance(value, str) and pattern.match(value):
        return value
    add(loc, f"must be an id such as {example}, got {value!r}", "id_invalid")
    return None


def _time(value: object, add: Callable[[Loc, str, str], None]) -> datetime | None:
    if isinstance(value, str):
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            moment = None
        if moment is not None:
            return moment
    add(("account", "read_at"), f"must be a UTC time such as 2026-03-02T10:32:05Z, got {value!r}", "time_invalid")
    return None


def _strings(value: object, loc: Loc, add: Callable[[Loc, str, str], None]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 100:
        add(loc, "must be a list of at most 100 strings", "list_expected")
        return ()
    return tuple(value)


def _mapping(value: object, loc: Loc, add: Callable[[Loc, str, str], None]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        add(loc, "must be an object", "object_expected")
        return {}
    return dict(value)
