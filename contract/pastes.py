"""Whether a message carries pasted output the desk reads, by its shape alone.

The bot's NLU uses it to send a paste to the diagnosis whatever the intent classifier
thinks of the words around it (``bot/components/paste_detector.py``); the app reads the
paste with its evidence readers (``evidence.registry``), whose cheap ``looks_like`` tests
these mirror, format for format: a test (``tests/bot/test_paste_shapes.py``) holds the two
to the same answer on every real paste of ``tests/evidence/data`` and on the bot's
training sentences. Standard library only: both runtimes import it.

Each test looks for a line shape the tool prints (a column header, a chain or table
opener, a quoted security-group field), never for words a user might type in a sentence.
Every pattern is anchored to a line or bounded, so the cost is linear in the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The formats, named as the app names them (``api/schemas_diagnose.py`` EvidenceFormatName).
PASTE_FORMATS = (
    "tencent_json",
    "console_table",
    "iptables_save",
    "nft",
    "iptables_list",
    "iptables_rules",
    "firewalld",
    "ufw",
    "netsh",
    "ss",
    "netstat",
    "netstat_windows",
)

# --- security groups: Tencent JSON and the console's rule table ---------------------------------

_SG_FIELD = re.compile(
    r"""["'](?:SecurityGroupPolicySet|Ingress|Egress|PolicyIndex|Cidr_?Block|Ipv6_?CidrBlock|"""
    r"""security_?group_?policy_?set|SecurityGroupSet|inbound|outbound)["']\s*:"""
    r"""|["']Response["']\s*:\s*\{\s*["']Error["']\s*:""",
    re.IGNORECASE,
)
_LOOSE_ACTION = re.compile(r"""["'](?:action|policy|strategy)["']\s*:""", re.IGNORECASE)
_LOOSE_MATCH = re.compile(r"""["'](?:cidr\w*|source|src|destination|dest|dst|ports?|proto(?:col)?)["']\s*:""", re.I)

_HEADER_WORDS = {
    "方向": "direction",
    "direction": "direction",
    "类型": "type",
    "type": "type",
    "来源": "remote",
    "源": "remote",
    "source": "remote",
    "目标": "remote",
    "目的": "remote",
    "destination": "remote",
    "协议端口": "protoport",
    "协议 端口": "protoport",
    "protocol port": "protoport",
    "protocol and port": "protoport",
    "策略": "policy",
    "policy": "policy",
    "备注": "remark",
    "描述": "remark",
    "remarks": "remark",
    "remark": "remark",
    "notes": "remark",
    "note": "remark",
    "description": "remark",
    "修改时间": "mtime",
    "更新时间": "mtime",
    "modification time": "mtime",
    "modified time": "mtime",
    "modify time": "mtime",
    "last modified": "mtime",
    "操作": "operation",
    "operation": "operation",
    "operations": "operation",
}
_PROTOPORT = (
    r"(?:(?i:tcp|udp)\s*:\s*(?:(?i:all)|\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)"
    r"|ALL|All|ICMPv6|ICMPV6|ICMP|GRE|ppmg?-[0-9a-z]+)"
)
_POLICY = r"(?:允许|拒绝|Allow|Accept|Deny|Drop|Reject|Refuse)"
_REMOTE = r"(?:[0-9a-fA-F:.]+(?:/\d{1,3})?|sg-[0-9a-z]+|ipmg?-[0-9a-z]+)"
_DIRECTION = r"(?:入方向|出方向|入站|出站|(?i:inbound|outbound|ingress|egress))"
_MTIME = r"\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?"
_OPERATION = r"(?:(?:编辑|插入|删除|修改|克隆|Edit|Insert|Delete|Modify|Clone)(?:\s+|$))+"
_PROTOPORT_CELL = re.compile(rf"^{_PROTOPORT}$")
_POLICY_CELL = re.compile(rf"^{_POLICY}$")
_CELL_SPLIT = re.compile(r"\t| {2,}")
_CELL = {
    "direction": _DIRECTION,
    "type": r"(?:IPv4|IPv6|.+?)",
    "remote": _REMOTE,
    "protoport": _PROTOPORT,
    "policy": _POLICY,
    "remark": r".*?",
    "mtime": _MTIME,
    "operation": _OPERATION,
}
_OPTIONAL = frozenset({"type", "remark", "mtime", "operation"})


def _row(columns: tuple[str, ...]) -> re.Pattern[str]:
    """One whitespace-separated row with these columns, by each cell's shape (as the app reads rows)."""
    parts: list[str] = []
    for column in columns:
        cell = f"(?P<{column}>{_CELL[column]})"
        if column in _OPTIONAL:
            parts.append(f"(?:\\s+{cell})?" if parts else f"(?:{cell}\\s+)?")
        else:
            parts.append(f"\\s+{cell}" if parts else cell)
    return re.compile("^\\s*" + "".join(parts) + "\\s*$")


# Rows copied without their header, in the two orders the console and the documents print.
_HEADERLESS_ROWS = (
    _row(("remote", "protoport", "policy", "remark", "mtime", "operation")),
    _row(("direction", "type", "remote", "protoport", "policy", "remark")),
)
_CONSOLE_LINES = 200  # the console test looks at the first lines only, as the app's does


def _is_console_header(line: str) -> bool:
    words = line.replace("\t", " ").lower().split()
    columns: list[str] = []
    position = 0
    while position < len(words):
        for size in (3, 2, 1):
            column = _HEADER_WORDS.get(" ".join(words[position : position + size]))
            if column is not None:
                if column in columns:
                    return False
                columns.append(column)
                position += size
                break
        else:
            return False
    return {"protoport", "policy"} <= set(columns) and bool({"remote", "direction"} & set(columns))


