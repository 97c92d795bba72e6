"""Extract the rule engine's facts (blocked and restricted ports) from FAQ entries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from knowledge.errors import FaqFormatError
from knowledge.models import BlockedPort, Entry, Protocol, RestrictedPort, normalize_question
from knowledge.yaml_data import line_of, load_yaml_mapping

FACTS_FILE = "facts.yaml"
_PORT_TOKEN = re.compile(r"(\d+)\s*[-–~]\s*(\d+)|(\d+)|(\S+)")


def load_facts(path: Path, display: str, entries: list[Entry]) -> tuple[list[BlockedPort], list[RestrictedPort]]:
    """Read ``facts.yaml`` and pull each fact out of the FAQ entry it names."""
    data = load_yaml_mapping(path, display)
    by_question = {normalize_question(e.question): e for e in entries}

    def entry_for(spec: dict[str, Any], key: str) -> Entry:
        question = spec.get("question")
        line = line_of(path, str(question)) if question else line_of(path, key)
        if not isinstance(question, str) or normalize_question(question) not in by_question:
            raise FaqFormatError(
                display,
                line,
                f"{key}: no FAQ entry has the question {question!r}",
                "copy the question exactly from the FAQ file",
            )
        return by_question[normalize_question(question)]

    blocked: list[BlockedPort] = []
    spec = data.get("blocked_ports")
    if isinstance(spec, dict):
        blocked = _blocked_ports(entry_for(spec, "blocked_ports"), spec, display, line_of(path, "blocked_ports"))
    restricted: list[RestrictedPort] = []
    for item in data.get("restricted_ports", []) or []:
        if not isinstance(item, dict):
            raise FaqFormatError(
                display,
                line_of(path, "restricted_ports"),
                "restricted_ports items must be mappings",
                "see the example in the file",
            )
        restricted.append(
            _restricted_port(entry_for(item, "restricted_ports"), item, display, line_of(path, "restricted_ports"))
        )
    return blocked, restricted


def _blocked_ports(entry: Entry, spec: dict[str, Any], display: str, line: int | None) -> list[BlockedPort]:
    table_index = int(spec.get("table", 0))
    if table_index >= len(entry.tables):
        raise FaqFormatError(
            display,
            line,
            f"the answer to {entry.question!r} has no table number {table_index}",
            "fix 'table' (0 is the first)",
        )
    table = entry.tables[table_index]
    try:
        proto_col = table.column(str(spec["protocol_column"]))
        ports_col = table.column(str(spec["ports_column"]))
    except (KeyError, ValueError) as e:
        raise FaqFormatError(
            display,
            line,
            f"columns not found in the table at {table.source} (header {table.header})",
            "set protocol_column and ports_column to header cells",
        ) from e
    result: list[BlockedPort] = []
    for row in table.rows:
        protocol = row[proto_col].strip().lower()
        if protocol not in ("tcp", "udp"):
            raise FaqFormatError(
                table.source.path,
                table.source.line,
                f"unknown protocol {row[proto_col]!r} in the blocked-port table",
                "use TCP or UDP",
            )
        for match in _PORT_TOKEN.finditer(row[ports_col]):
            low, high, single, junk = match.groups()
            if junk is not None:
                raise FaqFormatError(
                    table.source.path,
                    table.source.line,
                    f"{junk!r} is not a port or range",
                    "write ports as numbers and ranges as 'a - b'",
                )
            first, last = (int(low), int(high)) if single is None else (int(single), int(single))
            if not 1 <= first <= last <= 65535:
                raise FaqFormatError(
                    table.source.path,
                    table.source.line,
                    f"port range {first}-{last} is out of 1..65535",
                    "fix the table",
                )
            proto: Protocol = "tcp" if protocol == "tcp" else "udp"
            result.append(BlockedPort(proto, first, last, entry.id, table.source))
    return result


def _restricted_port(entry: Entry, item: dict[str, Any], display: str, line: int | None) -> RestrictedPort:
    protocol = str(item.get("protocol", "")).lower()
    direction = str(item.get("direction", ""))
    port = item.get("port")
    if protocol not in ("tcp", "udp") or direction not in ("ingress", "egress") or not isinstance(port, int):
        raise FaqFormatError(
            display,
            line,
            "restricted port needs protocol tcp|udp, an integer port and direction ingress|egress",
            "fix the item",
        )
    if str(port) not in entry.question + entry.answer:
        raise FaqFormatError(
            display,
            line,
            f"the FAQ entry {entry.question!r} does not mention port {port}",
            "point the fact at the entry that states it",
        )
    quota: int | None = None
    quota_text: str | None = None
    pattern = item.get("quota_pattern")
    if pattern:
        found = re.search(str(pattern), entry.answer)
        if found is None:
            raise FaqFormatError(
                display,
                line,
                f"quota_pattern does not match the answer to {entry.question!r}",
                "update the pattern to the FAQ's wording",
            )
        quota, quota_text = int(found.group(1)), found.group(0)
    proto: Protocol = "tcp" if protocol == "tcp" else "udp"
    return RestrictedPort(
        proto, port, "egress" if direction == "egress" else "ingress", quota, quota_text, entry.id, entry.source
    )
