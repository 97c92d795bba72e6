"""The columns and cell values of Tencent Cloud's security-group rule tables.

Taken from the console's rule list and from the tables Tencent's documents print
(安全组应用案例 / Security Group Use Cases, 添加安全组规则 / Adding Security Group Rules):

* columns: 方向/Direction, 类型/Type (IPv4/IPv6, or the rule template such as
  ``Linux 登录``/``HTTP (80)``/``Custom``), 来源/Source (inbound) or 目标/Destination
  (outbound), 协议端口/Protocol port, 策略/Policy, 备注/Remarks (Notes), 修改时间/
  Modification time, 操作/Operation;
* protocol port: ``TCP:22``, ``TCP: 80`` (the English documents put a space), ``TCP:80,443``,
  ``TCP:3000-4000``, ``UDP:53``, ``ICMP``, ``ICMPv6``, ``GRE``, ``ALL``, or a
  protocol-port template ``ppm-…``/``ppmg-…``;
* policy: 允许/拒绝, Allow/Reject (the console also says Deny or Refuse; all drop silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from evidence._cloud_common import Direction, action_of, direction_of, remote_fields, service_template

Column = Literal["direction", "type", "remote", "protoport", "policy", "remark", "mtime", "operation"]

# Header names, lower case with single spaces; the value is the column and, for the
# remote end, the direction its name implies.
HEADER_NAMES: dict[str, tuple[Column, Direction | None]] = {
    "方向": ("direction", None),
    "direction": ("direction", None),
    "类型": ("type", None),
    "type": ("type", None),
    "来源": ("remote", "ingress"),
    "源": ("remote", "ingress"),
    "source": ("remote", "ingress"),
    "目标": ("remote", "egress"),
    "目的": ("remote", "egress"),
    "destination": ("remote", "egress"),
    "协议端口": ("protoport", None),
    "协议 端口": ("protoport", None),
    "protocol port": ("protoport", None),
    "protocol and port": ("protoport", None),
    "策略": ("policy", None),
    "policy": ("policy", None),
    "备注": ("remark", None),
    "描述": ("remark", None),
    "remarks": ("remark", None),
    "remark": ("remark", None),
    "notes": ("remark", None),
    "note": ("remark", None),
    "description": ("remark", None),
    "修改时间": ("mtime", None),
    "更新时间": ("mtime", None),
    "modification time": ("mtime", None),
    "modified time": ("mtime", None),
    "modify time": ("mtime", None),
    "last modified": ("mtime", None),
    "操作": ("operation", None),
    "operation": ("operation", None),
    "operations": ("operation", None),
}
OPTIONAL: frozenset[Column] = frozenset({"type", "remark", "mtime", "operation"})

# Case matters where it tells the console from host firewalls: the console prints ALL,
# ICMP and Allow; iptables prints all, icmp and ACCEPT; ufw prints ALLOW.
PROTOPORT = (
    r"(?:(?i:tcp|udp)\s*:\s*(?:(?i:all)|\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)"
    r"|ALL|All|ICMPv6|ICMPV6|ICMP|GRE|ppmg?-[0-9a-z]+)"
)
POLICY = r"(?:允许|拒绝|Allow|Accept|Deny|Drop|Reject|Refuse)"
REMOTE = r"(?:[0-9a-fA-F:.]+(?:/\d{1,3})?|sg-[0-9a-z]+|ipmg?-[0-9a-z]+)"
DIRECTION = r"(?:入方向|出方向|入站|出站|(?i:inbound|outbound|ingress|egress))"
MTIME = r"\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?"
OPERATION = r"(?:(?:编辑|插入|删除|修改|克隆|Edit|Insert|Delete|Modify|Clone)(?:\s+|$))+"
CELL_PATTERN: dict[Column, str] = {
    "direction": DIRECTION,
    "type": r"(?:IPv4|IPv6|.+?)",
    "remote": REMOTE,
    "protoport": PROTOPORT,
    "policy": POLICY,
    "remark": r".*?",
    "mtime": MTIME,
    "operation": OPERATION,
}
PROTOPORT_CELL = re.compile(rf"^{PROTOPORT}$")
POLICY_CELL = re.compile(rf"^{POLICY}$")
_PORTS = re.compile(r"^(tcp|udp)\s*:\s*(.+)$", re.IGNORECASE)


@cache
def row_pattern(columns: tuple[Column, ...]) -> re.Pattern[str]:
    """A regex reading one whitespace-separated row with these columns, by each cell's shape.

    Free-text cells (type, remark) are bounded by the typed cells around them, so a remark
    may hold spaces; optional columns may be missing at the end of a copied row.
    """
    parts: list[str] = []
    for column in columns:
        cell = f"(?P<{column}>{CELL_PATTERN[column]})"
        if column in OPTIONAL:
            parts.append(f"(?:\\s+{cell})?" if parts else f"(?:{cell}\\s+)?")
        else:
            parts.append(f"\\s+{cell}" if parts else cell)
    return re.compile("^\\s*" + "".join(parts) + "\\s*$")


@dataclass
class Cells:
    """One row's cells by column (missing optional columns are absent)."""

    values: dict[Column, str]


