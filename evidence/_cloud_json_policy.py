"""One pasted JSON rule -> one canonical Tencent ``SecurityGroupPolicy``.

Field names are read in any case and with ``_``/``-``/spaces (``policy_index``,
``policyIndex``, ``PolicyIndex``), and the loose names people type are mapped where the
meaning is unambiguous: ``priority`` -> PolicyIndex, ``proto`` -> Protocol, ``ports`` ->
Port, ``policy`` -> Action (allow/accept/允许 -> ACCEPT, deny/drop/reject/拒绝 -> DROP),
``cidr``/``cidr_block``/``remote`` -> CidrBlock or Ipv6CidrBlock by the value's IP version,
``description``/``remark`` -> PolicyDescription. ``source`` is the remote end only for an
inbound rule and ``destination`` only for an outbound one: the other way round it could
mean either end, and the rule is refused. A field this reader does not know is refused
too, rather than dropped, since it may carry a condition (``from_port`` and the like).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidence._cloud_common import Direction, Problems, RuleDraft, action_of, direction_of, norm_key, remote_fields
from evidence._cloud_json_parse import Node

Report = Callable[..., None]

INDEX_KEYS = frozenset({"policyindex", "priority", "index"})
PROTOCOL_KEYS = frozenset({"protocol", "proto", "ipprotocol"})
PORT_KEYS = frozenset({"port", "ports", "portrange", "dport", "destinationport"})
ACTION_KEYS = frozenset({"action", "policy", "strategy"})
NEUTRAL_REMOTE_KEYS = frozenset(
    {"cidrblock", "cidr", "cidrip", "ipv6cidrblock", "ipv6cidr", "cidrv6", "remote", "remoteip", "peer"}
)
SOURCE_KEYS = frozenset({"source", "src", "sourcecidr", "sourceip", "sourcecidrblock", "from", "来源"})
DESTINATION_KEYS = frozenset(
    {"destination", "dest", "dst", "destinationcidr", "destinationip", "destinationcidrblock", "target", "to"}
    | {"目标", "目的"}
)
DESCRIPTION_KEYS = frozenset(
    {"policydescription", "description", "desc", "remark", "remarks", "note", "notes", "comment", "备注"}
)
IGNORED_KEYS = frozenset(
    {"modifytime", "createtime", "createdtime", "updatetime", "version", "region", "securitygrouppolicyid", "policyid"}
)
TEMPLATE_KEYS = {
    "servicetemplate": ("ServiceTemplate", {"serviceid": "ServiceId", "servicegroupid": "ServiceGroupId"}),
    "addresstemplate": ("AddressTemplate", {"addressid": "AddressId", "addressgroupid": "AddressGroupId"}),
}
POLICY_KEYS = (
    INDEX_KEYS
    | PROTOCOL_KEYS
    | PORT_KEYS
    | ACTION_KEYS
    | NEUTRAL_REMOTE_KEYS
    | SOURCE_KEYS
    | DESTINATION_KEYS
    | {"securitygroupid", "direction", "servicetemplate", "addresstemplate"}
)


def is_policy(node: Node) -> bool:
    """Whether an object reads as one rule (an action plus a protocol, port or remote end)."""
    keys = {norm_key(k) for k, _, _ in node.members}
    has_rule_part = bool(keys & (PROTOCOL_KEYS | PORT_KEYS | NEUTRAL_REMOTE_KEYS | SOURCE_KEYS | DESTINATION_KEYS))
    has_template = bool(keys & {"servicetemplate", "addresstemplate"})
    return bool(keys & ACTION_KEYS) and (has_rule_part or has_template)


def declared_direction(node: Node, problems: Problems) -> Direction | None:
    """The direction a rule states itself (``"Direction": "INGRESS"``, as the API prints it)."""
    for key, key_line, value in node.members:
        if norm_key(key) != "direction":
            continue
        direction = direction_of(value.value) if isinstance(value.value, str) else None
        if direction is None:
            problems.add(key_line, f"Direction {value.value!r} is neither INGRESS nor EGRESS")
        return direction
    return None


def to_rule(node: Node, direction: Direction, problems: Problems) -> RuleDraft:
    """The canonical rule for ``node`` in ``direction``; unreadable fields go to ``problems``."""
    rule = RuleDraft({}, node.line)
    remotes: list[tuple[str, int]] = []
    for key, key_line, value in node.members:
        name = norm_key(key)

        def problem(message: str, at: int = key_line) -> None:
            problems.add(at, message)

        if name in IGNORED_KEYS or name == "direction":
            continue
        if name in INDEX_KEYS:
            _put(rule, "PolicyIndex", value.value, key, key_line)
        elif name in PROTOCOL_KEYS:
            _protocol(rule, value, key, key_line, problem)
        elif name in PORT_KEYS:
            _put(rule, "Port", _port_text(value), key, key_line)
        elif name in ACTION_KEYS:
            word = value.value if isinstance(value.value, str) else None
            action = action_of(word) if word else None
            _put(rule, "Action", action or value.value, key, key_line)
        elif name in DESCRIPTION_KEYS:
            _put(rule, "PolicyDescription", value.value, key, key_line)
        elif name in TEMPLATE_KEYS:
            _template(rule, name, value, key, key_line, problem)
        elif name in NEUTRAL_REMOTE_KEYS or name == "securitygroupid":
            _remote(rule, value, key, key_line, remotes, problem)
        elif name in SOURCE_KEYS | DESTINATION_KEYS:
            inbound_key = name in SOURCE_KEYS
            if inbound_key != (direction == "ingress"):
                word = "inbound" if direction == "ingress" else "outbound"
                problem(
                    f"{key!r} in an {word} rule could mean the instance or the other end; for a security group "
                    f"the other end is {'the source' if direction == 'ingress' else 'the destination'}: "
                    "write it as CidrBlock (or paste the rule as tccli prints it)"
                )
                continue
            _remote(rule, value, key, key_line, remotes, problem)
        else:
            problem(
                f"unknown field {key!r}: this reader knows Tencent Cloud's rule fields (PolicyIndex, Protocol, Port, "
                "CidrBlock, Ipv6CidrBlock, SecurityGroupId, AddressTemplate, ServiceTemplate, Action, "
                "PolicyDescription) and common spellings of them"
            )
    return rule


def _put(rule: RuleDraft, canonical: str, value: Any, key: str, key_line: int) -> None:
    rule.fields[canonical] = value
    rule.field_lines[canonical] = key_line
    rule.spelled[canonical] = key


def _port_text(node: Node) -> Any:
    """Ports as Tencent writes them: ``[80, 443]`` -> ``"80,443"``; other values unchanged."""
    if node.kind == "array" and node.items and all(i.kind in ("number", "string") for i in node.items):
        return ",".join(str(i.value).strip() for i in node.items)
    if node.kind == "number" and isinstance(node.value, int):
        return str(node.value)
    return node.value


def _protocol(rule: RuleDraft, node: Node, key: str, key_line: int, problem: Report) -> None:
    value = node.value
    if isinstance(value, str) and ":" in value:
        # The console's "TCP:22" typed into one field: protocol and port, unambiguous.
        protocol, _, port = value.partition(":")
        if "Port" in rule.fields:
            problem(f"{key!r} is {value!r}, which gives a port, but a port is given separately too")
            return
        _put(rule, "Protocol", protocol.strip(), key, key_line)
        _put(rule, "Port", port.strip(), key, key_line)
        return
    _put(rule, "Protocol", value, key, key_line)


def _template(rule: RuleDraft, name: str, node: Node, key: str, key_line: int, problem: Report) -> None:
    canonical, inner_names = TEMPLATE_KEYS[name]
    if node.kind in ("null",) or (node.kind == "string" and not str(node.value).strip()):
        return
    if node.kind != "object":
        problem(f'{key!r} must be an object such as {{"{next(iter(inner_names.values()))}": "…"}}')
        return
    inner: dict[str, Any] = {}
    for inner_key, inner_line, inner_value in node.members:
        target = inner_names.get(norm_key(inner_key))
        if target is None:
            problem(f"unknown field {inner_key!r} in {key!r}", inner_line)
            continue
        if inner_value.value not in (None, ""):
            inner[target] = inner_value.value
    if inner:  # the API prints unused templates as {"ServiceId": "", "ServiceGroupId": ""}
        _put(rule, canonical, inner, key, key_line)


def _remote(
    rule: RuleDraft, node: Node, key: str, key_line: int, remotes: list[tuple[str, int]], problem: Report
) -> None:
    value = node.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return  # the API prints unused sources as ""
    if not isinstance(value, str):
        problem(f'{key!r} must be text such as "10.0.0.0/16", got {value!r}')
        return
    if value.strip().lower() in ("any", "all", "anywhere", "*"):
        problem(f"{key!r} is {value!r}, which could be 0.0.0.0/0 or ::/0; write the block")
        return
    if remotes:
        other, other_line = remotes[0]
        problem(f"a rule has one remote end, but {other!r} (line {other_line}) and {key!r} both give one")
        return
    remotes.append((key, key_line))
    fields = remote_fields(value)
    if fields is None and norm_key(key) == "securitygroupid":
        fields = {"SecurityGroupId": value}
    for canonical, canonical_value in (fields or {"CidrBlock": value}).items():
        _put(rule, canonical, canonical_value, key, key_line)
