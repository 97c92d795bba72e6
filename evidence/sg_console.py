"""Read rules copied from the security-group rule table of Tencent Cloud's console.

Accepted: the Chinese console (来源/目标 协议端口 策略 备注 [修改时间 操作]) and the
English one (Source/Destination, Protocol port, Policy, Remarks/Notes [Modification
time, Operation]), also with the 方向/Direction and 类型/Type (IPv4/IPv6 or the rule
template) columns Tencent's documents print; cells separated by tabs (as a browser
copies a table), by runs of spaces, or by single spaces when every cell can be told by
its shape (a remark may hold spaces). Rows are in priority order, top first. An
inbound and an outbound table may follow each other, each under its own header.

Without a header the rows are read only if each is unambiguous: the direction comes
from a 方向 cell or a label line (入站规则 / Inbound rules) before the rows, and every
cell from its shape; what was assumed is noted.

Refused, with the line and what to paste instead: a row whose source, protocol port or
policy is not one the console shows (placeholders such as "your IP range", "TCP: 20 to
21"), rows without a direction, two tables for the same direction, and rules the rule
engine's loader rejects. Lines that are not rules (prose, buttons, a wrapped remark) are
listed as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence._cloud_common import (
    DIRECTION_KEY,
    Direction,
    GroupDraft,
    Problems,
    RuleDraft,
    direction_of,
    order_rules,
    refuse,
    shorten,
    validate,
)
from evidence._cloud_console_cells import (
    POLICY_CELL,
    PROTOPORT,
    PROTOPORT_CELL,
    REMOTE,
    Column,
    header_columns,
    read_direction,
    read_policy,
    read_protoport,
    read_remote,
    row_pattern,
)
from evidence.models import EvidenceFormat, Reading, Skipped

FORMAT: EvidenceFormat = "console_table"
NEEDS = (
    "Copy the rule table from the console (Security Group > Modify rules > Inbound/Outbound rules; "
    "安全组 > 修改规则 > 入站/出站规则) together with its header row (来源/目标 协议端口 策略 备注), "
    "or paste the output of `tccli vpc DescribeSecurityGroupPolicies --SecurityGroupId sg-xxxxxxxx`."
)
# Layouts tried for rows without a header, as the console and the documents order cells.
HEADERLESS: tuple[tuple[Column, ...], ...] = (
    ("remote", "protoport", "policy", "remark", "mtime", "operation"),
    ("direction", "type", "remote", "protoport", "policy", "remark"),
)
_LABEL = re.compile(r"^\s*(入站规则|出站规则|入方向规则|出方向规则|inbound rules?|outbound rules?)\s*[:：]?\s*$", re.I)
_SPLIT = re.compile(r"\t| {2,}")


@dataclass
class _Section:
    """Rows under one header (or before any header)."""

    columns: tuple[Column, ...] | None
    implied: Direction | None
    line: int
    rows: list[tuple[int, dict[Column, str]]] = field(default_factory=list)


def looks_like(text: str) -> bool:
    """Cheap check: a rule-table header, or a row whose cells are a console rule's.

    Host firewall output does not match: iptables and nft print ``accept``/``ACCEPT`` and
    ``tcp dpt:22``, ufw ``ALLOW`` and ``22/tcp``; the console prints ``TCP:22`` and
    ``允许``/``Allow``. A sentence is not claimed: a row needs tabs or column gaps, or
    must be a whole row of console cells.
    """
    for line in text.splitlines()[:200]:
        if header_columns(line) is not None:
            return True
        cells = [c.strip() for c in _SPLIT.split(line.strip()) if c.strip()]
        if len(cells) >= 3 and any(POLICY_CELL.match(c) for c in cells) and any(_is_pp(c) for c in cells):
            return True
        if any(row_pattern(layout).match(line) for layout in HEADERLESS):
            return True
    return False


def _is_pp(cell: str) -> bool:
    return bool(PROTOPORT_CELL.match(cell))


def read(text: str) -> Reading:
    """Read the rule table in ``text``.

    Raises:
        UnreadableEvidenceError: a row cannot be read or its direction is unknown; each
            problem names its line.
    """
    lines = text.split("\n")
    problems = Problems(lines)
    notes: list[str] = []
    skipped: list[Skipped] = []
    sections = _sections(lines, problems, notes, skipped)
    group = GroupDraft(None, next((s.line for s in sections if s.rows), 1))
    for section in sections:
        _section_rules(section, group, problems, notes)
    if not problems and not group.rules:
        problems.add(None, "no rule rows found")
    if not problems:
        for direction, rules in group.rules.items():
            group.rules[direction] = order_rules(rules, f"{DIRECTION_KEY[direction]} rows", notes, problems)
    if problems:
        raise refuse(FORMAT, problems.items, NEEDS)
    evidence = validate(FORMAT, [group], lines, notes, NEEDS)
    return Reading(format=FORMAT, value=evidence, skipped=tuple(skipped), notes=tuple(notes))


def _sections(lines: Sequence[str], problems: Problems, notes: list[str], skipped: list[Skipped]) -> list[_Section]:
    """Split the paste into header sections and pick each section's rows."""
    label: Direction | None = None
    sections = [_Section(None, None, 1)]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        header = header_columns(line)
        if header is not None:
            sections.append(_Section(header[0], header[1], number))
            continue
        label_match = _LABEL.match(line)
        if label_match:
            label = direction_of(label_match.group(1).split()[0])
            sections.append(_Section(None, label, number))
            notes.append(f"Line {number}: the rows below it are read as {label} rules, as the label says.")
            continue
        section = sections[-1]
        cells = _cells(line, section.columns)
        if cells is None:
            reason = "not a rule row (text around the table)"
            if _looks_like_row(line):
                problems.add(
                    number, "this looks like a rule row but its cells cannot be told apart; " + _layout_hint(section)
                )
            skipped.append(Skipped(number, shorten(line), reason))
            continue
        section.rows.append((number, cells))
    return sections


