"""The ``custom`` payload of each reply kind (:data:`contract.kinds.ReplyKind`).

Every payload has ``kind`` and ``language``; the rest depends on the kind. The actions
write them, the channels render them (widget, Slack, WeCom) and the app's recorder reads
them from Rasa's events. ``TypedDict`` with ``total=False`` marks what may be absent
(Python 3.10 has no ``NotRequired``).
"""

from __future__ import annotations

from typing import Literal, TypedDict, Union

from contract.kinds import ReplyKind
from contract.language import Language

# What a plain text reply answers (``TextPayload.intent``), read by the recorder.
TextIntent = Literal[
    "greet",
    "goodbye",
    "thank",
    "out_of_scope",
    "other_cloud",
    "empty",
    "too_long",
    "choose_faq",
    "ask_port",
    "ask_case",
    "handoff_notice",
    "switch_language",  # the user asked for the other language: it is kept from now on
    "offer_human",  # the user is frustrated: a human is offered (a button)
]
ErrorCode = Literal["rejected", "unavailable", "handoff_failed", "invalid_port", "too_many_ports"]


class _Base(TypedDict):
    kind: ReplyKind
    language: Language


class TextPayload(_Base, total=False):
    """The bot's own words.

    ``provider``: with intent ``other_cloud``, the provider the question named (as retrieval
    declined it).
    """

    intent: TextIntent
    error: ErrorCode
    provider: str


class FaqAnswerPayload(_Base, total=False):
    """An FAQ entry quoted as written (``answer_markdown``), with its source.

    For an English reader of a Chinese entry: ``translated_from`` is the source language
    and ``original_url`` the Chinese page; ``score`` is None when the user picked the entry.
    """

    faq_id: str
    question: str
    answer_markdown: str
    source_url: str
    score: float | None
    translated_from: Language | None
    original_question: str
    original_url: str
    source_date: str | None
    translation_date: str | None


class Candidate(TypedDict):
    """One "did you mean" candidate."""

    id: str
    question: str
    score: float


class FallbackPayload(_Base, total=False):
    """Not sure: candidates to choose from (empty when nothing was found)."""

    candidates: list[Candidate]
    reason: str


class PortResult(TypedDict):
    """One port's verdict, reason and advice in the payload's language."""

    protocol: str
    port: int
    verdict: Literal["blocked", "restricted", "open"]
    reason: str
    advice: str
    faq_id: str | None


class PortVerdictPayload(_Base):
    """What the carrier does to each port asked about."""

    results: list[PortResult]


class BlockerItem(TypedDict, total=False):
    """One thing that keeps a security group from being deleted (blockers come in the order to clear them)."""

    kind: str  # default_group | referenced_by_rule | bound_resource | bound_instance | recycle_bin_instance
    detail: str
    advice: str
    instance_id: str | None
    subject: str | None  # the instance, the referring group, the resource type (CLB...) or the group itself
    count: int | None  # bound_resource: how many


class AccountReadItem(TypedDict, total=False):
    """What was read from the account for this answer, or why it could not be read.

    ``summary`` is the "read … at …" line in the payload's language (None when nothing was
    read); ``error`` why the account could not be read this time (the user is asked to paste
    instead), or None.
    """

    summary: str | None
    read_at: str | None  # ISO 8601 UTC, e.g. 2026-03-02T10:32:05Z
    region: str
    instance_id: str | None  # diagnosis: the instance read
    error: str | None


class DeleteDiagnosisPayload(_Base, total=False):
    """Why a security group cannot be deleted (or what could be the reason)."""

    security_group_id: str | None
    deletable: bool | None
    reasons: list[str]
    unchecked: list[str]
    blockers: list[BlockerItem]
    faq_id: str | None
    source_url: str
    account: AccountReadItem | None  # set when the answer was read from the account (or could not be)


CheckStatus = Literal["passed", "failed", "unknown", "todo"]


class CheckItem(TypedDict, total=False):
    """One check of a connectivity case, in the order to make them.

    ``status``: passed / failed (what pasted shows), unknown (made, but it cannot tell, or
    the user says it was done without pasting it), todo (not made yet). ``detail`` is the
    rule engine's reason when evidence settled it.
    """

    id: str
    status: CheckStatus
    title: str
    why: str
    how: str
    paste: str
    detail: str


class FixCommand(TypedDict):
    """A ready command and the tool it runs in (``tccli``, ``iptables``, ``firewall-cmd``, ``ufw``...)."""

    tool: str
    command: str


class FixItem(TypedDict, total=False):
    """The fix: console steps and ready commands."""

    summary: str
    console_steps: list[str]
    commands: list[FixCommand]


class FlowItem(TypedDict, total=False):
    """The traffic a verdict is about (the rule engine's flow)."""

    direction: Literal["ingress", "egress"]
    protocol: str
    port: int | None
    remote: str


class DecidedBy(TypedDict, total=False):
    """The fact that decides: a rule as the user wrote it, a chain rule, a socket line."""

    # network_acl | security_group | iptables | ip6tables | nft | ufw | firewalld | listener | port_policy | statement
    source: str
    label: str  # e.g. "sg-1 inbound rules PolicyIndex 0", "iptables chain INPUT, rule 4 (line 9 of the paste)"
    text: str  # the rule or line as the user wrote it
    reason: str  # the rule engine's explanation (English)
    flow: FlowItem | None


class DiagnosisTarget(TypedDict, total=False):
    """What the case is about."""

    service: str | None
    ports: list[int]
    protocols: list[str]
    direction: Literal["ingress", "egress"]
    source: Literal["unknown", "client", "internet", "vpc"]
    address: str | None


class DiagnosisPayload(_Base, total=False):
    """A connection problem worked through.

    ``cause`` is an id of the engine's vocabulary (docs/troubleshooting.md), null while
    undecided (the checks say what to do next); ``unknown`` when every check is done and
    none found the cause. ``needs`` says what to paste next.
    """

    cause: str | None
    title: str | None
    summary: str
    decided_by: DecidedBy | None
    checks: list[CheckItem]
    fix: FixItem | None
    faq_ids: list[str]
    needs: list[str]
    target: DiagnosisTarget
    account: AccountReadItem | None  # the case's instance read from the account this turn (or why not)


class HandoffPayload(_Base, total=False):
    """The conversation was handed to a human."""

    ticket_id: str
    reason: str


class FeedbackPayload(_Base):
    """The bot's answer to the user's feedback."""

    helpful: bool


class ErrorPayload(_Base):
    """The bot could not answer."""

    error: ErrorCode


Payload = Union[  # noqa: UP007 - a runtime alias on Python 3.10
    TextPayload,
    FaqAnswerPayload,
    FallbackPayload,
    PortVerdictPayload,
    DeleteDiagnosisPayload,
    DiagnosisPayload,
    HandoffPayload,
    FeedbackPayload,
    ErrorPayload,
]
PAYLOAD_OF: dict[ReplyKind, type] = {
    "text": TextPayload,
    "faq_answer": FaqAnswerPayload,
    "fallback": FallbackPayload,
    "port_verdict": PortVerdictPayload,
    "delete_diagnosis": DeleteDiagnosisPayload,
    "diagnosis": DiagnosisPayload,
    "handoff": HandoffPayload,
    "feedback": FeedbackPayload,
    "error": ErrorPayload,
}
