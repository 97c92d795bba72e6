"""Read security-group rules pasted as JSON, in the shapes Tencent Cloud prints and people type.

Accepted (field names in any case, ``snake_case`` or ``camelCase``):

* a ``DescribeSecurityGroupPolicies`` response, with or without the ``{"Response": ...}``
  envelope (``tccli vpc DescribeSecurityGroupPolicies`` prints the envelope; SDKs print
  the inner object);
* a bare ``SecurityGroupPolicySet`` (``{"Ingress": [...], "Egress": [...]}``), with or without
  the outer braces (``"Ingress": [...]`` pasted as is);
* a bare list of rules when the direction is known: from each rule's ``Direction`` (as
  the API prints it), or from a label just before the list (``入站规则:`` / ``Inbound rules:``);
* several groups: a list of the shapes above, or ``{"SecurityGroupSet"|"security_groups": [...]}``
  whose items carry their rules (a ``DescribeSecurityGroups`` answer has none: refused
  with the command to run instead);
* loose rules (see :mod:`evidence._cloud_json_policy`), and the JSON inside prose: the
  first balanced JSON value holding security-group fields is read, the lines around it
  are listed as skipped.

Refused, with the line and what to paste instead: text that is not JSON (single quotes
of a Python print-out, comments, a missing comma), an API error response, a list of rules
whose direction is not stated, unknown or ambiguous fields, and rules the rule engine's
loader rejects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evidence._cloud_common import (
    DIRECTION_KEY,
    Direction,
    GroupDraft,
    Problems,
    RuleDraft,
    direction_of,
    norm_key,
    order_rules,
    refuse,
    shorten,
    validate,
)
from evidence._cloud_json_parse import MARKERS, Found, JsonSyntaxError, Node, locate, looks_like_sg_json
from evidence._cloud_json_policy import declared_direction, is_policy, to_rule
from evidence.models import EvidenceFormat, Reading, Skipped

FORMAT: EvidenceFormat = "tencent_json"
NEEDS = (
    "Paste the output of `tccli vpc DescribeSecurityGroupPolicies --SecurityGroupId sg-xxxxxxxx` "
    "(or the API's JSON response) exactly as printed."
)
GROUP_LIST_KEYS = frozenset({"securitygroupset", "securitygroups", "groups"})
SET_KEYS = frozenset({"securitygrouppolicyset", "policyset"})
RULE_LIST_KEYS = frozenset({"rules", "policies", "securitygrouppolicies"})
ENVELOPE_IGNORED = frozenset(
    {"requestid", "version", "securitygroupname", "securitygroupdesc", "totalcount", "projectid", "isdefault"}
)


def looks_like(text: str) -> bool:
    """Cheap check: a quoted security-group field such as ``"Ingress":`` or ``"CidrBlock":``."""
    if '"nftables"' in text:  # nft -j output has "protocol" and "accept" too
        return False
    return bool(MARKERS.search(text)) or (looks_like_sg_json(text) and "{" in text)


def read(text: str) -> Reading:
    """Read the security groups in ``text``.

    Raises:
        UnreadableEvidenceError: not readable as security-group JSON; every problem names its line.
    """
    lines = text.split("\n")
    problems = Problems(lines)
    try:
        found = locate(text)
    except JsonSyntaxError as e:
        problems.add(e.line, e.message)
        raise refuse(FORMAT, problems.items, NEEDS) from e
    if found is None:
        problems.add(None, "no JSON with security-group fields found")
        raise refuse(FORMAT, problems.items, NEEDS)
    notes: list[str] = []
    skipped = _around(text, lines, found, notes)
    groups = _Shapes(problems, notes, _label_before(text, found)).groups(found.node)
    if not problems:
        for group in groups:
            for direction, rules in group.rules.items():
                what = f"group on line {group.line}, {DIRECTION_KEY[direction]}"
                group.rules[direction] = order_rules(rules, what, notes, problems)
    if problems:
        raise refuse(FORMAT, problems.items, NEEDS)
    evidence = validate(FORMAT, groups, lines, notes, NEEDS)
    return Reading(format=FORMAT, value=evidence, skipped=tuple(skipped), notes=tuple(notes))


def _around(text: str, lines: Sequence[str], found: Found, notes: list[str]) -> list[Skipped]:
    """The lines outside the JSON, listed as skipped; words sharing a line with it, noted."""
    first = text.count("\n", 0, found.start) + 1
    last = text.count("\n", 0, max(found.end - 1, found.start)) + 1
    more = bool(MARKERS.search(text, found.end))
    skipped: list[Skipped] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or first <= number <= last:
            continue
        reason = "not part of the JSON; only the JSON is read"
        if number > last and more:
            reason = "after the first JSON value; only one is read (put several groups in one list [...])"
        skipped.append(Skipped(number, shorten(line), reason))
    line_start = text.rfind("\n", 0, found.start) + 1
    if text[line_start : found.start].strip():
        notes.append(f"Line {first}: only the JSON from {text[found.start]!r} on is read, not the words before it.")
    line_end = text.find("\n", found.end)
    if text[found.end : len(text) if line_end < 0 else line_end].strip():
        notes.append(f"Line {last}: the words after the JSON are not read.")
    if found.members_only:
        notes.append(f"Line {first}: the fields were pasted without the outer {{ }}; they are read as one object.")
    if found.trailing_commas:
        shown = ", ".join(str(n) for n in found.trailing_commas)
        notes.append(f"A trailing comma (line {shown}) is not JSON; it was ignored.")
    return skipped


_DIRECTION_PHRASE = re.compile(r"(inbound|outbound|ingress|egress)(?:\s+rules?)?|[入出](?:站|方向)(?:规则)?", re.I)


def _label_before(text: str, found: Found) -> Direction | None:
    """A direction named by a label ending in ':' just before the JSON (``入站规则：[...]``)."""
    before = text[: found.start].rstrip()
    if not before.endswith((":", "：")):
        return None
    label_line = before.rsplit("\n", 1)[-1]
    named = {d for m in _DIRECTION_PHRASE.finditer(label_line) if (d := direction_of(m.group().split()[0]))}
    return named.pop() if len(named) == 1 else None


def _get(node: Node, names: frozenset[str]) -> tuple[str, int, Node] | None:
    return next(((k, line, v) for k, line, v in node.members if norm_key(k) in names), None)


def _text_of(member: tuple[str, int, Node] | None) -> str | None:
    if member is None or not isinstance(member[2].value, str) or not member[2].value.strip():
        return None
    return member[2].value.strip()


_RESPONSE = frozenset({"response"})
_GROUP_ID = frozenset({"securitygroupid"})


def _is_group(node: Node) -> bool:
    keys = {norm_key(k) for k, _, _ in node.members}
    return bool(keys & SET_KEYS) or any(direction_of(k) for k, _, v in node.members if v.kind == "array")


class _Shapes:
    """Walks the parsed JSON and recognises the shapes the module docstring lists."""

    def __init__(self, problems: Problems, notes: list[str], label: Direction | None) -> None:
        self.problems = problems
        self.notes = notes
        self.label = label

    def groups(self, node: Node) -> list[GroupDraft]:
        if node.kind == "object":
            listed = _get(node, GROUP_LIST_KEYS)
            if listed is not None:
                return self.group_list(listed[2], listed[0])
            response = _get(node, _RESPONSE)
            if response is not None:
                return self.response(node, response[2])
            if _is_group(node):
                return [self.group(node, None)]
            listed_rules = _get(node, RULE_LIST_KEYS)
            if listed_rules is not None and listed_rules[2].kind == "array" and len(node.members) == 1:
                return self.groups(listed_rules[2])
            if is_policy(node):
                return self.bare_rules([node], node.line)
            self.problems.add(
                node.line, "no security-group rules here: expected SecurityGroupPolicySet, Ingress or Egress"
            )
            return []
        if not node.items:
            self.problems.add(node.line, "the list is empty: there are no rules to read")
            return []
        objects = [i for i in node.items if i.kind == "object"]
        if len(objects) == len(node.items) and all(is_policy(i) for i in objects):
            return self.bare_rules(objects, node.line)
        if len(objects) == len(node.items) and all(_is_group(i) or _get(i, _RESPONSE | _GROUP_ID) for i in objects):
            return self.group_list(node, None)
        odd = next((i for i in node.items if i.kind != "object" or not (is_policy(i) or _is_group(i))), node)
        self.problems.add(odd.line, "this item is neither a rule nor a security group; a list must hold one kind")
        return []

    def response(self, node: Node, inner: Node) -> list[GroupDraft]:
        if inner.kind != "object":
            self.problems.add(inner.line, "Response must be an object")
            return []
        error = _get(inner, frozenset({"error"}))
        if error is not None:
            parts = [_get(error[2], frozenset({k})) for k in ("code", "message")] if error[2].kind == "object" else []
            said = ": ".join(str(p[2].value) for p in parts if p is not None)
            self.problems.add(error[1], f"this is an error answer from the API ({said}), not rules")
            return []
        if _get(inner, GROUP_LIST_KEYS):
            return self.groups(inner)
        if not _is_group(inner):
            self.problems.add(inner.line, "the Response holds no SecurityGroupPolicySet")
            return []
        group = self.group(inner, _text_of(_get(node, _GROUP_ID)))
        group.line = node.line
        return [group]

    def group_list(self, node: Node, key: str | None) -> list[GroupDraft]:
        if node.kind != "array" or not node.items:
            self.problems.add(node.line, f"{key or 'the list'} must be a non-empty list of groups")
            return []
        groups: list[GroupDraft] = []
        for item in node.items:
            if item.kind == "object" and _get(item, _RESPONSE):
                groups.extend(self.groups(item))
            elif item.kind == "object" and _is_group(item):
                groups.append(self.group(item, None))
            elif item.kind == "object" and (group_id := _text_of(_get(item, _GROUP_ID))):
                self.problems.add(
                    item.line,
                    f"{group_id} is listed without its rules (DescribeSecurityGroups lists groups, not rules); "
                    f"run `tccli vpc DescribeSecurityGroupPolicies --SecurityGroupId {group_id}` and paste that",
                )
            else:
                self.problems.add(item.line, "this item is not a security group")
        if len(groups) > 1:
            self.notes.append("Several groups were pasted; they are read in the order given (the binding priority).")
        return groups

    def group(self, node: Node, group_id: str | None) -> GroupDraft:
        group = GroupDraft(_text_of(_get(node, _GROUP_ID)) or group_id, node.line)
        policy_set = _get(node, SET_KEYS)
        holder = policy_set[2] if policy_set is not None else node
        if holder.kind != "object":
            self.problems.add(holder.line, "SecurityGroupPolicySet must be an object")
            return group
        for key, key_line, value in holder.members:
            direction = direction_of(key)
            if direction is None:
                if norm_key(key) not in ENVELOPE_IGNORED | _GROUP_ID | SET_KEYS:
                    self.problems.add(key_line, f"unknown field {key!r} next to the rules")
                continue
            if direction in group.rules:
                self.problems.add(key_line, f"{key!r} repeats the {direction} rules")
                continue
            group.rules[direction] = self.rules(value, direction)
        if not group.rules:
            self.problems.add(holder.line, "no Ingress or Egress list found")
        return group

    def rules(self, node: Node, direction: Direction) -> list[RuleDraft]:
        if node.kind == "null":
            return []
        if node.kind != "array":
            self.problems.add(node.line, f"{DIRECTION_KEY[direction]} must be a list of rules")
            return []
        rules: list[RuleDraft] = []
        for item in node.items:
            if item.kind != "object":
                self.problems.add(item.line, "expected a rule object here")
                continue
            stated = declared_direction(item, self.problems)
            if stated is not None and stated != direction:
                self.problems.add(item.line, f"this rule says {stated} but is in the {DIRECTION_KEY[direction]} list")
                continue
            rules.append(to_rule(item, direction, self.problems))
        return rules

    def bare_rules(self, items: Sequence[Node], line: int) -> list[GroupDraft]:
        group = GroupDraft(None, line)
        labelled = False
        for item in items:
            stated = declared_direction(item, self.problems)
            direction = stated or self.label
            if direction is None:
                self.problems.add(
                    item.line,
                    "a bare list of rules does not say whether they are inbound or outbound: paste it with its key "
                    '("Ingress": [...] or "Egress": [...]) or the whole command output',
                )
                continue
            labelled = labelled or stated is None
            group.rules.setdefault(direction, []).append(to_rule(item, direction, self.problems))
        if labelled:
            self.notes.append(f"The rules are read as {self.label} rules, as the label before them says.")
        return [group]
