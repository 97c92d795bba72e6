"""Typed evidence read from what users paste.

Three kinds of evidence, each from several formats:

* ``security_groups``: Tencent Cloud security-group rules (the API's JSON in its
  several shapes, or rows copied from the console's rule table), as validated
  :class:`rules.SecurityGroup` objects plus the canonical JSON they were read as.
* ``host_firewall``: the instance's own firewall (iptables, nft, firewalld, ufw,
  Windows Firewall) as one or more :class:`rules.IptablesRuleset` tables, which a
  packet must pass in series.
* ``listeners``: listening sockets (``ss``, ``netstat``), as :class:`Listener` rows.

Every reading says which format it was read as and which lines it skipped, so a
partial read is never taken for a whole one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rules import IptablesRuleset, SecurityGroup

EvidenceKind = Literal["security_groups", "host_firewall", "listeners"]
EvidenceFormat = Literal[
    # security groups
    "tencent_json",  # DescribeSecurityGroupPolicies (any envelope), a policy set, an Ingress/Egress list, loose keys
    "console_table",  # rows copied from the console's rule table (Chinese or English console)
    # host firewalls
    "iptables_save",  # iptables-save / ip6tables-save
    "iptables_rules",  # iptables -S
    "iptables_list",  # iptables -L -n [-v] [--line-numbers]
    "nft",  # nft list ruleset
    "firewalld",  # firewall-cmd --list-all
    "ufw",  # ufw status [verbose|numbered]
    "netsh",  # netsh advfirewall firewall show rule name=all
    # listening sockets
    "ss",  # ss -lntup
    "netstat",  # netstat -lntup
    "netstat_windows",  # netstat -ano
]
KIND_OF: Mapping[EvidenceFormat, EvidenceKind] = {
    "tencent_json": "security_groups",
    "console_table": "security_groups",
    "iptables_save": "host_firewall",
    "iptables_rules": "host_firewall",
    "iptables_list": "host_firewall",
    "nft": "host_firewall",
    "firewalld": "host_firewall",
    "ufw": "host_firewall",
    "netsh": "host_firewall",
    "ss": "listeners",
    "netstat": "listeners",
    "netstat_windows": "listeners",
}


@dataclass(frozen=True)
class Skipped:
    """A line of the paste that was not read, and why (partial reads say what they left out).

    Attributes:
        line: 1-based line number in the text as pasted.
        text: The line as pasted (shortened to 200 characters).
        reason: Why it was not read, in plain English.
    """

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class SecurityGroupsEvidence:
    """Security-group rules.

    Attributes:
        groups: The validated groups, in the order given (binding order when several).
        canonical: The same groups as Tencent Cloud JSON (``SecurityGroupId`` and
            ``SecurityGroupPolicySet``), which ``POST /v1/security-groups/evaluate`` takes.
        directions: The directions the paste covers (a console table shows one).
    """

    groups: tuple[SecurityGroup, ...]
    canonical: tuple[dict[str, Any], ...]
    directions: tuple[Literal["ingress", "egress"], ...]


@dataclass(frozen=True)
class HostFirewallEvidence:
    """The instance's own firewall, as tables a packet passes in series (all must accept).

    Attributes:
        tables: One ruleset per table or base chain set (e.g. nft's ``inet filter`` and
            ``ip filter`` both hook input); usually one.
        family: 4 or 6 when the output is for one IP version only (ip6tables), else None.
    """

    tables: tuple[IptablesRuleset, ...]
    family: int | None = None


@dataclass(frozen=True)
class Listener:
    """One listening socket.

    Attributes:
        protocol: ``tcp`` or ``udp``.
        address: The local address as printed, normalised: ``0.0.0.0``, ``::``, ``127.0.0.1``,
            ``::1``, ``*`` (all addresses, as ``ss`` prints it) or a specific address.
        port: The local port.
        process: The process as printed (``sshd``, ``users:(("nginx",pid=1,fd=6))`` shortened
            to its name, or a Windows PID), or None.
        line: 1-based line in the paste.
    """

    protocol: Literal["tcp", "udp"]
    address: str
    port: int
    process: str | None
    line: int


@dataclass(frozen=True)
class ListenersEvidence:
    """Listening sockets; only TCP sockets in state LISTEN and bound UDP sockets are kept."""

    sockets: tuple[Listener, ...]


EvidenceValue = SecurityGroupsEvidence | HostFirewallEvidence | ListenersEvidence


@dataclass(frozen=True)
class Reading:
    """What one reader made of one paste.

    Attributes:
        format: The format the text was read as.
        value: The evidence.
        skipped: Lines not read, with the reason (empty for a whole read).
        notes: What the reader assumed, in plain English (e.g. "rows in priority order,
            top first", "read state matches for a new connection").
    """

    format: EvidenceFormat
    value: EvidenceValue
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> EvidenceKind:
        """Which kind of evidence this is."""
        return KIND_OF[self.format]
