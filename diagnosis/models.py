"""The diagnosis the engine returns, and its payload for the bot (``contract.payloads``).

:meth:`Diagnosis.to_payload` maps it 1:1 onto :class:`contract.payloads.DiagnosisPayload`.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.language import Language
from contract.payloads import (
    AccountReadItem,
    CheckItem,
    DiagnosisPayload,
    DiagnosisTarget,
    FixCommand,
    FixItem,
    FlowItem,
)
from contract.payloads import (
    DecidedBy as DecidedByPayload,
)
from diagnosis.account_evidence import AccountNote
from diagnosis.case import Case, CheckStatus
from rules import Flow


@dataclass(frozen=True)
class DecidedBy:
    """What decided: where (``source``), named (``label``), as written (``text``), and why."""

    source: str
    label: str
    text: str
    reason: str
    flow: Flow | None = None

    def to_payload(self) -> DecidedByPayload:
        """As the contract's ``decided_by``."""
        flow: FlowItem | None = None
        if self.flow is not None:
            flow = {
                "direction": self.flow.direction,
                "protocol": self.flow.protocol,
                "port": self.flow.port,
                "remote": str(self.flow.remote),
            }
        return {"source": self.source, "label": self.label, "text": self.text, "reason": self.reason, "flow": flow}


@dataclass(frozen=True)
class CheckResult:
    """One check, worded in the case's language, with its status."""

    id: str
    status: CheckStatus
    title: str
    why: str
    how: str
    paste: str
    detail: str = ""

    def to_payload(self) -> CheckItem:
        """As the contract's check item."""
        return {
            "id": self.id,
            "status": self.status,
            "title": self.title,
            "why": self.why,
            "how": self.how,
            "paste": self.paste,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Command:
    """A ready command and the tool it runs in."""

    tool: str
    command: str


@dataclass(frozen=True)
class Fix:
    """The fix of a conclusion."""

    summary: str
    console_steps: tuple[str, ...]
    commands: tuple[Command, ...]

    def to_payload(self) -> FixItem:
        """As the contract's fix."""
        commands: list[FixCommand] = [{"tool": c.tool, "command": c.command} for c in self.commands]
        return {"summary": self.summary, "console_steps": list(self.console_steps), "commands": commands}


@dataclass(frozen=True)
class Diagnosis:
    """A conclusion (``cause`` with what decided and the fix) or the next checks.

    Attributes:
        cause: A cause id, None while undecided, ``unknown`` when every check is done.
        title: The cause's title (None while undecided).
        summary: One paragraph for the user.
        decided_by: The fact that decides (None while undecided).
        checks: Every check of the case, in the order to make them, with its status.
        fix: The fix of the cause (None while undecided).
        faq_ids: FAQ entries behind the answer.
        needs: What to paste or say next.
        problem: Whether the last message described a connection problem.
        account: What was read from the account this turn (or why it could not be), when
            the case names an instance and the account may be read.
    """

    language: Language
    cause: str | None
    title: str | None
    summary: str
    decided_by: DecidedBy | None
    checks: tuple[CheckResult, ...]
    fix: Fix | None
    faq_ids: tuple[str, ...]
    needs: tuple[str, ...]
    case: Case
    problem: bool = True
    account: AccountNote | None = None

    @property
    def next_check(self) -> str | None:
        """The first check still to make."""
        return next((c.id for c in self.checks if c.status == "todo"), None)

    def target(self) -> DiagnosisTarget:
        """What the case is about, as the payload shows it."""
        case = self.case
        return {
            "service": case.target.service,
            "ports": list(case.target.ports),
            "protocols": list(case.target.protocols),
            "direction": case.direction,
            "source": case.source.kind,
            "address": case.source.address,
        }

    def to_payload(self) -> DiagnosisPayload:
        """The bot's ``custom`` payload of kind ``diagnosis``."""
        return {
            "kind": "diagnosis",
            "language": self.language,
            "cause": self.cause,
            "title": self.title,
            "summary": self.summary,
            "decided_by": self.decided_by.to_payload() if self.decided_by else None,
            "checks": [c.to_payload() for c in self.checks],
            "fix": self.fix.to_payload() if self.fix else None,
            "faq_ids": list(self.faq_ids),
            "needs": list(self.needs),
            "target": self.target(),
            "account": self._account_payload(),
        }

    def _account_payload(self) -> AccountReadItem | None:
        note = self.account
        if note is None:
            return None
        return {
            "summary": note.summary,
            "read_at": note.read_at,
            "region": note.region,
            "instance_id": note.instance_id,
            "error": note.error,
        }
