"""What the caller knows about references: group members and parameter templates.

Rules may name remote addresses indirectly: ``SecurityGroupId`` (the members of a
group), ``AddressTemplate`` (``ipm-…`` template or ``ipmg-…`` template group) and
``ServiceTemplate`` (``ppm-…`` / ``ppmg-…``). The engine never guesses what those hold:
it resolves them from the maps given here, and a reference that is not in a map
stays *unknown*, which the verdict then names.

Accepted shapes (close to what the DescribeAddressTemplates / DescribeServiceTemplates
APIs return; an id's prefix says what it is):

* ``group_members``: ``{"sg-…": ["10.0.0.5", "10.0.1.0/24", ...]}``
* ``address_templates``: ``{"ipm-…": ["10.0.0.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9"]}``
  or ``{"ipm-…": {"AddressSet": [...]}}`` (or ``"AddressExtraSet": [{"Address": …}]``),
  and groups ``{"ipmg-…": ["ipm-a", "ipm-b"]}`` or ``{"ipmg-…": {"AddressTemplateIdSet": [...]}}``.
* ``service_templates``: ``{"ppm-…": ["tcp:80", "udp:53", "tcp:8000-8010"]}`` or
  ``{"ppm-…": {"ServiceSet": [...]}}`` (or ``"ServiceExtraSet": [{"Service": …}]``), groups
  ``{"ppmg-…": ["ppm-a"]}`` or ``{"ppmg-…": {"ServiceTemplateIdSet": [...]}}``.

A template group holds templates, never other groups (Tencent Cloud does not nest
them): a group listed in a group is refused, which also rules out cycles. A member
template that is not in the map is unknown, and named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rules.addresses import AddressSet, parse_address_set
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.policy_reader import GROUP_ID, ID_PATTERNS
from rules.services import Service, parse_service_entry

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Resolved(Generic[T]):
    """What a reference resolves to, and the ids nobody told us about."""

    parts: tuple[T, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Lookups:
    """Resolution maps for the references in rules; empty means nothing is known."""

    group_members: Mapping[str, AddressSet] = field(default_factory=dict)
    address_templates: Mapping[str, AddressSet] = field(default_factory=dict)
    address_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    service_templates: Mapping[str, tuple[Service, ...]] = field(default_factory=dict)
    service_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def members(self, group_id: str) -> Resolved[AddressSet]:
        """The addresses of a security group's members."""
        found = self.group_members.get(group_id)
        return Resolved((found,), ()) if found is not None else Resolved((), (f"group_members[{group_id}]",))

    def addresses(self, template_id: str) -> Resolved[AddressSet]:
        """The addresses of an address template or template group."""
        return _resolve(template_id, self.address_templates, self.address_groups, "address_templates", lambda s: (s,))

    def services(self, template_id: str) -> Resolved[Service]:
        """The protocol-port entries of a service template or template group."""
        return _resolve(template_id, self.service_templates, self.service_groups, "service_templates", lambda s: s)


def _resolve(
    template_id: str,
    singles: Mapping[str, V],
    groups: Mapping[str, tuple[str, ...]],
    map_name: str,
    unpack: Callable[[V], tuple[T, ...]],
) -> Resolved[T]:
    if template_id in singles:
        return Resolved(unpack(singles[template_id]), ())
    if template_id not in groups:
        return Resolved((), (f"{map_name}[{template_id}]",))
    parts: list[T] = []
    missing: list[str] = []
    for member in groups[template_id]:
        if member in singles:
            parts.extend(unpack(singles[member]))
        else:
            missing.append(f"{map_name}[{member}]")
    return Resolved(tuple(parts), tuple(missing))


@dataclass(frozen=True)
class _Kind:
    """How one template map is spelt: id patterns, wrapper keys, the parser of a template's entries."""

    name: str
    single: re.Pattern[str]
    group: re.Pattern[str]
    set_keys: tuple[str, str]
    item_key: str
    id_set_key: str
    example: str


ADDRESS_KIND = _Kind(
    "address_templates",
    ID_PATTERNS["AddressId"],
    ID_PATTERNS["AddressGroupId"],
    ("AddressSet", "AddressExtraSet"),
    "Address",
    "AddressTemplateIdSet",
    "ipm-1a2b3c4d / ipmg-1a2b3c4d",
)
SERVICE_KIND = _Kind(
    "service_templates",
    ID_PATTERNS["ServiceId"],
    ID_PATTERNS["ServiceGroupId"],
    ("ServiceSet", "ServiceExtraSet"),
    "Service",
    "ServiceTemplateIdSet",
    "ppm-1a2b3c4d / ppmg-1a2b3c4d",
)


