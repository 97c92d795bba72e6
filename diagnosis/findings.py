"""What one hop of the traffic path says about a case: the finding, and the plan of its fix.

A hop (the carrier, the security groups, the instance's firewall, the listener) is
evaluated by the rule engine for every leg and remote address of the case; the result is
one :class:`Finding`: passed, failed (with the cause and the fact that decided), or
unknown (with why). Findings are language-free; :mod:`diagnosis.facts` words them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from diagnosis.vocabulary import CauseId, CheckEvidence, Direction
from rules import Flow

FindingStatus = Literal["passed", "failed", "unknown"]
DecidedSource = Literal[
    "network_acl",
    "security_group",
    "iptables",
    "ip6tables",
    "nft",
    "ufw",
    "firewalld",
    "netsh",
    "listener",
    "port_policy",
    "statement",
]


@dataclass(frozen=True)
class SgFixPlan:
    """Add ``policies`` to ``group`` at ``policy_index`` (None: append), for ``direction``.

    ``policies`` are Tencent policy objects without ``PolicyIndex``; None as a CIDR means the
    user's address is needed first (no ready command then).
    """

    group: str
    direction: Direction
    policy_index: int | None
    policies: tuple[Mapping[str, str], ...]
    complete: bool = True


@dataclass(frozen=True)
class HostFixPlan:
    """Allow the legs in the instance's firewall, above the rule that stops them.

    Attributes:
        tool: ``iptables``, ``ip6tables``, ``nft``, ``firewalld``, ``ufw``...
        chain: The chain (nft/iptables) or zone (firewalld) to change.
        position: 1-based position of the deciding rule in its chain (insert before it);
            None when the chain's policy decided (append).
        table: ``(family, name)`` of the nft table.
        rule_text: The deciding rule as written (firewalld rich rules are removed by it).
        kind: What decided: ``rule``, ``policy``, ``rich_rule``, ``icmp_block``, ``zone_target``.
        remote: The user's address, when known (then the rule names it).
    """

    tool: str
    direction: Direction
    chain: str
    position: int | None
    legs: tuple[tuple[str, int | None], ...]
    kind: str
    table: tuple[str, str] | None = None
    rule_text: str = ""
    remote: str | None = None


FixPlan = SgFixPlan | HostFixPlan


@dataclass(frozen=True)
class Finding:
    """One hop's verdict on a case.

    Attributes:
        evidence: What kind of evidence it rests on (settles the checks of that kind).
        status: passed, failed or unknown.
        cause: For failed: the cause id.
        source: What decided (``network_acl``, ``security_group``, ``iptables``..., ``listener``,
            ``port_policy``).
        label: Label key and fields for decided_by's label (see causes.yaml ``labels``).
        text: The deciding rule or line as the user wrote it.
        reason: The rule engine's explanation (English).
        flow: The flow the verdict is about (the witness).
        fields: Values for the cause's templates.
        decided: Label key and fields saying what decided, in a sentence (``{decided}``).
        faq_ids: FAQ entries behind the verdict (from the rule engine).
        plan: How to fix it, when failed.
        source_dependent: The verdict depends on the remote address, which is not known.
    """

    evidence: CheckEvidence
    status: FindingStatus
    cause: CauseId | None = None
    source: DecidedSource | None = None
    label: tuple[str, Mapping[str, str]] | None = None
    text: str = ""
    reason: str = ""
    flow: Flow | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    decided: tuple[str, Mapping[str, str]] | None = None
    faq_ids: tuple[str, ...] = ()
    plan: FixPlan | None = None
    source_dependent: bool = False
