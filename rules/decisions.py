"""The decision objects the engine returns: each carries what decided and why.

They are plain frozen dataclasses, free of HTTP; the API turns them into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.errors import UndecidedError
from rules.evaluator import GroupDecision
from rules.iptables_eval import IptablesDecision
from rules.network_acl import NetworkAclDecision
from rules.policies import Direction, Policy

VerdictKind = Literal["blocked", "restricted", "open"]
HopName = Literal["network_acl", "security_group", "iptables"]
# In the order to clear them (rules/deletion.py says why).
BlockerKind = Literal["default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin_instance"]
Reason = Literal["default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin"]


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
        hop: ``network_acl`` (the subnet's, when given), ``security_group`` or ``iptables``.
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
        reachable: Whether traffic gets through the network ACL (when given), the security
            groups, iptables and what the carrier/platform does upstream; None when that
            cannot be told.
        explanation: The whole reason, in plain English.
        hops: The filters in traffic order for the direction: ingress network ACL, security
            group, iptables; egress the reverse.
        port_verdict: What happens upstream to this port, when it applies.
        group: The security-group decision in full.
        iptables: The iptables decision, when iptables rules were given.
        faq_id: The FAQ entry explaining the deciding mechanism.
        network_acl: The network ACL decision (both legs), when an ACL was given.
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
    network_acl: NetworkAclDecision | None = None

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
    """One thing that keeps a security group from being deleted.

    Attributes:
        kind: What it is (:data:`BlockerKind`).
        detail: What was found, in plain English.
        advice: What to do about it.
        instance_id: The instance (``bound_instance``, ``recycle_bin_instance``).
        policy: The rule that refers to the group (``referenced_by_rule``, when its rules were read).
        subject: What it concerns: the instance, the referring group, the resource type
            (``CLB``, ``CDB``...) or the group itself (``default_group``).
        count: ``bound_resource``: how many resources of that type are bound.
    """

    kind: BlockerKind
    detail: str
    advice: str
    instance_id: str | None = None
    policy: Policy | None = None
    subject: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class DeletionDiagnosis:
    """Why a security group can or cannot be deleted.

    Attributes:
        security_group_id: The group asked about.
        deletable: True/False when the input settles it, None when it does not.
        blockers: What was found in the input, in the order to clear them.
        reasons: The reasons found (``default_group``, ``referenced_by_rule``,
            ``bound_resource``, ``bound_instance``, ``recycle_bin``), or, when ``deletable``
            is None, the causes still possible.
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