def _layout_hint(section: _Section) -> str:
    if section.columns is None:
        return "paste the table with its header row"
    return "separate the cells with tabs, as the console copies them"


def _looks_like_row(line: str) -> bool:
    tokens = _SPLIT.split(line.strip()) if "\t" in line else line.split()
    return any(POLICY_CELL.match(t.strip()) for t in tokens) and (
        bool(re.search(PROTOPORT, line)) or bool(re.search(rf"(?<!\S){REMOTE}(?!\S)", line))
    )


def _cells(line: str, columns: tuple[Column, ...] | None) -> dict[Column, str] | None:
    """The row's cells by column, or None when the line is not a row of this table."""
    if columns is None:
        found = [layout for layout in HEADERLESS if row_pattern(layout).match(line)]
        if len(found) != 1:
            return None
        match = row_pattern(found[0]).match(line)
        assert match is not None
        return {c: v for c, v in match.groupdict().items() if v is not None}  # type: ignore[misc]
    # Tabs are the console's cell separator; without tabs, runs of spaces are.
    split = [c.strip() for c in (line.split("\t") if "\t" in line else re.split(r" {2,}", line.strip()))]
    while split and not split[-1]:
        split.pop()
    required = [c for c in columns if c not in ("remark", "mtime", "operation")]
    if len(required) <= len(split) <= len(columns) and ("\t" in line or len(split) > 1):
        cells = dict(zip(columns, split, strict=False))
        if POLICY_CELL.match(cells.get("policy", "")) or len(split) == len(columns):
            return {c: v for c, v in cells.items() if v}
    match = row_pattern(columns).match(line)
    if match is None:
        return None
    return {c: v for c, v in match.groupdict().items() if v is not None}  # type: ignore[misc]


def _section_rules(section: _Section, group: GroupDraft, problems: Problems, notes: list[str]) -> None:
    """Turn a section's rows into rules of the group, per direction."""
    if not section.rows:
        return
    directions_here: set[Direction] = set()
    template_types: dict[str, None] = {}
    for number, cells in section.rows:
        direction = _row_direction(section, cells, number, problems)
        if direction is None:
            continue
        if section.implied is not None and direction != section.implied and "direction" in cells:
            column = "来源/Source" if section.implied == "ingress" else "目标/Destination"
            notes.append(f"Line {number}: an {direction} row under {column}; the address is read as the other end.")
        directions_here.add(direction)
        rule = _rule(number, cells, direction, problems, template_types)
        if rule is not None:
            group.rules.setdefault(direction, []).append(rule)
    if section.columns is None and section.implied is None and directions_here:
        notes.append(f"Line {section.rows[0][0]}: no header row; each row's cells were told by their shape.")
    if template_types:
        shown = ", ".join(template_types)
        notes.append(f"The 类型/Type column names rule templates ({shown}); protocol and port come from 协议端口.")
    for direction in directions_here:
        earlier = sum(1 for r in group.rules.get(direction, []) if r.line < section.line)
        if earlier and section.columns is not None:
            problems.add(section.line, f"a second table of {direction} rules; paste one security group at a time")


def _row_direction(section: _Section, cells: dict[Column, str], number: int, problems: Problems) -> Direction | None:
    if "direction" in cells:
        direction = read_direction(cells["direction"])
        if direction is None:
            problems.add(number, f"方向/Direction {cells['direction']!r} is neither inbound nor outbound")
        return direction
    if section.implied is not None:
        return section.implied
    problems.add(
        number,
        "without the header row it cannot be told whether the address is a source (inbound rule) or a "
        "destination (outbound rule); paste the header row (来源 = inbound, 目标 = outbound) too",
    )
    return None


def _rule(
    number: int, cells: dict[Column, str], direction: Direction, problems: Problems, template_types: dict[str, None]
) -> RuleDraft | None:
    rule = RuleDraft({}, number)
    remote = read_remote(cells.get("remote", ""), direction)
    service = read_protoport(cells.get("protoport", ""))
    action = read_policy(cells.get("policy", ""))
    for result in (remote, service):
        if isinstance(result, str):
            problems.add(number, result)
    if action is None:
        problems.add(number, f"policy {cells.get('policy', '')!r} is not 允许/拒绝 or Allow/Reject")
    if isinstance(remote, str) or isinstance(service, str) or action is None:
        return None
    type_cell = cells.get("type", "").strip()
    if type_cell.lower() in ("ipv4", "ipv6"):
        family = "Ipv6CidrBlock" if type_cell.lower() == "ipv6" else "CidrBlock"
        cidr = next((k for k in ("CidrBlock", "Ipv6CidrBlock") if k in remote), None)
        if cidr is not None and cidr != family:
            problems.add(number, f"the type is {type_cell} but the address {remote[cidr]} is not")
            return None
    elif type_cell:
        template_types[type_cell] = None
    rule.fields.update(remote)
    rule.fields.update(service)
    rule.fields["Action"] = action
    remark = cells.get("remark", "").strip()
    if remark and remark not in ("-", "--"):
        rule.fields["PolicyDescription"] = remark
    return rule
