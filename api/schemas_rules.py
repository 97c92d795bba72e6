"""Request and response bodies of the port and security-group routes.

Shapes are checked here; values (ports, CIDR blocks, protocols, directions…) are
validated by the rules package, so the same rules apply to every caller and errors
come back located in the body the same way FastAPI's own do.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from rules import Blocker, DeletionDiagnosis, FlowDecision, Hop, Policy, PortVerdict

MAX_GROUPS = 50
MAX_IPTABLES_CHARS = 1_000_000


class PortVerdictBody(BaseModel):
    """Answer of GET /v1/ports/{protocol}/{port}."""

    protocol: Literal["tcp", "udp"]
    port: int
    direction: Literal["ingress", "egress"] | None = Field(description="The direction asked about; null: either")
    verdict: Literal["blocked", "restricted", "open"]
    reason: str = Field(description="Why, in English")
    advice: str = Field(description="What to do, in English")
    reason_zh: str = Field(description="Why, in Chinese")
    advice_zh: str = Field(description="What to do, in Chinese")
    faq_id: str = Field(description="The FAQ entry the verdict rests on")
    quota: int | None = Field(None, description="restricted: instances that can be unblocked per user and region")
    quota_text: str | None = Field(None, description="restricted: the FAQ's sentence stating the quota")

    @classmethod
    def of(cls, v: PortVerdict) -> PortVerdictBody:
        return cls.model_validate(v, from_attributes=True)


class FlowBody(BaseModel):
    """The traffic asked about; values are validated by the rules package."""

    direction: str = Field(description="ingress or egress", examples=["ingress"])
    protocol: str = Field(description="tcp, udp, icmp, icmpv6 or gre", examples=["tcp"])
    port: int | str | None = Field(None, description="Destination port (1-65535); omit for ICMP and GRE")
    remote: str = Field(description="The other end's IP address (source for ingress, destination for egress)")
    local: str | None = Field(None, description="The instance's own address; only iptables -s/-d tests use it")


class EvaluateRequest(BaseModel):
    """Body of POST /v1/security-groups/evaluate."""

    security_groups: list[dict[str, Any]] = Field(
        max_length=MAX_GROUPS,
        description="The instance's security groups in priority order, each as DescribeSecurityGroupPolicies "
        'returns it: {"SecurityGroupId": "sg-…", "SecurityGroupPolicySet": {"Ingress": [...], "Egress": [...]}}, '
        'or with the policy set wrapped in "Response"',
    )
    flow: FlowBody
    group_members: dict[str, Any] | None = Field(None, description='{"sg-…": ["10.0.0.5", ...]} for SecurityGroupId')
    address_templates: dict[str, Any] | None = Field(None, description='{"ipm-…": [...], "ipmg-…": ["ipm-…"]}')
    service_templates: dict[str, Any] | None = Field(None, description='{"ppm-…": ["tcp:80"], "ppmg-…": ["ppm-…"]}')
    iptables_save: str | None = Field(None, max_length=MAX_IPTABLES_CHARS, description="The host's iptables-save")


class RuleBody(BaseModel):
    """A security-group policy named by group, direction and index, echoed as given."""

    security_group_id: str
    direction: Literal["ingress", "egress"]
    policy_index: int = Field(description="PolicyIndex, or the position when the policy had none")
    position: int = Field(description="0-based position in the group's list for that direction")
    policy: dict[str, Any] = Field(description="The policy exactly as given")

    @classmethod
    def of(cls, p: Policy) -> RuleBody:
        return cls(
            security_group_id=p.group_id,
            direction=p.direction,
            policy_index=p.index,
            position=p.position,
            policy=dict(p.raw),
        )


class HopBody(BaseModel):
    """One filter on the traffic path."""

    hop: Literal["security_group", "iptables"]
    action: Literal["ACCEPT", "DROP", "REJECT", "UNKNOWN"]
    detail: str
    decisive: bool = Field(description="True for the hop that settles whether traffic gets through")

    @classmethod
    def of(cls, h: Hop) -> HopBody:
        return cls.model_validate(h, from_attributes=True)


class EvaluateResponse(BaseModel):
    """Answer of POST /v1/security-groups/evaluate."""

    action: Literal["ACCEPT", "DROP", "UNKNOWN"] = Field(description="The security groups' action")
    decided_by: RuleBody | None = Field(
        description="The first matching rule; null with DROP: nothing matched (implicit deny); null with UNKNOWN"
    )
    undecided_by: RuleBody | None = Field(description="UNKNOWN: the rule whose match could not be settled")
    missing: list[str] = Field(description="UNKNOWN: what to provide, e.g. group_members[sg-x]")
    reachable: bool | None = Field(
        description="End to end: security group, iptables and upstream port blocks; null: cannot tell"
    )
    explanation: str
    hops: list[HopBody] = Field(description="Traffic order: ingress security_group, iptables; egress the reverse")
    port_verdict: PortVerdictBody | None = Field(description="Upstream verdict for the port (TCP/UDP flows)")
    faq_id: str

    @classmethod
    def of(cls, d: FlowDecision) -> EvaluateResponse:
        return cls(
            action=d.action,
            decided_by=RuleBody.of(d.decided_by) if d.decided_by else None,
            undecided_by=RuleBody.of(d.group.undecided_by) if d.group.undecided_by else None,
            missing=list(d.group.missing),
            reachable=d.reachable,
            explanation=d.explanation,
            hops=[HopBody.of(h) for h in d.hops],
            port_verdict=PortVerdictBody.of(d.port_verdict) if d.port_verdict else None,
            faq_id=d.faq_id,
        )


class DeletionCheckRequest(BaseModel):
    """Body of POST /v1/security-groups/deletion-check."""

    security_group_id: str | None = Field(
        None, examples=["sg-12345678"], description="Omit only to ask for the possible causes in general"
    )
    instances: list[dict[str, Any]] | dict[str, Any] | None = Field(
        None,
        description="DescribeInstances' instances for the region (InstanceId, InstanceState, SecurityGroupIds), "
        "or its whole response; omit when unknown",
    )
    other_groups: list[dict[str, Any]] | None = Field(
        None, max_length=500, description="Other security groups, shaped as in evaluate; omit when unknown"
    )


class BlockerBody(BaseModel):
    """One thing that keeps the group from being deleted."""

    kind: Literal["bound_instance", "recycle_bin_instance", "referenced_by_rule"]
    detail: str
    advice: str
    instance_id: str | None = None
    rule: RuleBody | None = Field(None, description="referenced_by_rule: the rule that refers to the group")

    @classmethod
    def of(cls, b: Blocker) -> BlockerBody:
        return cls(
            kind=b.kind,
            detail=b.detail,
            advice=b.advice,
            instance_id=b.instance_id,
            rule=RuleBody.of(b.policy) if b.policy else None,
        )


class DeletionCheckResponse(BaseModel):
    """Answer of POST /v1/security-groups/deletion-check."""

    security_group_id: str | None = Field(description="null when the question named no group")
    deletable: bool | None = Field(description="null: the input does not settle it")
    blockers: list[BlockerBody]
    reasons: list[Literal["bound_instance", "recycle_bin", "referenced_by_rule"]] = Field(
        description="Reasons found; when deletable is null, the causes still possible"
    )
    unchecked: list[Literal["bound_instance", "recycle_bin", "referenced_by_rule"]]
    explanation: str
    faq_id: str

    @classmethod
    def of(cls, d: DeletionDiagnosis) -> DeletionCheckResponse:
        return cls(
            security_group_id=d.security_group_id or None,
            deletable=d.deletable,
            blockers=[BlockerBody.of(b) for b in d.blockers],
            reasons=list(d.reasons),
            unchecked=list(d.unchecked),
            explanation=d.explanation,
            faq_id=d.faq_id,
        )
