"""What both security-group readers share: reading words and addresses the way Tencent
Cloud writes them, and handing the groups they build to the rule engine's own loader.

A reader builds each group as canonical Tencent JSON and remembers, for every rule and
field, the line of the paste it came from (:class:`GroupDraft`). :func:`validate` passes
the JSON to :func:`rules.parse_security_groups`, so a pasted rule is held to exactly the
rules the engine applies, and maps every problem it reports back to the pasted line.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import EvidenceFormat, SecurityGroupsEvidence
from rules import POLICY_FIELDS, RuleValidationError, parse_security_groups

Direction = Literal["ingress", "egress"]
DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")
DIRECTION_KEY: dict[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}
MAX_SHOWN = 200

# Tencent's console and documents say 允许/Allow and 拒绝/Reject/Refuse; the console's
# "Reject" drops packets without an answer (it is the API's DROP, not iptables' REJECT).
ACCEPT_WORDS = frozenset({"accept", "allow", "allowed", "permit", "允许", "放通", "放行"})
DROP_WORDS = frozenset({"drop", "deny", "denied", "reject", "refuse", "block", "拒绝", "禁止"})
INGRESS_WORDS = frozenset(
    {"ingress", "inbound", "inboundrule", "inboundrules", "入站", "入站规则", "入方向", "入方向规则"}
)
EGRESS_WORDS = frozenset(
    {"egress", "outbound", "outboundrule", "outboundrules", "出站", "出站规则", "出方向", "出方向规则"}
)


def shorten(text: str) -> str:
    """A pasted line as errors show it (at most 200 characters)."""
    text = text.rstrip("\r\n")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def norm_key(key: str) -> str:
    """A field name without case, spaces, ``_`` or ``-``: ``Cidr_Block`` -> ``cidrblock``."""
    return re.sub(r"[\s_\-]", "", key).lower()


def action_of(word: str) -> Literal["ACCEPT", "DROP"] | None:
    """ACCEPT or DROP for a policy word in English or Chinese, any case; None if unknown."""
    text = norm_key(word)
    if text in ACCEPT_WORDS:
        return "ACCEPT"
    if text in DROP_WORDS:
        return "DROP"
    return None


def direction_of(word: str) -> Direction | None:
    """The direction a word names (``INGRESS``, ``inbound``, ``入站规则``...), or None."""
    text = norm_key(word).rstrip(":：")
    if text in INGRESS_WORDS:
        return "ingress"
    if text in EGRESS_WORDS:
        return "egress"
    return None


_TEMPLATE_ID = re.compile(r"^(ipmg|ipm|ppmg|ppm)-[0-9a-z]+$", re.IGNORECASE)
_GROUP_ID = re.compile(r"^sg-[0-9a-z]+$", re.IGNORECASE)


def remote_fields(value: str) -> dict[str, Any] | None:
    """The canonical field(s) for a remote end written as one token, or None if it is none.

    ``10.0.0.0/16`` or ``203.0.113.5`` -> CidrBlock; ``::/0`` -> Ipv6CidrBlock; ``sg-…`` ->
    SecurityGroupId; ``ipm-…``/``ipmg-…`` -> AddressTemplate.
    """
    text = value.strip()
    if _GROUP_ID.match(text):
        return {"SecurityGroupId": text}
    match = _TEMPLATE_ID.match(text)
    if match and match.group(1).lower() in ("ipm", "ipmg"):
        key = "AddressId" if match.group(1).lower() == "ipm" else "AddressGroupId"
        return {"AddressTemplate": {key: text}}
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return {"Ipv6CidrBlock" if network.version == 6 else "CidrBlock": text}


def service_template(value: str) -> dict[str, Any] | None:
    """``{"ServiceTemplate": {...}}`` for a ``ppm-…``/``ppmg-…`` id, else None."""
    match = _TEMPLATE_ID.match(value.strip())
    if not match or match.group(1).lower() not in ("ppm", "ppmg"):
        return None
    key = "ServiceId" if match.group(1).lower() == "ppm" else "ServiceGroupId"
    return {"ServiceTemplate": {key: value.strip()}}


class Problems:
    """Lines that could not be read, collected so one refusal names all of them."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.items: list[LineProblem] = []

    def add(self, line: int | None, message: str) -> None:
        """Record that ``line`` (1-based; None: the whole paste) cannot be read, and why."""
        text = self.lines[line - 1] if line is not None and 0 < line <= len(self.lines) else ""
        self.items.append(LineProblem(line, shorten(text), message))

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class RuleDraft:
    """One rule as canonical JSON, with the pasted line of the rule and of each field."""

    fields: dict[str, Any]
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)  # canonical field -> the user's key


@dataclass
class GroupDraft:
    """One security group being read: its id (None: not in the paste) and rules per direction."""

    group_id: str | None
    line: int
    rules: dict[Direction, list[RuleDraft]] = field(default_factory=dict)


def refuse(format: EvidenceFormat, problems: Sequence[LineProblem], needs: str) -> UnreadableEvidenceError:
    """The error a reader raises; one place so every refusal carries the same parts."""
    return UnreadableEvidenceError(format, problems, needs)