def read_protoport(text: str) -> dict[str, Any] | str:
    """Canonical Protocol/Port (or ServiceTemplate) for a 协议端口 cell, or the problem."""
    cell = text.strip()
    template = service_template(cell)
    if template is not None:
        return template
    match = _PORTS.match(cell)
    if match:
        ports = re.sub(r"\s+", "", match.group(2))
        if re.fullmatch(r"\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*|all", ports, re.IGNORECASE):
            return {"Protocol": match.group(1).upper(), "Port": ports.upper() if ports.lower() == "all" else ports}
    elif cell.upper() in ("ALL", "ICMP", "ICMPV6", "GRE"):
        protocol = "ICMPv6" if cell.upper() == "ICMPV6" else cell.upper()
        return {"Protocol": protocol, "Port": "ALL"} if protocol == "ALL" else {"Protocol": protocol}
    return (
        f"protocol port {cell!r} is not written as the console writes it "
        "(TCP:22, TCP:80,443, TCP:3000-4000, UDP:53, ICMP, ALL or a ppm-/ppmg- template)"
    )


def read_remote(text: str, direction: Direction) -> dict[str, Any] | str:
    """Canonical remote-end fields for a 来源/目标 cell, or the problem."""
    cell = text.strip()
    fields = remote_fields(cell)
    if fields is not None:
        return fields
    what = "source" if direction == "ingress" else "destination"
    return (
        f"the {what} {cell!r} is not an IP address, CIDR block, security group id (sg-…) "
        "or IP address template id (ipm-…/ipmg-…)"
    )


def read_policy(text: str) -> str | None:
    """ACCEPT or DROP for a 策略 cell, or None."""
    return action_of(text.strip())


def read_direction(text: str) -> Direction | None:
    """The direction in a 方向 cell, or None."""
    return direction_of(text.strip())


def header_columns(line: str) -> tuple[tuple[Column, ...], Direction | None] | None:
    """The columns of a header line, and the direction its 来源/目标 implies; None if not a header.

    Cells may be separated by tabs or spaces; names of two words (``Protocol port``,
    ``Modification time``) are matched as phrases. Every word must belong to a known
    column name, and the line needs 协议端口 and 策略 plus a remote end or 方向.
    """
    words = line.replace("\t", " ").lower().split()
    columns: list[Column] = []
    implied: Direction | None = None
    position = 0
    while position < len(words):
        for size in (3, 2, 1):
            name = " ".join(words[position : position + size])
            if name in HEADER_NAMES:
                column, direction = HEADER_NAMES[name]
                if column in columns:
                    return None
                columns.append(column)
                implied = direction or implied
                position += size
                break
        else:
            return None
    needed = {"protoport", "policy"} <= set(columns) and ({"remote", "direction"} & set(columns))
    return (tuple(columns), implied) if needed else None