def _looks_like_console_table(lines: list[str]) -> bool:
    for line in lines[:_CONSOLE_LINES]:
        if _is_console_header(line):
            return True
        cells = [c.strip() for c in _CELL_SPLIT.split(line.strip()) if c.strip()]
        if (
            len(cells) >= 3
            and any(_POLICY_CELL.match(c) for c in cells)
            and any(_PROTOPORT_CELL.match(c) for c in cells)
        ):
            return True
        if any(row.match(line) for row in _HEADERLESS_ROWS):
            return True
    return False


def _looks_like_sg_json(text: str) -> bool:
    if '"nftables"' in text:  # nft -j output has "protocol" and "accept" too
        return False
    if _SG_FIELD.search(text):
        return True
    return "{" in text and bool(_LOOSE_ACTION.search(text)) and bool(_LOOSE_MATCH.search(text))


# --- the instance's firewalls and sockets --------------------------------------------------------

# Matched line by line (as the app's readers do), so no pattern runs across lines.
_SAVE_TABLE = re.compile(r"^\s*\*(filter|nat|mangle|raw|security)\s*$")
_SAVE_BODY = re.compile(r"^\s*(?::\S+\s+(?:ACCEPT|DROP|-)\s|COMMIT\s*$|-A\s+\S+)")
_RULES_LINE = re.compile(
    r"^\s*(?:-P\s+(?:INPUT|FORWARD|OUTPUT)\s+(?:ACCEPT|DROP)\s*$|-A\s+\S+\s.*-j\s+\S+|-N\s+\S+\s*$)"
)
_LIST_CHAIN = re.compile(r"^Chain \S+ \((?:policy [A-Z]+(?: \S+ packets, \S+ bytes)?|\d+ references)\)\s*$")
_LIST_HEADER = re.compile(
    r"^\s*(?:num\s+)?(?:pkts\s+bytes\s+)?target\s+prot\s+opt\s+(?:in\s+out\s+)?source\s+destination"
)
_NFT_TABLE = re.compile(r"^\s*table\s+(?:ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{\s*$")
_NFT_CHAIN = re.compile(r"^\s*chain\s+\S+\s*\{\s*$")
_FIREWALLD_TARGET = re.compile(r"^\s+target:\s")
_FIREWALLD_SERVICES = re.compile(r"^\s+services:")
_UFW_STATUS = re.compile(r"^\s*Status:\s*(?:active|inactive)\s*$")
_NETSH_RULE = re.compile(r"^\s*Rule Name:\s+\S")
_NETSH_FIELD = re.compile(r"^\s*(?:Enabled|Direction|Profiles|LocalPort|RemoteIP|Action):\s+\S")
_SS_HEADER = re.compile(r"^\s*(?:Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local\s+Address:Port\s+Peer\s+Address:Port")
_NETSTAT_HEADER = re.compile(r"^\s*Proto\s+Recv-Q\s+Send-Q\s+Local\s+Address\s+Foreign\s+Address\s+State")
_WINDOWS_HEADER = re.compile(r"^\s*Proto\s+Local\s+Address\s+Foreign\s+Address\s+State(?:\s+PID)?\s*$")
_WINDOWS_ROW = re.compile(r"^\s*(?:TCP\s+\S+:\d+\s+\S+:\S+\s+[A-Z_]+|UDP\s+\S+:\d+\s+\S+:\S+)(?:\s+\d+)?\s*$")

Lines = list[str]


def _any(pattern: re.Pattern[str], lines: Lines) -> bool:
    return any(pattern.match(line) for line in lines)


def _both(first: re.Pattern[str], second: re.Pattern[str]) -> Callable[[Lines], bool]:
    return lambda lines: _any(first, lines) and _any(second, lines)


def _list_chain(lines: Lines) -> bool:
    return any(_LIST_CHAIN.match(line.strip()) for line in lines)


# Tried in the app's order (evidence/cloud_readers.py, then evidence/host_readers.py).
_HOST_TESTS: tuple[tuple[str, Callable[[Lines], bool]], ...] = (
    ("iptables_save", _both(_SAVE_TABLE, _SAVE_BODY)),
    ("nft", _both(_NFT_TABLE, _NFT_CHAIN)),
    ("iptables_list", lambda lines: _list_chain(lines) and _any(_LIST_HEADER, lines)),
    ("iptables_rules", lambda lines: _any(_RULES_LINE, lines) and not _any(_SAVE_TABLE, lines)),
    ("firewalld", _both(_FIREWALLD_TARGET, _FIREWALLD_SERVICES)),
    ("ufw", lambda lines: _any(_UFW_STATUS, lines)),
    ("netsh", lambda lines: _any(_NETSH_RULE, lines) and sum(1 for x in lines if _NETSH_FIELD.match(x)) >= 2),
    ("ss", lambda lines: _any(_SS_HEADER, lines)),
    ("netstat", lambda lines: _any(_NETSTAT_HEADER, lines)),
    ("netstat_windows", lambda lines: any(_WINDOWS_HEADER.match(x) or _WINDOWS_ROW.match(x) for x in lines)),
)


def paste_format(text: str | None) -> str | None:
    """The format of the output pasted in ``text`` (one of :data:`PASTE_FORMATS`), or None.

    A sentence around the paste does not matter; a button payload (``/choose_faq{...}``)
    is never a paste.
    """
    if not text or text.startswith("/"):
        return None
    if _looks_like_sg_json(text):
        return "tencent_json"
    lines = text.splitlines()
    if _looks_like_console_table(lines):
        return "console_table"
    for name, looks_like in _HOST_TESTS:
        if looks_like(lines):
            return name
    return None


def has_paste(text: str | None) -> bool:
    """Whether ``text`` carries output the desk reads (see :func:`paste_format`)."""
    return paste_format(text) is not None
