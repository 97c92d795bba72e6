"""Request and response bodies of the port and security-group routes.

The evaluation request is validated once, by the rules package (the route hands it the
decoded JSON): ``EVALUATE_REQUEST_SCHEMA`` (``api/rule_schemas.py``) only describes it in
/openapi.json, and says what the rules package accepts (tests/api/test_security_groups_api.py
and tests/security/test_schemathesis.py check the two agree). Other bodies are checked for
shape here and for values by the rules package, so errors come back located in the body
the same way FastAPI's own do.
"""

from __future__ import annotations

from email.message import Message
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.rule_schemas import groups
from api.schema_types import NotBlank, RegionName
from api.schemas_account import AccountReadBody
from contract.limits import MAX_MESSAGE_CHARS
from rules import (
    Blocker,
    DeletionDiagnosis,
    FlowDecision,
    Hop,
    NetworkAclDecision,
    Policy,
    PortVerdict,
    RuleValidationError,
)


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


def decode_evaluate_body(raw: bytes, content_type: str | None) -> Any:
    """The evaluation body decoded, once: the rules package validates the result as a whole.

    Raises:
        RuleValidationError: not JSON, or sent as another media type; located at ``body``.
    """
    if content_type:
        message = Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        if message.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
            raise RuleValidationError.single(
                ("body",), f"send the body as JSON (Content-Type: application/json), not {content_type}", "content_type"
            )
    try:
        # jiter (pydantic-core's parser) is about twice as fast as json.loads on a large
        # group; NaN and Infinity are not JSON. A whole number written 2.0 is read as 2 where
        # the rules read a whole number (rules.errors.whole_number), not by a walk over the body.
        return pydantic_core.from_json(raw, allow_inf_nan=False, cache_strings="keys")
    except ValueError as e:
        raise RuleValidationError.single(("body",), f"the body is not valid JSON: {e}", "json_invalid") from e


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

    hop: Literal["network_acl", "security_group", "iptables"]
    action: Literal["ACCEPT", "DROP", "REJECT", "UNKNOWN"]
    detail: str
    decisive: bool = Field(description="True for the hop that settles whether traffic gets through")

    @classmethod
    def of(cls, h: Hop) -> HopBody:
        return cls.model_validate(h, from_attributes=True)


class AclEntryBody(BaseModel):
    """The network ACL entry that decides, echoed as given (the default rule: index null)."""

    direction: Literal["ingress", "egress"]
    index: int | None = Field(description="0-based position in the list given; null: the default deny rule")
    entry: dict[str, Any] = Field(description="The entry as given (the default rule as Tencent Cloud documents it)")


class AclLegBody(BaseModel):
    """The ACL's verdict on one direction of the connection."""

    direction: Literal["ingress", "egress"]
    action: Literal["ACCEPT", "DROP", "UNKNOWN"]
    ports: str | None = Field(description="Destination ports checked, e.g. 22 or 1024-65535 (the replies)")
    explanation: str


class NetworkAclBody(BaseModel):
    """The subnet's network ACL on this flow: stateless, so the request and its replies."""

    action: Literal["ACCEPT", "DROP", "UNKNOWN"]
    decided_by: AclEntryBody | None = Field(description="The entry that settles it; null when UNKNOWN")
    request: AclLegBody
    reply: AclLegBody | None = Field(description="null when the ACL's entries cannot be read (quintuple)")
    explanation: str

    @classmethod
    def of(cls, d: NetworkAclDecision) -> NetworkAclBody:
        entry = d.decided_by
        return cls(
            action=d.action,
            decided_by=AclEntryBody(direction=entry.direction, index=entry.index, entry=dict(entry.raw))
            if entry is not None
            else None,
            request=AclLegBody(
                direction=d.request.direction,
                action=d.request.action,
                ports=d.request.ports,
                explanation=d.request.explanation,
            ),
            reply=AclLegBody(
                direction=d.reply.direction, action=d.reply.action, ports=d.reply.ports, explanation=d.reply.explanation
            )
            if d.reply is not None
            else None,
            explanation=d.explanation,
        )


class EvaluateResponse(BaseModel):
    """Answer of POST /v1/security-groups/evaluate."""

    action: Literal["ACCEPT", "DROP", "UNKNOWN"] = Field(description="The security groups' action")
    decided_by: RuleBody | None = Field(
        description="The rule that decides. null: the implicit deny decided (DROP), the answer is UNKNOWN, or "
        "earlier rules that could not be checked would give the same action (the explanation names them)"
    )
    undecided_by: RuleBody | None = Field(description="UNKNOWN: the rule whose match could not be settled")
    missing: list[str] = Field(description="UNKNOWN: what to provide, e.g. group_members[sg-x]")
    reachable: bool | None = Field(
        description="End to end: network ACL (when given), security group, iptables and upstream port blocks; "
        "null: cannot tell"
    )
    explanation: str
    hops: list[HopBody] = Field(
        description="Traffic order: ingress network_acl, security_group, iptables; egress the reverse"
    )
    port_verdict: PortVerdictBody | None = Field(description="Upstream verdict for the port (TCP/UDP flows)")
    faq_id: str
    network_acl: NetworkAclBody | None = Field(None, description="The network ACL's verdict, when one was given")

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
            network_acl=NetworkAclBody.of(d.network_acl) if d.network_acl else None,
        )


