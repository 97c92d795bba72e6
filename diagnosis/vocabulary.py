"""The troubleshooting vocabulary, as typed objects read from ``knowledge/data/troubleshooting/``.

Everything the engine says or recognises is data: service names and their ports, symptom
and claim phrases, the checks with their wording and ranking, the causes with their
wording and fix templates, command templates. Each item names its source (an FAQ entry,
resolved to its id at load, or a document URL). Load it with
:func:`diagnosis.vocab_loader.load_vocabulary`.

The ids the code relies on are fixed here: the cause ids (stable for the API, the bot's
payloads and the analytics) and the label keys the engine fills.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from diagnosis.texts import Text

Direction = Literal["ingress", "egress"]
Protocol = Literal["tcp", "udp", "icmp"]
PortProtocol = Literal["tcp", "udp"]
SourceKind = Literal["unknown", "client", "internet", "vpc"]
CheckEvidence = Literal[
    "network_acl",
    "security_groups",
    "bound_groups",
    "host_firewall",
    "listeners",
    "port_blocked",
    "port_restricted",
    "address",
    "symptom",
    "none",
]
CheckDirection = Literal["ingress", "egress", "both"]
CommandBuilder = Literal["tccli", "host_firewall", "none"]
CauseId = Literal[
    "carrier_blocked",
    "tcp25_restricted",
    "sg_no_matching_allow",
    "sg_drop_rule",
    "sg_rule_after_drop",
    "sg_source_mismatch",
    "sg_protocol_mismatch",
    "sg_other_group",
    "sg_broad_allow",
    "os_firewall_drop",
    "not_listening",
    "listening_loopback_only",
    "outbound_blocked",
    "network_acl_drop",
    "unknown",
]
CAUSE_IDS: tuple[CauseId, ...] = get_args(CauseId)
SG_CAUSES: frozenset[str] = frozenset(c for c in CAUSE_IDS if c.startswith("sg_")) | {"outbound_blocked"}
# Ids of the data the engine's logic reads (the load refuses data without them).
USED_SYMPTOMS = ("unexpected_access", "changed_network", "ping_fails", "udp_fails")
USED_CLAIMS = ("own_ip_only", "port25_unblocked")
USED_CHECKS = ("source_ip",)
LABEL_KEYS = (
    "sg_rule",
    "implicit_deny",
    "decided_rule",
    "host_rule",
    "host_policy",
    "decided_host_rule",
    "decided_host_policy",
    "socket",
    "no_socket",
    "port_policy",
    "tcp25",
    "ingress",
    "egress",
    "ingress_rules",
    "egress_rules",
    "remote_internet",
    "remote_vpc",
    "remote_given",
    "listen_generic",
    "next_checks",
    "need_target",
    "unreadable",
    "unreadable_whole",
    "placeholder_group",
    "statement",
    "your_group",
    "your_ip_cidr",
    "target_unknown",
    "acl_entry",
    "acl_default",
    "account_read",
    "account_read_old",
    "account_acl",
    "account_no_acl",
    "account_group_one",
    "account_groups",
    "account_credentials",
    "account_permission",
    "account_not_found",
    "account_throttled",
    "account_unreachable",
    "account_failed",
    "account_bound_groups",
)
COMMAND_KEYS = (
    "tccli_create",
    "iptables_insert",
    "iptables_append",
    "nft_insert",
    "firewalld_add_port",
    "firewalld_add_icmp",
    "firewalld_remove_rich",
    "firewalld_reload",
    "ufw_insert",
    "ufw_allow",
)


@dataclass(frozen=True)
class SourceRef:
    """Where an item comes from: an FAQ entry (``faq_id`` resolved at load) or a document."""

    kind: Literal["faq", "url"]
    ref: str
    faq_id: str | None = None


@dataclass(frozen=True)
class PortSpec:
    """One port of a service, with its protocol."""

    protocol: PortProtocol
    port: int


@dataclass(frozen=True)
class Service:
    """A named service: its ports, and how users name it.

    Attributes:
        alternatives: The name means one of the ports (SSH or RDP), not all of them.
        generic: A broad name that a more specific service in the same message replaces.
        listen: How to make it listen beyond loopback, when documented.
        note: Something the fix must add (FTP's passive range).
    """

    id: str
    name: Text
    phrases: tuple[str, ...]
    ports: tuple[PortSpec, ...]
    alternatives: bool
    generic: bool
    listen: Text | None
    note: Text | None
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Symptom:
    """How a connection fails, with the priority of its ranking of checks."""

    id: str
    priority: int
    phrases: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Claim:
    """Something the user says they did, and how it moves the checks."""

    id: str
    phrases: tuple[str, ...]
    demote: tuple[str, ...]
    promote: tuple[str, ...]
    replace: Mapping[str, str]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class DirectionHint:
    """Words that say which way the traffic goes (and, for some, which service)."""

    id: str
    direction: Direction
    service: str | None
    phrases: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class SourceHint:
    """Words that say where the user connects from."""

    id: str
    kind: SourceKind
    phrases: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Region:
    """A Tencent Cloud region and how users name it (regions.yaml)."""

    id: str
    name: Text
    phrases: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Grammar:
    """Words around numbers and addresses (see grammar.yaml)."""

    port_words: tuple[str, ...]
    units: tuple[str, ...]
    ordinals: tuple[str, ...]
    change_to: tuple[str, ...]
    own_address: tuple[str, ...]
    protocols: Mapping[Protocol, tuple[str, ...]]


@dataclass(frozen=True)
class CheckDef:
    """One check: what settles it, and its wording."""

    id: str
    evidence: CheckEvidence
    direction: CheckDirection
    title: Text
    why: Text
    how: Text
    paste: Text
    sources: tuple[SourceRef, ...]

    def applies(self, direction: Direction) -> bool:
        """Whether the check concerns traffic in ``direction``."""
        return self.direction in ("both", direction)


@dataclass(frozen=True)
class FixDef:
    """A cause's fix: summary and console steps as templates, and which command builder."""

    summary: Text
    console_steps: tuple[Text, ...]
    commands: CommandBuilder


@dataclass(frozen=True)
class CauseDef:
    """One cause of the vocabulary."""

    id: CauseId
    title: Text
    description: Text
    summary: Text
    summary_statement: Text | None
    fix: FixDef
    faq_ids: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class CommandDef:
    """A ready-command template and the tool it runs in."""

    id: str
    tool: str
    template: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Ranking:
    """Checks per symptom, per direction, and the defaults."""

    defaults: Mapping[Direction, tuple[str, ...]]
    ingress: Mapping[str, tuple[str, ...]]
    egress: Mapping[str, tuple[str, ...]]

    def for_symptom(self, symptom: str, direction: Direction) -> tuple[str, ...]:
        """The ranking of ``symptom`` for traffic in ``direction`` (empty when none is given)."""
        if direction == "egress":
            return self.egress.get(symptom, ())
        return self.ingress.get(symptom, ())


@dataclass(frozen=True)
class Vocabulary:
    """Everything the engine recognises and says, loaded and validated."""

    services: Mapping[str, Service]
    symptoms: Mapping[str, Symptom]
    claims: Mapping[str, Claim]
    progress: tuple[str, ...]
    directions: tuple[DirectionHint, ...]
    sources: tuple[SourceHint, ...]
    grammar: Grammar
    checks: Mapping[str, CheckDef]
    causes: Mapping[str, CauseDef]
    labels: Mapping[str, Text]
    commands: Mapping[str, CommandDef]
    pastes: Mapping[str, Text]
    ranking: Ranking
    regions: Mapping[str, Region]

    def label(self, key: str) -> Text:
        """A label (see :data:`LABEL_KEYS`)."""
        return self.labels[key]
