"""The case: everything known about one connection problem, as JSON the bot carries across turns.

A case is small on purpose (a Rasa slot holds it): the target, the direction, where the
user connects from, the symptoms and claims found so far, the evidence (security groups as
their canonical JSON; host firewalls and listening sockets as the pasted lines, bounded),
the checks with their status, and the last cause. :meth:`Case.to_json` and
:meth:`Case.from_json` round-trip it; ``from_json`` validates every field and names the
bad ones (:class:`~diagnosis.errors.CaseValidationError`).

Shape (version 1)::

    {"version": 1, "language": "zh", "turns": 2,
     "target": {"service": "ssh", "ports": [22], "protocols": ["tcp"], "alternatives": false},
     "direction": "ingress",
     "source": {"kind": "client", "address": "203.0.113.7"},
     "symptoms": ["timeout"], "claims": ["rule_added"],
     "evidence": [{"kind": "security_groups", "format": "console_table", "groups": [...]},
                  {"kind": "host_firewall", "format": "iptables_rules", "text": "...", "line_offset": 1}],
     "checks": [{"id": "sg_inbound", "status": "failed"}],
     "cause": "sg_no_matching_allow"}

Reading the account adds, only when there is something to say: ``"instance_id":
"ins-1a2b3c4d"`` (named in a message), ``"region": "ap-guangzhou"`` (named in a message or
by the caller; it wins over the configured default), ``"account": {...}`` (what was read,
:mod:`diagnosis.account_evidence`) and ``"origin": "account"`` on the security-groups
evidence read from it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar, cast, get_args

from contract.language import LANGUAGES, Language
from contract.limits import MAX_MESSAGE_CHARS
from diagnosis.account_evidence import INSTANCE_ID, REGION_ID, AccountEvidence, read_account
from diagnosis.errors import CaseProblem, CaseValidationError, Loc
from diagnosis.vocabulary import Direction, Protocol, SourceKind
from evidence.models import KIND_OF, EvidenceFormat, EvidenceKind
from rules import RuleValidationError, parse_security_groups

CASE_VERSION = 1
CheckStatus = Literal["passed", "failed", "unknown", "todo"]
CHECK_STATUSES: tuple[CheckStatus, ...] = get_args(CheckStatus)
MAX_TEXT_CHARS = MAX_MESSAGE_CHARS  # one message, and one stored paste
MAX_EVIDENCE_CHARS = 60_000  # all stored evidence of a case together (older items are dropped first)
MAX_EVIDENCE_ITEMS = 6
MAX_GROUPS = 10
MAX_PORTS = 16
MAX_IDS = 24
FIELDS = ("version", "language", "turns", "target", "direction", "source", "symptoms", "claims", "evidence")
OPTIONAL_FIELDS = ("checks", "cause", "instance_id", "region", "account")
Origin = Literal["paste", "account"]
T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """What fails: ports and protocols (from the message or a named service).

    Attributes:
        service: The service named (an id of services.yaml), or None.
        ports: The ports (empty for ICMP, or while unknown).
        protocols: ``tcp``, ``udp``, ``icmp``; several when the service uses several.
        alternatives: The ports are alternatives (远程连接: SSH or RDP), not all needed.
    """

    service: str | None = None
    ports: tuple[int, ...] = ()
    protocols: tuple[Protocol, ...] = ()
    alternatives: bool = False

    @property
    def known(self) -> bool:
        """Whether the target says what to check (a port, or ICMP)."""
        return bool(self.ports) or "icmp" in self.protocols


@dataclass(frozen=True)
class Source:
    """Where the user connects from: ``kind`` and, when given, the address."""

    kind: SourceKind = "unknown"
    address: str | None = None


@dataclass(frozen=True)
class StoredEvidence:
    """One piece of evidence, kept compact.

    Attributes:
        kind, format: As the evidence package read it.
        groups: Security groups as canonical Tencent JSON (``security_groups`` only).
        text: The pasted lines that were read (other kinds), re-read when needed.
        line_offset: Lines of the user's message before ``text`` (so a rule's line number
            in ``text`` plus the offset is its line in what the user pasted).
        origin: ``paste`` (the user's), or ``account`` (read from the account's API).
    """

    kind: EvidenceKind
    format: EvidenceFormat
    groups: tuple[Mapping[str, Any], ...] = ()
    text: str = ""
    line_offset: int = 0
    origin: Origin = "paste"

    @property
    def size(self) -> int:
        """Characters it takes in the case (for the case's budget)."""
        return len(self.text) + sum(len(repr(g)) for g in self.groups)


@dataclass(frozen=True)
class CheckState:
    """A check and its status after the last diagnosis."""

    id: str
    status: CheckStatus


@dataclass(frozen=True)
class Case:
    """One connection problem, as known so far."""

    language: Language = "en"
    target: Target = field(default_factory=Target)
    direction: Direction = "ingress"
    source: Source = field(default_factory=Source)
    symptoms: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    evidence: tuple[StoredEvidence, ...] = ()
    checks: tuple[CheckState, ...] = ()
    cause: str | None = None
    turns: int = 0
    version: int = CASE_VERSION
    instance_id: str | None = None
    region: str | None = None
    account: AccountEvidence | None = None

    def evidence_of(self, kind: EvidenceKind) -> tuple[StoredEvidence, ...]:
        """The stored evidence of one kind, oldest first."""
        return tuple(e for e in self.evidence if e.kind == kind)

    def status_of(self, check: str) -> CheckStatus | None:
        """The status a check had after the last diagnosis."""
        return next((c.status for c in self.checks if c.id == check), None)

    def with_(self, **changes: Any) -> Case:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The case as JSON (``from_json`` reads it back)."""
        evidence: list[dict[str, Any]] = []
        for item in self.evidence:
            stored: dict[str, Any] = {"kind": item.kind, "format": item.format}
            if item.kind == "security_groups":
                stored["groups"] = [dict(g) for g in item.groups]
            else:
                stored["text"] = item.text
                stored["line_offset"] = item.line_offset
            if item.origin != "paste":
                stored["origin"] = item.origin
            evidence.append(stored)
        extra: dict[str, Any] = {}
        if self.instance_id is not None:
            extra["instance_id"] = self.instance_id
        if self.region is not None:
            extra["region"] = self.region
        if self.account is not None:
            extra["account"] = self.account.to_json()
        return {
            "version": self.version,
            "language": self.language,
            "turns": self.turns,
            "target": {
                "service": self.target.service,
                "ports": list(self.target.ports),
                "protocols": list(self.target.protocols),
                "alternatives": self.target.alternatives,
            },
            "direction": self.direction,
            "source": {"kind": self.source.kind, "address": self.source.address},
            "symptoms": list(self.symptoms),
            "claims": list(self.claims),
            "evidence": evidence,
            "checks": [{"id": c.id, "status": c.status} for c in self.checks],
            "cause": self.cause,
            **extra,
        }

    @classmethod
    def from_json(cls, data: object) -> Case:
        """Read and validate a case.

        Raises:
            CaseValidationError: naming every bad field (``target.ports[0]``...).
        """
        return _Reader().case(data)


class _Reader:
    """Collects every problem of a case before refusing it."""

    def __init__(self) -> None:
        self.problems: list[CaseProblem] = []

    def add(self, loc: Loc, msg: str, type: str) -> None:
        self.problems.append(CaseProblem(loc, msg, type))

    def case(self, data: object) -> Case:
        if not isinstance(data, Mapping):
            raise CaseValidationError.single((), "a case is a JSON object (or null to start one)", "object_expected")
        for key in data:
            if key not in FIELDS + OPTIONAL_FIELDS:
                self.add(
                    (str(key),), f"unknown field; a case has {', '.join(FIELDS + OPTIONAL_FIELDS)}", "unknown_field"
                )
        for key in FIELDS:
            if key not in data:
                self.add((key,), "missing; send the case exactly as the last answer returned it", "missing")
        if self.problems:
            raise CaseValidationError(self.problems)
        version = data["version"]
        if version != CASE_VERSION:
            self.add(("version",), f"unsupported case version {version!r}; this engine reads {CASE_VERSION}", "version")
        turns = data["turns"]
        if not isinstance(turns, int) or isinstance(turns, bool) or turns < 0:
            self.add(("turns",), "must be a whole number >= 0", "int_invalid")
            turns = 0
        case = Case(
            language=self.choice(data["language"], LANGUAGES, ("language",), "en"),
            target=self.target(data["target"]),
            direction=self.choice(data["direction"], ("ingress", "egress"), ("direction",), "ingress"),
            source=self.source(data["source"]),
            symptoms=self.ids(data["symptoms"], ("symptoms",)),
            claims=self.ids(data["claims"], ("claims",)),
            evidence=self.evidence(data["evidence"]),
            checks=self.checks(data.get("checks", [])),
            cause=self.cause(data.get("cause")),
            turns=turns,
            instance_id=self.optional_id(data.get("instance_id"), ("instance_id",), INSTANCE_ID, "ins-1a2b3c4d"),
            region=self.optional_id(data.get("region"), ("region",), REGION_ID, "ap-guangzhou"),
            account=read_account(data.get("account"), self.add),
        )
        if self.problems:
            raise CaseValidationError(self.problems)
        return case

    def choice(self, value: object, allowed: Sequence[T], loc: Loc, default: T) -> T:
        if value not in allowed:
            self.add(loc, f"must be one of {', '.join(map(str, allowed))}; got {value!r}", "choice_invalid")
            return default
        return cast(T, value)

    def mapping(self, value: object, loc: Loc, keys: Sequence[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.add(loc, f"must be an object with {', '.join(keys)}", "object_expected")
            return None
        for key in value:
            if key not in keys:
                self.add((*loc, str(key)), f"unknown field; allowed: {', '.join(keys)}", "unknown_field")
        return value

    def list_of(self, value: object, loc: Loc, limit: int) -> list[Any]:
        if not isinstance(value, list):
            self.add(loc, "must be a list", "list_expected")
            return []
        if len(value) > limit:
            self.add(loc, f"at most {limit} items", "too_long")
            return []
        return value

    def target(self, value: object) -> Target:
        raw = self.mapping(value, ("target",), ("service", "ports", "protocols", "alternatives"))
        if raw is None:
            return Target()
        service = raw.get("service")
        if service is not None and (not isinstance(service, str) or not service.strip()):
            self.add(("target", "service"), "must be a service id or null", "string_expected")
            service = None
        ports: list[int] = []
        for i, port in enumerate(self.list_of(raw.get("ports", []), ("target", "ports"), MAX_PORTS)):
            if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
                self.add(("target", "ports", i), f"{port!r} is not a port; use a whole number 1-65535", "port_invalid")
            else:
                ports.append(port)
        protocols: list[Protocol] = []
        for i, protocol in enumerate(self.list_of(raw.get("protocols", []), ("target", "protocols"), 3)):
            protocols.append(self.choice(protocol, get_args(Protocol), ("target", "protocols", i), "tcp"))
        alternatives = raw.get("alternatives", False)
        if not isinstance(alternatives, bool):
            self.add(("target", "alternatives"), "must be true or false", "bool_expected")
            alternatives = False
        return Target(service, tuple(dict.fromkeys(ports)), tuple(dict.fromkeys(protocols)), alternatives)

    def source(self, value: object) -> Source:
        raw = self.mapping(value, ("source",), ("kind", "address"))
        if raw is None:
            return Source()
        kind: SourceKind = self.choice(raw.get("kind"), get_args(SourceKind), ("source", "kind"), "unknown")
        address = raw.get("address")
        if address is not None:
            try:
                address = str(ipaddress.ip_address(address)) if isinstance(address, str) else None
            except ValueError:
                address = None
            if address is None:
                self.add(("source", "address"), "must be an IPv4 or IPv6 address, or null", "address_invalid")
        return Source(kind, address)

    def ids(self, value: object, loc: Loc) -> tuple[str, ...]:
        found: list[str] = []
        for i, item in enumerate(self.list_of(value, loc, MAX_IDS)):
            if not isinstance(item, str) or not item.strip():
                self.add((*loc, i), "must be an id string", "string_expected")
            else:
                found.append(item)
        return tuple(dict.fromkeys(found))

    def evidence(self, value: object) -> tuple[StoredEvidence, ...]:
        items: list[StoredEvidence] = []
        for i, raw_item in enumerate(self.list_of(value, ("evidence",), MAX_EVIDENCE_ITEMS)):
            loc: Loc = ("evidence", i)
            raw = self.mapping(raw_item, loc, ("kind", "format", "groups", "text", "line_offset", "origin"))
            if raw is None:
                continue
            fmt = raw.get("format")
            if fmt not in KIND_OF:
                self.add(
                    (*loc, "format"), f"unknown evidence format {fmt!r}; one of {', '.join(KIND_OF)}", "choice_invalid"
                )
                continue
            evidence_format = cast(EvidenceFormat, fmt)
            kind = KIND_OF[evidence_format]
            if raw.get("kind") != kind:
                self.add((*loc, "kind"), f"format {fmt} is evidence of kind {kind}", "choice_invalid")
                continue
            item = self.evidence_item(raw, loc, kind, evidence_format)
            origin = raw.get("origin", "paste")
            if origin not in ("paste", "account") or (origin == "account" and kind != "security_groups"):
                self.add(
                    (*loc, "origin"), "must be paste, or account for security groups read from it", "choice_invalid"
                )
            elif origin == "account":
                item = replace(item, origin="account")
            items.append(item)
        if sum(e.size for e in items) > MAX_EVIDENCE_CHARS * 2:
            self.add(
                ("evidence",), f"the stored evidence is too large (limit {MAX_EVIDENCE_CHARS} characters)", "too_long"
            )
        return tuple(items)

    def evidence_item(
        self, raw: Mapping[str, Any], loc: Loc, kind: EvidenceKind, evidence_format: EvidenceFormat
    ) -> StoredEvidence:
        if kind == "security_groups":
            groups = self.list_of(raw.get("groups"), (*loc, "groups"), MAX_GROUPS)
            if not groups or not all(isinstance(g, Mapping) for g in groups):
                self.add((*loc, "groups"), "must list the security groups as JSON objects", "list_expected")
            else:
                try:  # as the engine reads them when it diagnoses: a case is refused whole, at once
                    parse_security_groups([dict(g) for g in groups], (*loc, "groups"))
                except RuleValidationError as e:
                    for problem in e.problems:
                        self.add(tuple(problem.loc), problem.msg, problem.type)
            return StoredEvidence(kind, evidence_format, groups=tuple(g for g in groups if isinstance(g, Mapping)))
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            self.add((*loc, "text"), "must be the pasted text", "string_expected")
            text = ""
        elif len(text) > MAX_TEXT_CHARS:
            self.add((*loc, "text"), f"at most {MAX_TEXT_CHARS} characters", "too_long")
        offset = raw.get("line_offset", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            self.add((*loc, "line_offset"), "must be a whole number >= 0", "int_invalid")
            offset = 0
        return StoredEvidence(kind, evidence_format, text=text, line_offset=offset)

    def checks(self, value: object) -> tuple[CheckState, ...]:
        found: list[CheckState] = []
        for i, raw_item in enumerate(self.list_of(value, ("checks",), MAX_IDS)):
            raw = self.mapping(raw_item, ("checks", i), ("id", "status"))
            if raw is None:
                continue
            check_id = raw.get("id")
            if not isinstance(check_id, str) or not check_id:
                self.add(("checks", i, "id"), "must be a check id", "string_expected")
                continue
            found.append(
                CheckState(check_id, self.choice(raw.get("status"), CHECK_STATUSES, ("checks", i, "status"), "todo"))
            )
        return tuple(found)

    def optional_id(self, value: object, loc: Loc, pattern: re.Pattern[str], example: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.match(value):
            self.add(loc, f"must be an id such as {example}, or null; got {value!r}", "id_invalid")
            return None
        return value

    def cause(self, value: object) -> str | None:
        if value is not None and (not isinstance(value, str) or not value):
            self.add(("cause",), "must be a cause id or null", "string_expected")
            return None
        return value