BlockerKindName = Literal[
    "default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin_instance"
]
ReasonName = Literal["default_group", "referenced_by_rule", "bound_resource", "bound_instance", "recycle_bin"]


_INSTANCE: dict[str, Any] = {
    "type": "object",
    "description": "An Instance of DescribeInstances (other fields are ignored)",
    "properties": {
        "SecurityGroupIds": {"type": "array", "items": {"type": "string"}},
        "InstanceId": {"examples": ["ins-1a2b3c4d"]},
        "InstanceState": {"description": "RUNNING, SHUTDOWN (in the recycle bin)..."},
        "IsolatedSource": {"description": "MANMADE, EXPIRE, ARREAR, NOTISOLATED"},
    },
    "required": ["SecurityGroupIds"],
}
_INSTANCE_LIST: dict[str, Any] = {"type": "array", "items": _INSTANCE}
INSTANCES_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _INSTANCE_LIST,
        {
            "type": "object",
            "required": ["InstanceSet"],
            "properties": {"InstanceSet": _INSTANCE_LIST},
            "not": {"required": ["Response"]},
        },
        {
            "type": "object",
            "required": ["Response"],
            "properties": {
                "Response": {
                    "type": "object",
                    "required": ["InstanceSet"],
                    "properties": {"InstanceSet": _INSTANCE_LIST},
                }
            },
        },
        {"type": "null"},
    ],
    "description": "DescribeInstances' instances for the region (InstanceId, InstanceState, SecurityGroupIds), or "
    "its whole response (field names as the API writes them, or in any case); omit when unknown",
}
MAX_OTHER_GROUPS = 500


class DeletionCheckRequest(BaseModel):
    """Body of POST /v1/security-groups/deletion-check."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Instances or other groups are about a group: then its id is required.
            "anyOf": [
                {"properties": {"instances": {"type": "null"}, "other_groups": {"type": "null"}}},
                {"required": ["security_group_id"], "properties": {"security_group_id": {"type": "string"}}},
            ]
        },
    )

    security_group_id: NotBlank | None = Field(
        None,
        examples=["sg-12345678"],
        max_length=64,
        description="Omit only to ask for the possible causes in general (then without instances and other_groups). "
        "With the account configured (TENCENTCLOUD_*) and neither instances nor other_groups given, the account is "
        "read for it",
    )
    region: RegionName | None = Field(
        None,
        description="The region to read: an id, or a name such as 广州 / Guangzhou, any case; wins over a region "
        "named in text and over TENCENTCLOUD_REGION",
    )
    text: str | None = Field(
        None,
        max_length=MAX_MESSAGE_CHARS,
        description="The user's message, read for a region name (ap-guangzhou, 广州, Guangzhou) when region is "
        "not given",
    )
    conversation_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The conversation asking (the bot's sender id): the account calls are recorded with it",
    )
    instances: Annotated[list[dict[str, Any]] | dict[str, Any] | None, WithJsonSchema(INSTANCES_SCHEMA)] = None
    other_groups: Annotated[
        list[dict[str, Any]] | None,
        WithJsonSchema(
            {
                "anyOf": [
                    groups(MAX_OTHER_GROUPS, "Other security groups, shaped as in evaluate; omit when unknown"),
                    {"type": "null"},
                ]
            }
        ),
    ] = Field(None, max_length=MAX_OTHER_GROUPS)


class BlockerBody(BaseModel):
    """One thing that keeps the group from being deleted (listed in the order to clear them)."""

    kind: BlockerKindName
    detail: str
    advice: str
    instance_id: str | None = None
    rule: RuleBody | None = Field(None, description="referenced_by_rule: the rule that refers to the group")
    subject: str | None = Field(
        None, description="The instance, the referring group, the resource type (CLB, CDB, ENI...) or the group itself"
    )
    count: int | None = Field(None, description="bound_resource: how many resources of that type are bound")

    @classmethod
    def of(cls, b: Blocker) -> BlockerBody:
        return cls(
            kind=b.kind,
            detail=b.detail,
            advice=b.advice,
            instance_id=b.instance_id,
            rule=RuleBody.of(b.policy) if b.policy else None,
            subject=b.subject,
            count=b.count,
        )


class DeletionCheckResponse(BaseModel):
    """Answer of POST /v1/security-groups/deletion-check."""

    security_group_id: str | None = Field(description="null when the question named no group")
    deletable: bool | None = Field(description="null: the input does not settle it")
    blockers: list[BlockerBody] = Field(description="In the order to clear them")
    reasons: list[ReasonName] = Field(description="Reasons found; when deletable is null, the causes still possible")
    unchecked: list[ReasonName]
    explanation: str
    faq_id: str
    account: AccountReadBody | None = Field(
        None, description="When the account was read (or could not be): what was read, when, and every call made"
    )

    @classmethod
    def of(cls, d: DeletionDiagnosis, account: AccountReadBody | None = None) -> DeletionCheckResponse:
        return cls(
            account=account,
            security_group_id=d.security_group_id or None,
            deletable=d.deletable,
            blockers=[BlockerBody.of(b) for b in d.blockers],
            reasons=list(d.reasons),
            unchecked=list(d.unchecked),
            explanation=d.explanation,
            faq_id=d.faq_id,
        )
