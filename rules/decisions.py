"""The decision objects the engine returns: each carries what decided and why.

They are plain frozen dataclasses, free of HTTP; the API turns them into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.errors import UndecidedError
from rules.evaluator import GroupDecision
from rules.iptables_eval import IptablesDecision
from rules.policies import Direction, Policy

VerdictKind = Literal["blocked", "restricted", "open"]
HopName = Literal["security_group", "iptables"]
BlockerKind = Literal["bound_instance", "recycle_bin_instance", "referenced_by_rule"]
Reason = Literal["bound_instance", "recycle_bin", "referenced_by_rule"]


@dataclass(frozen=True)
class PortVerdict:
    """What happens upstream of the security group to a protocol and port.

    Attributes:
        protocol: ``tcp`` or ``udp``.
        port: 1..65535.
        direction: The direction asked about, or None for "either direction".
        verdict: ``blocked`` (the carrier intercepts it), ``restricted`` (blocked by
            default, can be unblocked) or ``open`` (nothing upstream blocks it; the
            security group must still allow it).
        reason, advice: English; ``reason_zh``, ``advice_zh``: Chinese.
        faq_id: The FAQ entry the verdict rests on.
        quota, quota_text: For ``restricted``: how many instances can be unblocked,
            and the FAQ's sentence stating it.
    """

    protocol: str
    port: int
    direction: Direction | None
    verdict: VerdictKind
    reason: str
    advice: str
    reason_zh: str
    advice_zh: str
    faq_id: str
    quota: int | None = None
    quota_text: str | None = None


@dataclass(frozen=True)
class Hop:
    """One filter on the traffic path, in the order traffic meets them.

    Attributes:
        hop: ``security_group`` or ``iptables``.
        action: ``ACCEPT``, ``DROP``, ``REJECT`` or ``UNKNOWN``.
        detail: Why, in plain English.
        decisive: True for the hop that settles whether traffic gets through.
    """

    hop: HopName
    action: str
    detail: str
    decisive: bool


@dataclass(frozen=True)
class FlowDecision:
    """The end-to-end answer for one flow.

    Attributes:
        action: The security groups' action (``ACCEPT``, ``DROP`` or ``UNKNOWN``).
        decided_by: The security-group rule that decided (None: the implicit deny, UNKNOWN,
            or not certain which rule: see ``group``).
        reachable: Whether traffic gets through security group, iptables and what the
            carrier/platform does upstream; None when that cannot be told.
        explanation: The whole reason, in plain English.
        hops: Security group and iptables in traffic order for the direction.
        port_verdict: What happens upstream to this port, when it applies.
        group: The security-group decision in full.
        iptables: The iptables decision, when iptables rules were given.
        faq_id: The FAQ entry explaining the deciding mechanism.
    """

    action: str
    decided_by: Policy | None
    reachable: bool | None
    explanation: str
    hops: tuple[Hop, ...]
    port_verdict: PortVerdict | None
    group: GroupDecision
    iptables: IptablesDecision | None
    faq_id: str

    def is_reachable(self) -> bool:
        """Yes/no view of ``reachable``.

        Raises:
            UndecidedError: the answer depends on information not given.
        """
        if self.reachable is None:
            raise UndecidedError(self.explanation, self.group.missing)
        return self.reachable


@dataclass(frozen=True)
class Blocker:
    """One thing that keeps a security group from being deleted."""

    kind: BlockerKind
    detail: str
    advice: str
    instance_id: str | None = None
    policy: Policy | None = None


@dataclass(frozen=True)
class DeletionDiagnosis:
    """Why a security group can or cannot be deleted.

    Attributes:
        security_group_id: The group asked about.
        deletable: True/False when the input settles it, None when it does not.
        blockers: What was found in the input.
        reasons: The reasons found (``bound_instance``, ``recycle_bin``,
            ``referenced_by_rule``), or, when ``deletable`` is None, the causes still possible.
        unchecked: Causes the input did not let the engine check.
        explanation: The whole answer in plain English.
        faq_id: The FAQ entry on undeletable security groups.
    """

    security_group_id: str
    deletable: bool | None
    blockers: tuple[Blocker, ...]
    reasons: tuple[Reason, ...]
    unchecked: tuple[Reason, ...]
    explanation: str
    faq_id: str