def name_groups(groups: Sequence[GroupDraft], notes: list[str]) -> list[str]:
    """Each group's id, inventing ``sg-pastedN`` for groups the paste does not name."""
    ids: list[str] = []
    for number, group in enumerate(groups, start=1):
        if group.group_id:
            ids.append(group.group_id)
            continue
        placeholder = f"sg-pasted{number}"  # the loader takes sg- plus letters and digits
        ids.append(placeholder)
        notes.append(
            f"The paste does not give the security group's id; the group starting on line {group.line} "
            f"is called {placeholder}."
        )
    return ids


def validate(
    format: EvidenceFormat,
    groups: Sequence[GroupDraft],
    lines: Sequence[str],
    notes: list[str],
    needs: str,
) -> SecurityGroupsEvidence:
    """Validate the drafts with the rule engine's loader and build the evidence.

    Raises:
        UnreadableEvidenceError: the engine rejects a rule; each problem names its line.
    """
    ids = name_groups(groups, notes)
    canonical: list[dict[str, Any]] = []
    for group_id, group in zip(ids, groups, strict=True):
        policy_set = {
            DIRECTION_KEY[d]: [_ordered(rule.fields) for rule in group.rules[d]] for d in DIRECTIONS if d in group.rules
        }
        canonical.append({"SecurityGroupId": group_id, "SecurityGroupPolicySet": policy_set})
    try:
        parsed = parse_security_groups(canonical)
    except RuleValidationError as e:
        raise refuse(format, [_line_problem(p.loc, p.msg, groups, lines) for p in e.problems], needs) from e
    directions = tuple(d for d in DIRECTIONS if any(d in g.rules for g in groups))
    return SecurityGroupsEvidence(groups=parsed, canonical=tuple(canonical), directions=directions)


# The documented order; ModifyTime (when the rule last changed) goes with the other fields after it.
_FIELD_ORDER = tuple(name for name in POLICY_FIELDS if name != "ModifyTime")


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    """A rule's fields in the order Tencent's documentation lists them (others after)."""
    known = {k: fields[k] for k in _FIELD_ORDER if k in fields}
    return known | {k: v for k, v in fields.items() if k not in known}


def _line_problem(
    loc: tuple[str | int, ...], msg: str, groups: Sequence[GroupDraft], lines: Sequence[str]
) -> LineProblem:
    """Map a loader problem located as ``(security_groups, g, Ingress, i, field)`` to its line."""
    line: int | None = None
    shown = msg
    if len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(groups):
        group = groups[loc[1]]
        line = group.line
        if len(loc) >= 4 and isinstance(loc[3], int):
            direction: Direction = "ingress" if loc[2] == "Ingress" else "egress"
            rules = group.rules.get(direction, [])
            if loc[3] < len(rules):
                rule = rules[loc[3]]
                line = rule.line
                if len(loc) >= 5 and isinstance(loc[4], str):
                    line = rule.field_lines.get(loc[4], rule.line)
                    spelled = rule.spelled.get(loc[4])
                    if spelled and norm_key(spelled) != norm_key(loc[4]):
                        shown = f"{msg} (read from your field {spelled!r})"
    text = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    return LineProblem(line, shorten(text), shown)


def order_rules(rules: list[RuleDraft], what: str, notes: list[str], problems: Problems) -> list[RuleDraft]:
    """Give every rule of one direction a PolicyIndex, in the order Tencent Cloud reads them.

    The user's PolicyIndex is kept; rules listed out of that order are put in it (lowest
    first, as the console shows them). Without any PolicyIndex the list order (top first)
    is the priority. Some rules with and some without, or two with the same index, leave
    the order unclear: those are refused.
    """
    if not rules:
        return rules
    given = [r for r in rules if r.fields.get("PolicyIndex") not in (None, "")]
    if not given:
        for position, rule in enumerate(rules):
            rule.fields["PolicyIndex"] = position
        notes.append(f"{what}: no PolicyIndex given; the rules' order in the paste (top first) is their priority.")
        return rules
    if len(given) != len(rules):
        missing = next(r for r in rules if r not in given)
        problems.add(
            missing.line,
            f"{what}: some rules give a PolicyIndex and this one does not, so their order is unclear; "
            "give PolicyIndex on every rule or on none",
        )
        return rules
    indexes = [_as_index(r.fields["PolicyIndex"]) for r in rules]
    if any(i is None for i in indexes):
        return rules  # the loader names the bad PolicyIndex
    seen: dict[int, RuleDraft] = {}
    for rule, index in zip(rules, indexes, strict=True):
        assert index is not None
        if index in seen:
            problems.add(
                rule.line,
                f"{what}: PolicyIndex {index} is given twice (lines {seen[index].line} and {rule.line}), "
                "so the rules' order is unclear",
            )
            return rules
        seen[index] = rule
    if list(seen) != sorted(seen):
        notes.append(f"{what}: the rules were listed out of PolicyIndex order; they are read lowest PolicyIndex first.")
        return [seen[i] for i in sorted(seen)]
    return rules


def _as_index(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