def parse_lookups(
    group_members: object = None, address_templates: object = None, service_templates: object = None
) -> Lookups:
    """Validate the three optional maps (None means not given).

    Raises:
        RuleValidationError: naming every bad entry, located under ``group_members``,
            ``address_templates`` or ``service_templates``.
    """
    problems = ProblemCollector()
    members: dict[str, AddressSet] = {}
    for key, value in _mapping(group_members, ("group_members",), problems).items():
        if GROUP_ID.match(key) is None:
            problems.add(
                ("group_members", key), f"{key!r} is not a security group id such as sg-1a2b3c4d", "id_invalid"
            )
            continue
        found = problems.attempt(parse_address_set, value, ("group_members", key))
        if found is not None:
            members[key] = found
    addr, addr_groups = _templates(address_templates, ADDRESS_KIND, parse_address_set, problems)
    svc, svc_groups = _templates(service_templates, SERVICE_KIND, _service_values, problems)
    problems.raise_if_any()
    return Lookups(members, addr, addr_groups, svc, svc_groups)


def _mapping(value: object, loc: Loc, problems: ProblemCollector) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(loc, "expected an object keyed by id", "object_expected")
        return {}
    return dict(value)


def _templates(
    raw: object, kind: _Kind, parse_values: Callable[[object, Loc], V], problems: ProblemCollector
) -> tuple[dict[str, V], dict[str, tuple[str, ...]]]:
    singles: dict[str, V] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for key, value in _mapping(raw, (kind.name,), problems).items():
        loc: Loc = (kind.name, key)
        if kind.group.match(key):
            members = problems.attempt(lambda v, at: _group_members(v, at, kind), value, loc)
            if members is not None:
                groups[key] = members
        elif kind.single.match(key):
            entries, at = _unwrap(value, kind, loc, problems)
            found = problems.attempt(parse_values, entries, at) if at is not None else None
            if found is not None:
                singles[key] = found
        else:
            problems.add(loc, f"{key!r} is not a template or template group id such as {kind.example}", "id_invalid")
    return singles, groups


def _group_members(value: object, loc: Loc, kind: _Kind) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        if kind.id_set_key not in value:
            raise RuleValidationError.single(
                loc, f"a template group is a list of template ids, or an object with {kind.id_set_key}", "list_expected"
            )
        value, loc = value[kind.id_set_key], (*loc, kind.id_set_key)
    if not isinstance(value, list):
        raise RuleValidationError.single(loc, "a template group is a list of template ids", "list_expected")
    problems = ProblemCollector()
    for i, member in enumerate(value):
        if isinstance(member, str) and kind.group.match(member):
            problems.add(
                (*loc, i),
                f"{member} is a template group: a group holds templates, not groups (Tencent Cloud does not nest "
                "them); list its templates instead",
                "nested_group",
            )
        elif not (isinstance(member, str) and kind.single.match(member)):
            problems.add(
                (*loc, i),
                f"expected a template id such as {kind.example.split(' / ')[0]}, got {member!r}",
                "id_invalid",
            )
    problems.raise_if_any()
    return tuple(value)


def _unwrap(value: object, kind: _Kind, loc: Loc, problems: ProblemCollector) -> tuple[object, Loc | None]:
    """A template's entries and where they are, from the list or the API's object."""
    if not isinstance(value, Mapping):
        return value, loc
    plain, extra = kind.set_keys
    if kind.id_set_key in value:
        problems.add(
            (*loc, kind.id_set_key),
            f"{loc[-1]} is a template, but this is a template group's {kind.id_set_key}; use a group id for it",
            "conflicting_fields",
        )
        return None, None
    if plain in value:
        return value[plain], (*loc, plain)
    items = value.get(extra)
    if not isinstance(items, list):
        problems.add(loc, f"expected a list of entries, or an object with {plain} or {extra}", "list_expected")
        return None, None
    entries = [item.get(kind.item_key) if isinstance(item, Mapping) else None for item in items]
    bad = [i for i, entry in enumerate(entries) if entry is None]
    for i in bad:
        problems.add((*loc, extra, i), f"expected an object with {kind.item_key}", "object_expected")
    return (None, None) if bad else (entries, (*loc, extra))


def _service_values(value: object, loc: Loc) -> tuple[Service, ...]:
    if not isinstance(value, list):
        raise RuleValidationError.single(loc, "expected a list of entries such as 'tcp:80'", "list_expected")
    problems = ProblemCollector()
    services = []
    for i, item in enumerate(value):
        found = problems.attempt(parse_service_entry, item, (*loc, i))
        if found is not None:
            services.append(found)
    problems.raise_if_any()
    return tuple(services)
