"""The actions' view of the helpdesk HTTP API: the request and response bodies they use.

Each ``TypedDict`` names the OpenAPI schema it mirrors in ``SCHEMA_OF``; a test compares
the two, so this view cannot drift from the app: a response view lists only keys the
schema always has (the actions may read any of them) and allows null where the schema
does; a request view (``REQUESTS``) has every key the schema requires and no other.
Only what the actions read or send is listed.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from contract.language import Language


class Candidate(TypedDict):
    id: str
    question: str
    score: float


class EntryText(TypedDict):
    """An FAQ entry in the reader's language: the source as written, or its curated translation."""

    id: str
    question: str
    answer: str
    language: Language
    translated_from: Language | None  # set when question and answer are a translation
    original_question: str
    source_url: str
    international_url: str | None
    source_date: str | None
    translation_date: str | None


class AnswerHit(EntryText):
    score: float


class Declined(TypedDict):
    """Why retrieval declined a question without ranking it."""

    reason: Literal["other_cloud"]  # about another provider's cloud, which the FAQ does not cover
    provider: str  # the provider named ("Alibaba Cloud", "AWS", ...)
    matched: str  # the words that named it


class _AnswerFound(TypedDict):
    confident: bool
    confidence: float
    answer: AnswerHit | None
    candidates: list[Candidate]


class AnswerResult(_AnswerFound, total=False):
    declined: Declined | None  # set when the question was declined (then no candidates)


class AnswerQuery(TypedDict):
    question: str
    top_k: int
    language: Language | None


class FaqEntry(TypedDict):
    id: str
    section: str
    question: str
    answer: str
    source_url: str
    links: list[str]
    alternates: list[str]
    language: Language
    source_date: str | None


class PortVerdict(TypedDict):
    protocol: Literal["tcp", "udp"]
    port: int
    direction: Literal["ingress", "egress"] | None
    verdict: Literal["blocked", "restricted", "open"]
    reason: str  # English
    advice: str
    reason_zh: str
    advice_zh: str
    faq_id: str


BlockerKind = Literal["default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin_instance"]


class _BlockerBase(TypedDict):
    kind: BlockerKind
    detail: str
    advice: str


class Blocker(_BlockerBase, total=False):
    instance_id: str | None  # bound_instance and recycle_bin_instance
    subject: str | None  # the instance, the referring group, the resource type (CLB...) or the group itself
    count: int | None  # bound_resource: how many


class AccountError(TypedDict):
    """Why the account could not be read for an answer (the user is asked to paste instead)."""

    kind: Literal["credentials", "permission", "not_found", "throttled", "unreachable", "failed"]
    message: str  # what the user may be told (English)
    policy: str | None  # permission: the preset CAM policy the operator must attach
    resource_id: str | None  # not_found: the id the region does not hold


class AccountRead(TypedDict):
    """What a deletion check read from the account, and when (or why it could not)."""

    read: bool
    region: str
    summary: str | None  # "read sg-… in ap-guangzhou at 10:32 UTC: …"
    read_at: str | None
    notes: list[str]
    error: AccountError | None


class _DeletionCheckFound(TypedDict):
    security_group_id: str | None
    deletable: bool | None  # None: the input does not settle it
    blockers: list[Blocker]  # in the order to clear them
    reasons: list[str]  # found, or (deletable None) still possible
    unchecked: list[str]
    explanation: str
    faq_id: str


class DeletionCheck(_DeletionCheckFound, total=False):
    account: AccountRead | None  # set when the account was read (or could not be)


class DeletionCheckQuery(TypedDict, total=False):
    """Body of ``POST /v1/security-groups/deletion-check`` (every key optional)."""

    security_group_id: str | None
    instances: list[dict[str, object]] | None
    region: str | None  # an id, or a name such as 广州; wins over one named in text
    text: str | None  # the user's message, read for a region name
    conversation_id: str | None  # the account calls are recorded with it


class TranscriptLine(TypedDict):
    sender: Literal["user", "bot", "agent"]
    text: str
    timestamp: float | None


class _HandoffRequired(TypedDict):
    conversation_id: str
    channel: str
    language: Language
    reason: Literal["user_request", "repeated_failure"]
    transcript: list[TranscriptLine]
    candidates: list[Candidate]


class HandoffRequest(_HandoffRequired, total=False):
    case: dict[str, object] | None  # the connectivity case being worked, as POST /v1/diagnose returned it


