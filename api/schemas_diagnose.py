"""Request and response bodies of ``POST /v1/diagnose``.

The case travels as JSON between calls (the bot keeps it in a slot): the answer's ``case``
is sent back unchanged with the next message. Shapes are checked here; values (ports,
ids, addresses, stored evidence) by the diagnosis package, so every caller gets the same
checks and errors come back located in the body (``["body", "case", "target", "ports", 0]``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contract.limits import MAX_MESSAGE_CHARS

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


class TargetBody(_Strict):
    """What fails."""

    service: str | None = Field(None, description="A service id of the service table (ssh, mysql, website...)")
    ports: list[int] = Field(default_factory=list, description="Ports, 1-65535 (empty for ICMP or while unknown)")
    protocols: list[Literal["tcp", "udp", "icmp"]] = Field(default_factory=list)
    alternatives: bool = Field(False, description="The ports are alternatives (SSH or RDP), not all needed")


class SourceBody(_Strict):
    """Where the user connects from."""

    kind: Literal["unknown", "client", "internet", "vpc"] = "unknown"
    address: str | None = Field(None, description="The user's own address, when given")


class EvidenceBody(_Strict):
    """One piece of stored evidence: groups as canonical JSON, other kinds as the pasted lines."""

    kind: Literal["security_groups", "host_firewall", "listeners"]
    format: EvidenceFormatName
    groups: list[dict[str, Any]] | None = Field(None, description="security_groups: Tencent JSON of each group")
    text: str | None = Field(None, description="host_firewall / listeners: the pasted lines that were read")
    line_offset: int | None = Field(None, description="Lines of the user's message before text")
    origin: Literal["paste", "account"] | None = Field(
        None, description="account: security groups read from the account (in binding order); absent: pasted"
    )


class AccountEvidenceBody(_Strict):
    """What the account said about the case's instance (its groups are an evidence item)."""

    instance_id: str
    region: str
    read_at: str = Field(description="When it was read, e.g. 2026-03-02T10:32:05Z")
    state: str = Field("", description="InstanceState: RUNNING, STOPPED...")
    public_ips: list[str] = Field(default_factory=list)
    private_ips: list[str] = Field(default_factory=list)
    group_ids: list[str] = Field(default_factory=list, description="Its security groups in binding order")
    address_templates: dict[str, Any] = Field(default_factory=dict, description="ipm-/ipmg- the rules name")
    service_templates: dict[str, Any] = Field(default_factory=dict, description="ppm-/ppmg- the rules name")
    network_acl: dict[str, Any] | None = Field(None, description="The subnet's ACL as DescribeNetworkAcls returns it")
    unknown_members: list[str] = Field(default_factory=list, description="Groups whose members no API lists")
    missing_templates: list[str] = Field(default_factory=list, description="Templates the account does not hold")


class CheckStateBody(_Strict):
    """A check and its status after the last answer."""

    id: str
    status: CheckStatusName


class CaseBody(_Strict):
    """The case, exactly as the last answer returned it."""

    version: int = Field(description="Case format version (1)")
    language: Literal["zh", "en"]
    turns: int
    target: TargetBody
    direction: Literal["ingress", "egress"]
    source: SourceBody
    symptoms: list[str] = Field(description="Symptom ids (timeout, refused, ...)")
    claims: list[str] = Field(description="Claim ids (rule_added, iptables_flushed, ...)")
    evidence: list[EvidenceBody]
    checks: list[CheckStateBody] = Field(default_factory=list)
    cause: str | None = None
    instance_id: str | None = Field(None, description="The instance named (ins-xxxxxxxx), read from the account")
    region: str | None = Field(None, description="The region named (it wins over TENCENTCLOUD_REGION)")
    account: AccountEvidenceBody | None = Field(None, description="What was last read from the account")


class DiagnoseRequest(_Strict):
    """Body of POST /v1/diagnose."""

    case: CaseBody | None = Field(None, description="The case the last answer returned; null to start one")
    text: str | None = Field(
        None,
        description=f"The user's new message: a description and/or pasted output (at most {MAX_MESSAGE_CHARS} "
        "characters; longer is a 413 saying what to paste instead)",
        examples=["8443访问不了", "redis refuses connections from my laptop"],
    )
    language: Literal["zh", "en"] | None = Field(None, description="Answer in this language (default: the user's)")
    region: str | None = Field(
        None,
        max_length=64,
        examples=["ap-guangzhou"],
        description="The region of the instance the case names (an id, or a name such as 广州 / Guangzhou); wins "
        "over one named in the messages and over TENCENTCLOUD_REGION",
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
