"""Turn the port and protocol entities the NLU extracted into (protocol, port) queries.

This is parsing of what the user typed ("135-139", "80 和 443", "udp"), not knowledge
about ports: verdicts come from the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PORTS = 64
PROTOCOLS = ("tcp", "udp")


@dataclass(frozen=True)
class PortRequest:
    ports: list[int]
    protocols: list[str]  # never empty

    def queries(self) -> list[tuple[str, int]]:
        return [(protocol, port) for port in self.ports for protocol in self.protocols]


class PortInputError(ValueError):
    """What the user asked for cannot be checked as is; ``code`` names the reply to give."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def parse_ports(values: list[str]) -> list[int]:
    """Expand entity values ("445", "135-139", "135 到 139") into distinct ports, in order.

    Raises:
        PortInputError: ``invalid_port`` outside 1-65535, ``too_many_ports`` past MAX_PORTS.
    """
    ports: list[int] = []
    seen: set[int] = set()
    for value in values:
        numbers = [int(n) for n in re.findall(r"[0-9]+", value)]
        if not numbers:
            continue
        first, last = numbers[0], numbers[-1]
        if first > last:
            first, last = last, first
        for bound in (first, last):
            if not 1 <= bound <= 65535:
                raise PortInputError("invalid_port", port=bound)
        if last - first + 1 > MAX_PORTS:
            raise PortInputError("too_many_ports", count=last - first + 1, limit=MAX_PORTS)
        for port in range(first, last + 1):
            if port not in seen:
                seen.add(port)
                ports.append(port)
        if len(ports) > MAX_PORTS:
            raise PortInputError("too_many_ports", count=len(ports), limit=MAX_PORTS)
    return ports


def parse_protocols(values: list[str]) -> list[str]:
    """Distinct lower-case protocols as mentioned; empty when none was."""
    found: list[str] = []
    for value in values:
        protocol = value.strip().lower()
        if protocol in PROTOCOLS and protocol not in found:
            found.append(protocol)
    return found
