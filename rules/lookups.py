"""What the caller knows about references: group members and parameter templates.

Rules may name remote addresses indirectly: ``SecurityGroupId`` (the members of a
group), ``AddressTemplate`` (``ipm-…`` template or ``ipmg-…`` template group) and
``ServiceTemplate`` (``ppm-…`` / ``ppmg-…``). The engine never guesses what those hold:
it resolves them from the maps given here, and a reference that is not in a map
stays *unknown*, which the verdict then names.

Accepted shapes (lenient, close to what the DescribeAddressTemplates /
DescribeServiceTemplates APIs return):

* ``group_members``: ``{"sg-…": ["10.0.0.5", "10.0.1.0/24", ...]}``
* ``address_templates``: ``{"ipm-…": ["10.0.0.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9"]}``
  or ``{"ipm-…": {"AddressSet": [...]}}`` (or ``AddressExtraSet: [{"Address": …}]``),
  and groups ``{"ipmg-…": ["ipm-a", "ipm-b"]}`` or ``{"ipmg-…": {"AddressTemplateIdSet": [...]}}``.
* ``service_templates``: ``{"ppm-…": ["tcp:80", "udp:53", "tcp:8000-8010"]}`` or
  ``{"ppm-…": {"ServiceSet": [...]}}``, groups ``{"ppmg-…": ["ppm-a"]}`` or
  ``{"ppmg-…": {"ServiceTemplateIdSet": [...]}}``.

A key starting with ``ipmg-``/``ppmg-`` (or a value with an ``…IdSet``) is a group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rules.addresses import AddressSet, parse_address_set
from rules.errors import Loc, ProblemCollector, RuleValidationError
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
        try:
            members[key] = parse_address_set(value, ("group_members", key))
        except RuleValidationError as e:
            problems.extend(e.problems)
    addr, addr_groups = _templates(
        address_templates,
        "address_templates",
        "ipmg-",
        ("AddressSet", "AddressExtraSet"),
        "AddressTemplateIdSet",
        _address_values,
        problems,
    )
    svc, svc_groups = _templates(
        service_templates,
        "service_templates",
        "ppmg-",
        ("ServiceSet", "ServiceExtraSet"),
        "ServiceTemplateIdSet",
        _service_values,
        problems,
    )
    problems.raise_if_any()
    return Lookups(members, addr, addr_groups, svc, svc_groups)


def _mapping(value: object, loc: Loc, problems: ProblemCollector) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        problems.add(loc, "expected an object keyed by id", "object_expected")
        return {}
    return {k.strip(): v for k, v in value.items()}


def _templates(
    raw: object,
    name: str,
    group_prefix: str,
    set_keys: tuple[str, str],
    id_set_key: str,
    parse_values: Callable[[object, Loc], V],
    problems: ProblemCollector,
) -> tuple[dict[str, V], dict[str, tuple[str, ...]]]:
    singles: dict[str, V] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for key, value in _mapping(raw, (name,), problems).items():
        loc: Loc = (name, key)
        if isinstance(value, Mapping) and id_set_key in value:
            value, loc = value[id_set_key], (*loc, id_set_key)
            is_group = True
        else:
            is_group = key.startswith(group_prefix)
        if isinstance(value, Mapping):
            value, loc = _unwrap_set(value, set_keys, loc)
        if is_group:
            if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
                groups[key] = tuple(v.strip() for v in value)
            else:
                problems.add(loc, "a template group is a list of template ids", "list_expected")
            continue
        try:
            singles[key] = parse_values(value, loc)
        except RuleValidationError as e:
            problems.extend(e.problems)
    return singles, groups


def _unwrap_set(value: Mapping[str, object], set_keys: tuple[str, str], loc: Loc) -> tuple[object, Loc]:
    plain, extra = set_keys
    if plain in value:
        return value[plain], (*loc, plain)
    items = value.get(extra)
    if isinstance(items, list):
        # The *ExtraSet forms hold {"Address": …} / {"Service": …} objects with descriptions.
        inner = [
            next((v for k, v in i.items() if k in ("Address", "Service")), i) if isinstance(i, Mapping) else i
            for i in items
        ]
        return inner, (*loc, extra)
    return value, loc


def _address_values(value: object, loc: Loc) -> AddressSet:
    return parse_address_set(value, loc)


def _service_values(value: object, loc: Loc) -> tuple[Service, ...]:
    if not isinstance(value, list):
        raise RuleValidationError.single(loc, "expected a list of entries such as 'tcp:80'", "list_expected")
    problems = ProblemCollector()
    services = []
    for i, item in enumerate(value):
        try:
            services.append(parse_service_entry(item, (*loc, i)))
        except RuleValidationError as e:
            problems.extend(e.problems)
    problems.raise_if_any()
    return tuple(services)
