"""Read one ``SecurityGroupPolicy`` object: validate it and compile it, in one pass.

This is the hot path of ``POST /v1/security-groups/evaluate``: a group may hold 1,000
policies, so the common case (well-formed, Tencent's own field names) runs on dict
look-ups, cached port specifications and ``inet_pton``, and builds one tuple per
policy. Anything unusual falls through to slower code that says exactly what is wrong.

The rules (docs/rules.md has the why):

* field names as Tencent Cloud writes them (``CidrBlock``, not ``cidrBlock``); other
  fields (``ModifyTime``, ``PolicyDescription``, future ones) are kept and ignored;
* ``Action`` ACCEPT or DROP and ``Protocol`` in any case, no spaces;
* ``PolicyIndex``: a whole number >= 0 (a JSON integer or digits), or absent;
* exactly one source among ``CidrBlock``, ``Ipv6CidrBlock``, ``SecurityGroupId`` and
  ``AddressTemplate``; empty strings and template objects with empty ids count as
  absent, as the API returns them; a policy with none is refused;
* ``Protocol``/``Port`` or ``ServiceTemplate``, not both; ICMP only with IPv4
  (``CidrBlock``), ICMPv6 only with IPv6 (``Ipv6CidrBlock``), as Tencent Cloud requires;
* ids: ``sg-…``, ``ipm-…``/``ipmg-…``, ``ppm-…``/``ppmg-…`` (lowercase letters and digits).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rules.addresses import MAX_KEY, block_error, network_of, read_block
from rules.errors import Loc, Problem, whole_number
from rules.policies import (
    REF_SERVICE,
    REF_SOURCE,
    Action,
    AddressTemplateSource,
    CidrSource,
    Direction,
    GroupSource,
    Policy,
    Row,
    ServiceTemplateRef,
    Source,
)
from rules.services import (
    ALL_PORTS_SPEC,
    PROTOCOL_BITS,
    PortSet,
    PortSpec,
    RuleProtocol,
    Service,
    port_problem_kind,
    read_port_spec,
    read_rule_protocol,
)

# (action, PolicyIndex, protocol or None for a template, ports, service template id,
#  source kind, source id (group or template) or None, first key, last key)
Read = tuple[Action, int | None, RuleProtocol | None, PortSpec, str | None, int, str | None, int, int]
SOURCE_CIDR, SOURCE_GROUP, SOURCE_TEMPLATE = 0, 1, 2

# A SecurityGroupPolicy's fields, in the order Tencent's documentation lists them.
POLICY_FIELDS = (
    "PolicyIndex",
    "Protocol",
    "Port",
    "ServiceTemplate",
    "CidrBlock",
    "Ipv6CidrBlock",
    "SecurityGroupId",
    "AddressTemplate",
    "Action",
    "PolicyDescription",
    "ModifyTime",
)
KNOWN_FIELDS = frozenset(POLICY_FIELDS)
_BY_LOWER = {name.lower(): name for name in KNOWN_FIELDS}
_ACTIONS: dict[str, Action] = {
    "ACCEPT": "ACCEPT",
    "accept": "ACCEPT",
    "Accept": "ACCEPT",
    "DROP": "DROP",
    "drop": "DROP",
    "Drop": "DROP",
}
# Tencent Cloud's ids are a prefix and lowercase letters and digits; inner hyphens are
# allowed for ids people make up for groups that have none yet (``sg-pasted-1``).
_ID_BODY = r"[0-9a-z]+(?:-[0-9a-z]+)*\Z"
GROUP_ID = re.compile("sg-" + _ID_BODY)
ID_PATTERNS = {
    "AddressId": re.compile("ipm-" + _ID_BODY),
    "AddressGroupId": re.compile("ipmg-" + _ID_BODY),
    "ServiceId": re.compile("ppm-" + _ID_BODY),
    "ServiceGroupId": re.compile("ppmg-" + _ID_BODY),
}
ID_EXAMPLES = {
    "SecurityGroupId": "sg-1a2b3c4d",
    "AddressId": "ipm-1a2b3c4d",
    "AddressGroupId": "ipmg-1a2b3c4d",
    "ServiceId": "ppm-1a2b3c4d",
    "ServiceGroupId": "ppmg-1a2b3c4d",
}


def read_policy(raw: object, loc: Loc, problems: list[Problem]) -> Read | None:
    """Validate and compile one policy; on failure record every problem and return None."""
    if type(raw) is not dict:
        problems.append(
            Problem(loc, "expected a policy object such as DescribeSecurityGroupPolicies returns", "object_expected")
        )
        return None
    count = len(problems)
    if not raw.keys() <= KNOWN_FIELDS:
        _check_spellings(raw, loc, problems)
    value = raw.get("Action")
    action = _ACTIONS.get(value) if type(value) is str else None
    if action is None:
        action = _ACTIONS.get(value.upper()) if type(value) is str else None
        if action is None:
            problems.append(
                Problem((*loc, "Action"), f"Action must be ACCEPT or DROP, got {value!r}", "action_invalid")
            )
    index = whole_number(raw.get("PolicyIndex"))
    if index is not None and (type(index) is not int or index < 0):
        index = _policy_index(index, loc, problems)
    service = _service(raw, loc, problems)
    source = _source(raw, loc, problems, service[0] if service is not None else None)
    if len(problems) > count or service is None or source is None or action is None:
        return None
    return action, index, service[0], service[1], service[2], source[0], source[1], source[2], source[3]


def _check_spellings(raw: dict[Any, Any], loc: Loc, problems: list[Problem]) -> None:
    for key in raw:
        if not isinstance(key, str):
            continue
        known = _BY_LOWER.get(key.lower())
        if known is not None and known != key:
            problems.append(
                Problem(
                    (*loc, key),
                    f"write {known!r}: field names are spelled as Tencent Cloud's API writes them",
                    "field_spelling",
                )
            )


def _policy_index(value: object, loc: Loc, problems: list[Problem]) -> int | None:
    if type(value) is str and value.isdigit() and value.isascii():
        return int(value)
    if value == "":
        return None
    problems.append(
        Problem((*loc, "PolicyIndex"), f"PolicyIndex must be a whole number 0 or more, got {value!r}", "index_invalid")
    )
    return None


def _service(
    raw: dict[str, Any], loc: Loc, problems: list[Problem]
) -> tuple[RuleProtocol | None, PortSpec, str | None] | None:
    template = raw.get("ServiceTemplate")
    protocol_value = raw.get("Protocol")
    port = raw.get("Port")
    if template is not None and template != "":
        count = len(problems)
        template_id = _template_id(template, "ServiceId", "ServiceGroupId", (*loc, "ServiceTemplate"), problems)
        if len(problems) > count:
            return None
        if template_id is not None:
            port_given = port is not None and port != "" and not (type(port) is str and port.lower() == "all")
            if (protocol_value is not None and protocol_value != "") or port_given:
                problems.append(
                    Problem(
                        (*loc, "ServiceTemplate"),
                        "ServiceTemplate and Protocol/Port are exclusive; keep one",
                        "conflicting_fields",
                    )
                )
                return None
            return None, ALL_PORTS_SPEC, template_id
    protocol = read_rule_protocol(protocol_value)
    if protocol is None:
        missing = protocol_value is None or protocol_value == ""
        problems.append(
            Problem(
                (*loc, "Protocol"),
                "missing Protocol (or a ServiceTemplate); use TCP, UDP, ICMP, ICMPv6, GRE or ALL"
                if missing
                else f"unknown protocol {protocol_value!r}; use TCP, UDP, ICMP, ICMPv6, GRE or ALL, without spaces",
                "missing" if missing else "protocol_invalid",
            )
        )
        return None
    spec = read_port_spec(port)
    if type(spec) is str:
        problems.append(Problem((*loc, "Port"), spec, port_problem_kind(spec)))
        return None
    assert not isinstance(spec, str)
    if spec != ALL_PORTS_SPEC and protocol not in ("tcp", "udp"):
        problems.append(
            Problem(
                (*loc, "Port"),
                f"Port {port!r} does not apply to {protocol.upper()}; use ALL or leave it empty",
                "port_not_applicable",
            )
        )
        return None
    return protocol, spec, None


def _source(
    raw: dict[str, Any], loc: Loc, problems: list[Problem], protocol: RuleProtocol | None
) -> tuple[int, str | None, int, int] | None:
    cidr, cidr6 = raw.get("CidrBlock"), raw.get("Ipv6CidrBlock")
    group, template = raw.get("SecurityGroupId"), raw.get("AddressTemplate")
    given = [
        name
        for name, value in (("CidrBlock", cidr), ("Ipv6CidrBlock", cidr6), ("SecurityGroupId", group))
        if value is not None and value != ""
    ]
    template_id = None
    if template is not None and template != "":
        count = len(problems)
        template_id = _template_id(template, "AddressId", "AddressGroupId", (*loc, "AddressTemplate"), problems)
        if len(problems) > count:
            return None
        if template_id is not None:
            given.append("AddressTemplate")
    if len(given) != 1:
        if not given:
            problems.append(
                Problem(
                    (*loc, "CidrBlock"),
                    "the policy has no source: give CidrBlock, Ipv6CidrBlock, SecurityGroupId or AddressTemplate "
                    "(a policy without one is not read as 'everywhere'; see docs/rules.md)",
                    "missing",
                )
            )
        else:
            problems.append(
                Problem(
                    (*loc, given[1]),
                    f"{given[0]} and {given[1]} are exclusive; a policy has one source",
                    "conflicting_fields",
                )
            )
        return None
    name = given[0]
    if name == "CidrBlock" or name == "Ipv6CidrBlock":
        return _block_source(cidr if name == "CidrBlock" else cidr6, name, loc, problems, protocol)
    if name == "SecurityGroupId":
        if type(group) is not str or GROUP_ID.match(group) is None:
            problems.append(_id_problem((*loc, name), name, group))
            return None
        return SOURCE_GROUP, group, 0, MAX_KEY
    return SOURCE_TEMPLATE, template_id, 0, MAX_KEY


def _block_source(
    value: object, name: str, loc: Loc, problems: list[Problem], protocol: RuleProtocol | None
) -> tuple[int, str | None, int, int] | None:
    family = 4 if name == "CidrBlock" else 6
    interval = read_block(value, family) if type(value) is str else None
    if interval is None:
        problems.extend(block_error(value, (*loc, name), family).problems)
        return None
    if protocol == ("icmpv6" if family == 4 else "icmp"):
        shown, right = ("ICMP", "ICMPv6 for IPv6") if family == 6 else ("ICMPv6", "ICMP for IPv4")
        problems.append(
            Problem(
                (*loc, "Protocol"),
                f"{shown} does not apply to {name}: use {right}; Tencent Cloud refuses this combination, "
                "and such a rule would never match",
                "protocol_family",
            )
        )
        return None
    return SOURCE_CIDR, None, interval[0], interval[1]


def _template_id(value: object, id_key: str, group_key: str, loc: Loc, problems: list[Problem]) -> str | None:
    """The one id of a template reference object; None when both ids are empty (or on a problem)."""
    if not isinstance(value, Mapping):
        problems.append(Problem(loc, f"expected an object with {id_key} or {group_key}", "object_expected"))
        return None
    single, group = value.get(id_key), value.get(group_key)
    single = None if single is None or single == "" else single
    group = None if group is None or group == "" else group
    if single is not None and group is not None:
        problems.append(Problem(loc, f"give {id_key} or {group_key}, not both", "conflicting_fields"))
        return None
    for key, given in ((id_key, single), (group_key, group)):
        if given is not None:
            if type(given) is not str or ID_PATTERNS[key].match(given) is None:
                problems.append(_id_problem((*loc, key), key, given))
                return None
            return given
    return None


def _id_problem(loc: Loc, key: str, value: object) -> Problem:
    return Problem(loc, f"{key} must be an id such as {ID_EXAMPLES[key]}, got {value!r}", "id_invalid")


def row_of(read: Read, slot: int) -> Row:
    """The compiled row of a read policy."""
    _, _, protocol, (low, high, ranges), _, kind, _, first, last = read
    flags = 0 if kind == SOURCE_CIDR else REF_SOURCE
    if protocol is None:
        return first, last, PROTOCOL_BITS["all"], 0, 65535, None, flags | REF_SERVICE, slot
    return first, last, PROTOCOL_BITS[protocol], low, high, ranges, flags, slot


def policy_of(read: Read, group_id: str, direction: Direction, position: int, raw: Mapping[str, Any]) -> Policy:
    """The public :class:`Policy` of a read policy."""
    action, index, protocol, spec, service_id, kind, source_id, first, last = read
    service: Service | ServiceTemplateRef
    if protocol is None:
        assert service_id is not None
        service = ServiceTemplateRef(service_id)
    else:
        service = Service(protocol, PortSet.of(spec))
    source: Source
    if kind == SOURCE_CIDR:
        network = network_of((first, last))
        assert network is not None
        source = CidrSource(network)
    elif kind == SOURCE_GROUP:
        assert source_id is not None
        source = GroupSource(source_id)
    else:
        assert source_id is not None
        source = AddressTemplateSource(source_id)
    return Policy(group_id, direction, position, index, action, service, source, raw)
