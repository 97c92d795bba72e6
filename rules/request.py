"""The body of an evaluation request, validated once, as a whole.

``{"security_groups": [...], "flow": {...}, "group_members": {...}?,
"address_templates": {...}?, "service_templates": {...}?, "iptables_save": "..."?,
"network_acl": {...}?}`` (the subnet's network ACL as DescribeNetworkAcls returns it,
:mod:`rules.network_acl`)

This envelope is ours, so it is strict: any other field is refused with its name (a
misspelt ``group_member`` would otherwise silently lose the map). Inside it, Tencent
Cloud's own objects keep their extra fields (see :mod:`rules.policy_reader`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rules.errors import Loc, Problem, ProblemCollector, RuleValidationError
from rules.flows import Flow, parse_flow
from rules.groups import parse_security_groups
from rules.iptables import IptablesRuleset, parse_iptables_save
from rules.lookups import Lookups, parse_lookups
from rules.network_acl import NetworkAcl, parse_network_acl
from rules.policies import SecurityGroup

EVALUATE_FIELDS = (
    "security_groups",
    "flow",
    "group_members",
    "address_templates",
    "service_templates",
    "iptables_save",
    "network_acl",
)
REQUIRED_FIELDS = ("security_groups", "flow")
MAX_GROUPS = 50
MAX_IPTABLES_CHARS = 1_000_000


@dataclass(frozen=True)
class EvaluateInput:
    """A validated evaluation request."""

    groups: tuple[SecurityGroup, ...]
    flow: Flow
    lookups: Lookups
    iptables: IptablesRuleset | None
    network_acl: NetworkAcl | None = None


def unknown_field(key: object, allowed: tuple[str, ...], loc: Loc) -> Problem:
    """The problem for a field that is not ours, suggesting the closest one."""
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; the fields are {', '.join(allowed)}"
    return Problem((*loc, str(key)), f"unknown field {key!r}{hint}", "unknown_field")


def parse_evaluate_body(body: object) -> EvaluateInput:
    """Validate a whole evaluation request.

    Raises:
        RuleValidationError: every problem, located as in the body (without ``"body"``).
    """
    if not isinstance(body, dict):
        raise RuleValidationError.single((), "expected a JSON object with security_groups and flow", "object_expected")
    problems = ProblemCollector()
    problems.extend(unknown_field(key, EVALUATE_FIELDS, ()) for key in body if key not in EVALUATE_FIELDS)
    for name in REQUIRED_FIELDS:
        if name not in body:
            problems.add((name,), f"Field required: give {name}", "missing")
    groups = None
    raw_groups = body.get("security_groups")
    if isinstance(raw_groups, list) and len(raw_groups) > MAX_GROUPS:
        problems.add(
            ("security_groups",),
            f"{len(raw_groups)} security groups; an instance has at most {MAX_GROUPS}: give the instance's own",
            "too_long",
        )
    elif "security_groups" in body:
        groups = problems.attempt(parse_security_groups, raw_groups, ("security_groups",))
    flow = problems.attempt(parse_flow, body["flow"], ("flow",)) if "flow" in body else None
    lookups = problems.attempt(
        lambda _, __: parse_lookups(
            body.get("group_members"), body.get("address_templates"), body.get("service_templates")
        ),
        None,
        (),
    )
    iptables = problems.attempt(_iptables, body.get("iptables_save"), ("iptables_save",))
    acl = problems.attempt(_acl, body.get("network_acl"), ("network_acl",))
    problems.raise_if_any()
    assert groups is not None and flow is not None and lookups is not None
    return EvaluateInput(groups, flow, lookups, iptables, acl)


def _acl(value: object, loc: Loc) -> NetworkAcl | None:
    return None if value is None else parse_network_acl(value, loc)


def _iptables(value: object, loc: Loc) -> IptablesRuleset | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleValidationError.single(loc, "expected the text iptables-save prints", "string_expected")
    if len(value) > MAX_IPTABLES_CHARS:
        raise RuleValidationError.single(
            loc, f"{len(value)} characters; at most {MAX_IPTABLES_CHARS:,} (give only the *filter table)", "too_long"
        )
    return parse_iptables_save(value, loc)
