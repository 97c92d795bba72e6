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


class AnswerResult(TypedDict):
    confident: bool
    confidence: float
    answer: AnswerHit | None
    candidates: list[Candidate]


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


class _BlockerBase(TypedDict):
    kind: Literal["bound_instance", "recycle_bin_instance", "referenced_by_rule"]
    detail: str
    advice: str


class Blocker(_BlockerBase, total=False):
    instance_id: str | None  # bound_instance and recycle_bin_instance


class DeletionCheck(TypedDict):
    security_group_id: str | None
    deletable: bool | None  # None: the input does not settle it
    blockers: list[Blocker]
    reasons: list[str]  # found, or (deletable None) still possible
    unchecked: list[str]
    explanation: str
    faq_id: str


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


class DiagnoseQuery(TypedDict):
    """Body of ``POST /v1/diagnose``: the user's new message and the case the last answer returned."""

    case: dict[str, object] | None  # opaque to the actions: sent back exactly as received; None starts one
    text: str | None
    language: Language | None  # None: the engine reads it from the message (a paste alone keeps the case's)


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
    FaqEntry: "FaqEntryBody",
    PortVerdict: "PortVerdictBody",
    Blocker: "BlockerBody",
    DeletionCheck: "DeletionCheckResponse",
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
    Diagnosis: "DiagnosisBody",
    DiagnoseResult: "DiagnoseResponse",
}
# The views the actions send (the others they read).
REQUESTS: frozenset[type] = frozenset({HandoffRequest, TranscriptLine, AnswerQuery, DiagnoseQuery})
