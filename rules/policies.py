"""Security groups and their policies: the public types, and their compiled rule tables.

A :class:`Policy` is one rule as the caller gave it (``raw`` is echoed back) with its
meaning validated. A :class:`SecurityGroup` keeps, per direction, a :class:`RuleTable`:
the rules compiled to tuples of integers (see ``Row``) in evaluation order, which is
``PolicyIndex`` order (0 first) when the policies carry ``PolicyIndex`` and list order
when none does. Policies are built from the table on demand, so a group of 1,000 rules
costs 1,000 small tuples, not 1,000 objects, until someone asks for them.

Reading the JSON is :mod:`rules.groups` (groups) and :mod:`rules.policy_reader` (one policy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rules.addresses import MAX_KEY, IPNetwork, interval_of
from rules.services import ALL_PORTS_SPEC, PROTOCOL_BITS, Service

Direction = Literal["ingress", "egress"]
Action = Literal["ACCEPT", "DROP"]
DIRECTION_KEYS: dict[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}

# A compiled rule: (first, last, protocol bits, lowest port, highest port, port ranges or
# None, reference flags, slot). A flow matches when first <= address key <= last, its
# protocol bit is set, lowest <= port <= highest and (ranges is None or a range holds the
# port); reference flags (REF_SOURCE, REF_SERVICE) mean that part is resolved through the
# lookups instead (the row then holds "everything" for it). ``slot`` is the policy's
# position in the caller's list.
Row = tuple[int, int, int, int, int, tuple[tuple[int, int], ...] | None, int, int]
REF_SOURCE, REF_SERVICE = 1, 2


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
    """One validated rule, with the caller's original object kept for echoing.

    Attributes:
        group_id: The security group it belongs to.
        direction: ``ingress`` or ``egress``.
        position: 0-based position in the caller's list for that direction.
        policy_index: ``PolicyIndex`` when given (rules are then matched in its order).
        action: ``ACCEPT`` or ``DROP``.
        service: Protocol and ports, or a protocol-port template.
        source: The remote side: a block, a group's members or an address template.
        raw: The policy object exactly as given.
    """

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


def compile_policy(policy: Policy) -> Row:
    """The row of ``policy`` (its slot is its position)."""
    flags = 0
    if isinstance(policy.source, CidrSource):
        first, last = interval_of(policy.source.network)
    else:
        first, last, flags = 0, MAX_KEY, REF_SOURCE
    service = policy.service
    if isinstance(service, Service):
        bits = PROTOCOL_BITS[service.protocol]
        low, high, ranges = service.ports.spec()
    else:
        bits, (low, high, ranges) = PROTOCOL_BITS["all"], ALL_PORTS_SPEC
        flags |= REF_SERVICE
    return first, last, bits, low, high, ranges, flags, policy.position


class RuleTable:
    """The rules of one direction of one group, compiled, in evaluation order.

    Attributes:
        group_id: The group.
        direction: ``ingress`` or ``egress``.
        rows: Compiled rules in evaluation order (see ``Row``).
        by_policy_index: True when the order is ``PolicyIndex`` order, False for list order.
    """

    __slots__ = ("_build", "_policies", "by_policy_index", "direction", "group_id", "rows")

    def __init__(
        self,
        group_id: str,
        direction: Direction,
        rows: Sequence[Row],
        by_policy_index: bool,
        build: Callable[[int], Policy],
        size: int,
    ) -> None:
        self.group_id = group_id
        self.direction = direction
        self.rows = tuple(rows)
        self.by_policy_index = by_policy_index
        self._build = build
        self._policies: list[Policy | None] = [None] * size

    @classmethod
    def of(cls, group_id: str, direction: Direction, policies: Sequence[Policy]) -> RuleTable:
        """A table of ready policies (``PolicyIndex`` order when all of them have one)."""
        ordered = all(p.policy_index is not None for p in policies) and bool(policies)
        by_position = {p.position: p for p in policies}
        rows = sorted((compile_policy(p) for p in policies), key=lambda r: _sort_key(by_position[r[-1]], ordered))
        return cls(group_id, direction, rows, ordered, by_position.__getitem__, max(by_position, default=-1) + 1)

    def policy(self, slot: int) -> Policy:
        """The policy at ``slot`` (its position in the caller's list)."""
        found = self._policies[slot]
        if found is None:
            found = self._policies[slot] = self._build(slot)
        return found

    def policies(self) -> tuple[Policy, ...]:
        """Every policy, in evaluation order."""
        return tuple(self.policy(row[-1]) for row in self.rows)


def _sort_key(policy: Policy, by_index: bool) -> int:
    return policy.policy_index if by_index and policy.policy_index is not None else policy.position


class SecurityGroup:
    """A security group's id and its rule tables per direction.

    Build one from JSON with :func:`rules.parse_security_groups`, or from policies with
    ``SecurityGroup(id, ingress, egress)``.
    """

    __slots__ = ("_tables", "id")

    def __init__(self, id: str, ingress: Sequence[Policy] = (), egress: Sequence[Policy] = ()) -> None:
        self.id = id
        self._tables: dict[Direction, RuleTable] = {
            "ingress": RuleTable.of(id, "ingress", ingress),
            "egress": RuleTable.of(id, "egress", egress),
        }

    @classmethod
    def from_tables(cls, group_id: str, ingress: RuleTable, egress: RuleTable) -> SecurityGroup:
        """A group over compiled tables (what the loader builds)."""
        group = cls.__new__(cls)
        group.id = group_id
        group._tables = {"ingress": ingress, "egress": egress}
        return group

    def table(self, direction: Direction) -> RuleTable:
        """The compiled rules of one direction."""
        return self._tables[direction]

    def policies(self, direction: Direction) -> tuple[Policy, ...]:
        """The policies of one direction, in evaluation order."""
        return self._tables[direction].policies()

    @property
    def ingress(self) -> tuple[Policy, ...]:
        """Inbound policies in evaluation order."""
        return self.policies("ingress")

    @property
    def egress(self) -> tuple[Policy, ...]:
        """Outbound policies in evaluation order."""
        return self.policies("egress")

    def __repr__(self) -> str:
        counts = {d: len(t.rows) for d, t in self._tables.items()}
        return f"SecurityGroup({self.id!r}, {counts['ingress']} ingress, {counts['egress']} egress)"


def describe_policy(policy: Policy) -> str:
    """The rule's match in words, e.g. ``TCP 22 from 0.0.0.0/0``."""
    service = policy.service
    what = str(service) if isinstance(service, Service) else f"services of template {service.template_id}"
    way = "from" if policy.direction == "ingress" else "to"
    source = policy.source
    if isinstance(source, CidrSource):
        where = str(source.network)
    elif isinstance(source, GroupSource):
        where = f"members of {source.group_id}"
    else:
        where = f"addresses of template {source.template_id}"
    return f"{what} {way} {where}"
