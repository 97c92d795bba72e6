"""Request and response bodies of ``POST /v1/diagnose``.

The case travels as JSON between calls (the bot keeps it in a slot): the answer's ``case``
is sent back unchanged with the next message. Shapes are checked here; values (ports,
ids, addresses, stored evidence) by the diagnosis package, so every caller gets the same
checks and errors come back located in the body (``["body", "case", "target", "ports", 0]``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.rule_patterns import ADDRESS
from api.rule_schemas import ADDRESS_TEMPLATES, GROUP, NETWORK_ACL, SERVICE_TEMPLATES
from api.schema_types import NOT_BLANK, JsonBool, JsonInt, RegionName, documented, vocabulary
from contract.limits import MAX_MESSAGE_CHARS
from diagnosis.account_evidence import INSTANCE_ID, REGION_ID
from diagnosis.case import (
    CASE_VERSION,
    MAX_EVIDENCE_CHARS,
    MAX_EVIDENCE_ITEMS,
    MAX_IDS,
    MAX_PORTS,
    MAX_TEXT_CHARS,
)
from diagnosis.case import MAX_GROUPS as MAX_CASE_GROUPS
from evidence.models import KIND_OF

MAX_ACCOUNT_STRINGS = 100  # diagnosis.account_evidence: lists of at most 100 strings
_UTC_SECONDS = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"  # as the case stores read_at

CheckStatusName = Literal["passed", "failed", "unknown", "todo"]
EvidenceFormatName = Literal[
    "tencent_json",
    "console_table",
    "iptables_save",
    "iptables_rules",
    "iptables_list",
    "nft",
    "firewalld",
    "ufw",
    "netsh",
    "ss",
    "netstat",
    "netstat_windows",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The diagnosis package checks these values (and names them in its 422); the schema says them.
_PORT = Annotated[JsonInt, documented(minimum=1, maximum=65535)]
_CASE_TEXT = documented(pattern=NOT_BLANK, maxLength=MAX_TEXT_CHARS)
_STRINGS = Annotated[list[str], documented(maxItems=MAX_ACCOUNT_STRINGS)]


class TargetBody(_Strict):
    """What fails."""

    service: Annotated[str, vocabulary("services")] | None = Field(
        None, description="A service id of the service table (ssh, mysql, website...)"
    )
    ports: Annotated[list[_PORT], documented(maxItems=MAX_PORTS)] = Field(
        default_factory=list, description="Ports, 1-65535 (empty for ICMP or while unknown)"
    )
    protocols: Annotated[list[Literal["tcp", "udp", "icmp"]], documented(maxItems=3)] = Field(default_factory=list)
    alternatives: JsonBool = Field(False, description="The ports are alternatives (SSH or RDP), not all needed")


class SourceBody(_Strict):
    """Where the user connects from."""

    kind: Literal["unknown", "client", "internet", "vpc"] = "unknown"
    address: Annotated[str, documented(pattern=ADDRESS["pattern"])] | None = Field(
        None, description="The user's own address, when given"
    )


def _pasted(kind: str) -> dict[str, Any]:
    """Evidence of ``kind`` kept as the pasted lines (read again by its format's reader)."""
    return {
        "properties": {
            "kind": {"const": kind},
            "format": {"enum": [f for f, k in KIND_OF.items() if k == kind]},
            "text": {"type": "string", "pattern": NOT_BLANK, "maxLength": MAX_TEXT_CHARS},
            "line_offset": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
            "origin": {"enum": ["paste", None]},
        },
        "required": ["text"],
    }


_EVIDENCE_KINDS: list[Any] = [
    {
        "properties": {
            "kind": {"const": "security_groups"},
            "format": {"enum": [f for f, k in KIND_OF.items() if k == "security_groups"]},
            "groups": {"type": "array", "minItems": 1, "maxItems": MAX_CASE_GROUPS, "items": GROUP},
        },
        "required": ["groups"],
    },
    _pasted("host_firewall"),
    _pasted("listeners"),
]


class EvidenceBody(_Strict):
    """One piece of stored evidence: groups as canonical JSON, other kinds as the pasted lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": _EVIDENCE_KINDS})

    kind: Literal["security_groups", "host_firewall", "listeners"]
    format: EvidenceFormatName
    groups: list[dict[str, Any]] | None = Field(
        None, description="security_groups: Tencent JSON of each group (as evaluate takes them)"
    )
    text: str | None = Field(
        None,
        description="host_firewall / listeners: the pasted lines that were read (read again by POST /v1/diagnose: "
        "text its format's reader no longer reads is refused)",
    )
    line_offset: JsonInt | None = Field(None, description="Lines of the user's message before text")
    origin: Literal["paste", "account"] | None = Field(
        None, description="account: security groups read from the account (in binding order); absent: pasted"
    )


class AccountEvidenceBody(_Strict):
    """What the account said about the case's instance (its groups are an evidence item)."""

    instance_id: Annotated[str, documented(pattern=INSTANCE_ID.pattern)]
    region: Annotated[str, documented(pattern=REGION_ID.pattern)]
    read_at: Annotated[str, documented(pattern=_UTC_SECONDS, format="date-time")] = Field(
        description="When it was read, e.g. 2026-03-02T10:32:05Z"
    )
    state: str = Field("", description="InstanceState: RUNNING, STOPPED...")
    public_ips: _STRINGS = Field(default_factory=list)
    private_ips: _STRINGS = Field(default_factory=list)
    group_ids: _STRINGS = Field(default_factory=list, description="Its security groups in binding order")
    address_templates: Annotated[dict[str, Any], WithJsonSchema({"allOf": [ADDRESS_TEMPLATES["anyOf"][0]]})] = Field(
        default_factory=dict, description="ipm-/ipmg- the rules name"
    )
    service_templates: Annotated[dict[str, Any], WithJsonSchema({"allOf": [SERVICE_TEMPLATES["anyOf"][0]]})] = Field(
        default_factory=dict, description="ppm-/ppmg- the rules name"
    )
    network_acl: Annotated[dict[str, Any] | None, WithJsonSchema({"anyOf": [NETWORK_ACL, {"type": "null"}]})] = Field(
        None, description="The subnet's ACL as DescribeNetworkAcls returns it"
    )
    unknown_members: _STRINGS = Field(default_factory=list, description="Groups whose members no API lists")
    missing_templates: _STRINGS = Field(default_factory=list, description="Templates the account does not hold")


class CheckStateBody(_Strict):
    """A check and its status after the last answer."""

    id: Annotated[str, vocabulary("checks")]
    status: CheckStatusName


class CaseBody(_Strict):
    """The case, exactly as the last answer returned it."""

    version: Annotated[JsonInt, documented(const=CASE_VERSION)] = Field(description="Case format version (1)")
    language: Literal["zh", "en"]
    turns: Annotated[JsonInt, documented(minimum=0)]
    target: TargetBody
    direction: Literal["ingress", "egress"]
    source: SourceBody
    symptoms: Annotated[list[Annotated[str, vocabulary("symptoms")]], documented(maxItems=MAX_IDS)] = Field(
        description="Symptom ids (timeout, refused, ...)"
    )
    claims: Annotated[list[Annotated[str, vocabulary("claims")]], documented(maxItems=MAX_IDS)] = Field(
        description="Claim ids (rule_added, iptables_flushed, ...)"
    )
    evidence: Annotated[list[EvidenceBody], documented(maxItems=MAX_EVIDENCE_ITEMS)] = Field(
        description=f"At most {MAX_EVIDENCE_ITEMS} items of at most {MAX_EVIDENCE_CHARS} characters together"
    )
    checks: Annotated[list[CheckStateBody], documented(maxItems=MAX_IDS)] = Field(default_factory=list)
    cause: Annotated[str, vocabulary("causes")] | None = None
    instance_id: Annotated[str, documented(pattern=INSTANCE_ID.pattern)] | None = Field(
        None, description="The instance named (ins-xxxxxxxx), read from the account"
    )
    region: Annotated[str, documented(pattern=REGION_ID.pattern)] | None = Field(
        None, description="The region named (it wins over TENCENTCLOUD_REGION)"
    )
    account: AccountEvidenceBody | None = Field(None, description="What was last read from the account")


class DiagnoseRequest(_Strict):
    """Body of POST /v1/diagnose."""

    case: CaseBody | None = Field(None, description="The case the last answer returned; null to start one")
    text: str | None = Field(
        None,
        description=f"The user's new message: a description and/or pasted output (at most {MAX_MESSAGE_CHARS} "
        "characters; longer is a 413 saying what to paste instead)",
        examples=["8443访问不了", "redis refuses connections from my laptop"],
        json_schema_extra={"maxLength": MAX_MESSAGE_CHARS},
    )
    language: Literal["zh", "en"] | None = Field(None, description="Answer in this language (default: the user's)")
    region: RegionName | None = Field(
        None,
        description="The region of the instance the case names: an id, or a name such as 广州 / Guangzhou, any "
        "case; wins over one named in the messages and over TENCENTCLOUD_REGION",
    )
    conversation_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The conversation asking (the bot's sender id): the account calls are recorded with it",
    )


class FlowBody(BaseModel):
    """The traffic a verdict is about."""

    direction: Literal["ingress", "egress"]
    protocol: str
    port: int | None
    remote: str


class DecidedByBody(BaseModel):
    """The fact that decides."""

    source: str = Field(
        description="network_acl, security_group, iptables, ip6tables, nft, ufw, firewalld, listener, port_policy, "
        "statement"
    )
    label: str = Field(description="Which rule or line, e.g. 'sg-1 inbound rules PolicyIndex 2'")
    text: str = Field(description="The rule or line as the user wrote it")
    reason: str = Field(description="The rule engine's explanation (English)")
    flow: FlowBody | None


class CheckBody(BaseModel):
    """One check, in the order to make them."""

    id: str
    status: CheckStatusName
    title: str
    why: str
    how: str = Field(description="A console path or a command to run")
    paste: str = Field(description="What to paste back")
    detail: str = Field(description="The engine's reason when evidence settled it")


class CommandBody(BaseModel):
    """A ready command."""

    tool: str = Field(description="tccli, iptables, ip6tables, nft, firewall-cmd, ufw")
    command: str


class FixBody(BaseModel):
    """The fix of the cause."""

    summary: str
    console_steps: list[str]
    commands: list[CommandBody]


class DiagnosisTargetBody(BaseModel):
    """What the case is about."""

    service: str | None
    ports: list[int]
    protocols: list[str]
    direction: Literal["ingress", "egress"]
    source: Literal["unknown", "client", "internet", "vpc"]
    address: str | None


class DiagnosisAccountBody(BaseModel):
    """The case's instance as read from the account this turn, or why it could not be read."""

    summary: str | None = Field(
        description="The 'read … at …' line in the diagnosis's language, e.g. 'Read from your account: 2 security "
        "groups bound to ins-1a2b3c4d, in ap-guangzhou at 10:32 UTC.'; null when nothing was read"
    )
    read_at: str | None = Field(description="When the reading used was made (ISO 8601 UTC)")
    region: str
    instance_id: str | None
    error: str | None = Field(description="Why the account could not be read this turn; the user is asked to paste")


class DiagnosisBody(BaseModel):
    """The diagnosis: the bot's ``custom`` payload of kind ``diagnosis`` (contract.payloads.DiagnosisPayload)."""

    kind: Literal["diagnosis"]
    language: Literal["zh", "en"]
    cause: str | None = Field(
        description="A cause id (docs/troubleshooting.md); null while undecided; unknown: checks exhausted"
    )
    title: str | None
    summary: str
    decided_by: DecidedByBody | None
    checks: list[CheckBody]
    fix: FixBody | None
    faq_ids: list[str]
    needs: list[str] = Field(description="What to paste or say next")
    target: DiagnosisTargetBody
    account: DiagnosisAccountBody | None = Field(
        description="Set when the case names an instance and the account is read (TENCENTCLOUD_*)"
    )


class DiagnoseResponse(BaseModel):
    """Answer of POST /v1/diagnose."""

    diagnosis: DiagnosisBody
    case: CaseBody = Field(description="Send this back with the next message")
    problem: bool = Field(description="Whether the message described a connection problem")