class HandoffCreated(TypedDict):
    id: str
    created_at: str


class _DiagnoseMessage(TypedDict):
    case: dict[str, object] | None  # opaque to the actions: sent back exactly as received; None starts one
    text: str | None
    language: Language | None  # None: the engine reads it from the message (a paste alone keeps the case's)


class DiagnoseQuery(_DiagnoseMessage, total=False):
    """Body of ``POST /v1/diagnose``: the user's new message and the case the last answer returned."""

    region: str | None  # the instance's region (an id, or a name such as 广州)
    conversation_id: str | None  # the account calls are recorded with it


class DiagnosisFlow(TypedDict):
    direction: Literal["ingress", "egress"]
    protocol: str
    port: int | None
    remote: str


class DiagnosisDecidedBy(TypedDict):
    source: str
    label: str  # which rule or line, in the diagnosis's language
    text: str  # the rule or line as the user wrote it
    reason: str  # the rule engine's explanation (English)
    flow: DiagnosisFlow | None


class DiagnosisCheck(TypedDict):
    id: str
    status: Literal["passed", "failed", "unknown", "todo"]
    title: str
    why: str
    how: str
    paste: str
    detail: str  # the rule engine's reason (English) when evidence settled it


class DiagnosisCommand(TypedDict):
    tool: str
    command: str


class DiagnosisFix(TypedDict):
    summary: str
    console_steps: list[str]
    commands: list[DiagnosisCommand]


class DiagnosedTarget(TypedDict):
    service: str | None
    ports: list[int]
    protocols: list[str]
    direction: Literal["ingress", "egress"]
    source: Literal["unknown", "client", "internet", "vpc"]
    address: str | None


class DiagnosisAccount(TypedDict):
    summary: str | None  # "Read from your account: … at 10:32 UTC." in the diagnosis's language
    read_at: str | None
    region: str
    instance_id: str | None
    error: str | None  # why the account could not be read this turn (the user is asked to paste)


class Diagnosis(TypedDict):
    """The diagnosis as the app sends it: the ``custom`` payload of kind ``diagnosis``
    (``contract.payloads.DiagnosisPayload``), key for key."""

    kind: Literal["diagnosis"]
    language: Language
    cause: str | None  # None while undecided; "unknown" when every check is done and none found it
    title: str | None
    summary: str
    decided_by: DiagnosisDecidedBy | None
    checks: list[DiagnosisCheck]
    fix: DiagnosisFix | None
    faq_ids: list[str]
    needs: list[str]
    target: DiagnosedTarget
    account: DiagnosisAccount | None  # the case's instance read from the account this turn (or why not)


class DiagnoseResult(TypedDict):
    diagnosis: Diagnosis
    case: dict[str, object]  # send it back with the next message
    problem: bool  # whether the message described a connection problem


# TypedDict -> the name of the OpenAPI component schema it mirrors.
SCHEMA_OF: dict[type, str] = {
    Candidate: "CandidateBody",
    AnswerQuery: "AnswerRequest",
    EntryText: "EntryTextBody",
    AnswerHit: "AnswerBody",
    AnswerResult: "AnswerResponse",
    Declined: "DeclinedBody",
    FaqEntry: "FaqEntryBody",
    PortVerdict: "PortVerdictBody",
    Blocker: "BlockerBody",
    DeletionCheck: "DeletionCheckResponse",
    DeletionCheckQuery: "DeletionCheckRequest",
    AccountRead: "AccountReadBody",
    AccountError: "AccountErrorBody",
    TranscriptLine: "TranscriptLineBody",
    HandoffRequest: "HandoffRequest",
    HandoffCreated: "TicketResponse",
    DiagnoseQuery: "DiagnoseRequest",
    DiagnosisFlow: "FlowBody",
    DiagnosisDecidedBy: "DecidedByBody",
    DiagnosisCheck: "CheckBody",
    DiagnosisCommand: "CommandBody",
    DiagnosisFix: "FixBody",
    DiagnosedTarget: "DiagnosisTargetBody",
    DiagnosisAccount: "DiagnosisAccountBody",
    Diagnosis: "DiagnosisBody",
    DiagnoseResult: "DiagnoseResponse",
}
# The views the actions send (the others they read).
REQUESTS: frozenset[type] = frozenset({HandoffRequest, TranscriptLine, AnswerQuery, DiagnoseQuery, DeletionCheckQuery})
