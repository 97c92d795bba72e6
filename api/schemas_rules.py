"""Request and response bodies of the port and security-group routes.

The evaluation request is validated once, by the rules package (the route hands it the
decoded JSON): ``EVALUATE_REQUEST_SCHEMA`` only describes it in /openapi.json, and says
what the rules package accepts (tests/api/test_security_groups_api.py checks the two
agree). Other bodies are checked for shape here and for values by the rules package,
so errors come back located in the body the same way FastAPI's own do.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field

from api.schemas_account import AccountReadBody
from contract.limits import MAX_MESSAGE_CHARS
from rules import (
    MAX_GROUPS,
    MAX_IPTABLES_CHARS,
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


def _any_case(*words: str) -> str:
    """A JSON Schema (ECMA 262) pattern matching ``words`` in any case, exactly."""
    alternatives = ("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in w) for w in words)
    return f"^(?:{'|'.join(alternatives)})$"


_ID = "[0-9a-z]+(?:-[0-9a-z]+)*"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IPV4_BLOCK = rf"^{_IPV4}(?:/(?:3[0-2]|[12][0-9]|[0-9]))?$"
_IPV6 = "[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"  # loose: inet_pton decides; the schema only rules out the obvious
_IPV6_BLOCK = rf"^{_IPV6}(?:/(?:12[0-8]|1[01][0-9]|[1-9][0-9]|[0-9]))?$"
_PORTS = "[0-9]{1,5}(?:-[0-9]{1,5})?(?:,[0-9]{1,5}(?:-[0-9]{1,5})?)*"


def _string(pattern: str, description: str, examples: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "pattern": pattern, "description": description}
    return schema | ({"examples": examples} if examples else {})


def _optional(*schemas: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [*schemas, {"type": "null"}]}


def _id(prefix: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{prefix}-{_ID}$"}


def _id_or_empty(prefix: str) -> dict[str, Any]:
    return _optional({"type": "string", "pattern": f"^(?:{prefix}-{_ID})?$"})


def _template_ref(single: str, group: str, single_prefix: str, group_prefix: str) -> dict[str, Any]:
    ref = {
        "type": "object",
        "properties": {single: _id_or_empty(single_prefix), group: _id_or_empty(group_prefix)},
        "description": f"{single} or {group}; both empty: no template (as the API returns it)",
    }
    return _optional(ref, {"const": ""})


_POLICY: dict[str, Any] = {
    "type": "object",
    "description": "A SecurityGroupPolicy exactly as DescribeSecurityGroupPolicies returns it. Field names as the "
    "API writes them; other fields (ModifyTime…) are kept and ignored. Exactly one source (CidrBlock, "
    "Ipv6CidrBlock, SecurityGroupId, AddressTemplate) and Protocol/Port or ServiceTemplate; ICMP only with "
    "CidrBlock, ICMPv6 only with Ipv6CidrBlock; ports only for TCP and UDP. These rules across fields, and "
    "duplicate PolicyIndex values, are answered with a 422 naming the field.",
    "properties": {
        "PolicyIndex": _optional(
            {"type": "integer", "minimum": 0},
            _string("^[0-9]*$", "digits"),
        ),
        "Protocol": _optional(
            _string(_any_case("TCP", "UDP", "ICMP", "ICMPv6", "GRE", "ALL", ""), "any case, no spaces", ["TCP"])
        ),
        "Port": _optional(
            {"type": "integer", "minimum": 1, "maximum": 65535},
            _string(rf"^(?:{_any_case('ALL')[1:-1]}|{_PORTS}|)$", "ALL, 80, 8000-8010, 80,443; no spaces", ["22"]),
        ),
        "ServiceTemplate": _template_ref("ServiceId", "ServiceGroupId", "ppm", "ppmg"),
        "CidrBlock": _optional(_string(f"^$|{_IPV4_BLOCK}", "IPv4 block or address", ["0.0.0.0/0"])),
        "Ipv6CidrBlock": _optional(_string(f"^$|{_IPV6_BLOCK}", "IPv6 block or address", ["::/0"])),
        "SecurityGroupId": _id_or_empty("sg"),
        "AddressTemplate": _template_ref("AddressId", "AddressGroupId", "ipm", "ipmg"),
        "Action": _string(_any_case("ACCEPT", "DROP"), "ACCEPT or DROP, any case", ["ACCEPT"]),
        "PolicyDescription": _optional({"type": "string"}),
        "ModifyTime": _optional({"type": "string"}),
    },
    "required": ["Action"],
}
_POLICY_SET: dict[str, Any] = {
    "type": "object",
    "properties": {
        "Version": _optional({"type": "string"}),
        "Ingress": _optional({"type": "array", "items": _POLICY}),
        "Egress": _optional({"type": "array", "items": _POLICY}),
        "PolicyStatistics": _optional({"type": "object"}),
    },
    "additionalProperties": False,
    "description": "Rules per direction, matched by PolicyIndex (0 first) when given, else in list order",
}
_GROUP: dict[str, Any] = {
    "type": "object",
    "description": 'A security group: {"SecurityGroupId", "SecurityGroupPolicySet"}, or the API\'s answer kept '
    'whole in "Response". Other fields of the group (its name…) are ignored.',
    "properties": {
        "SecurityGroupId": _id("sg") | {"examples": ["sg-1a2b3c4d"]},
        "SecurityGroupPolicySet": _POLICY_SET,
        "Response": {
            "type": "object",
            "properties": {"SecurityGroupPolicySet": _POLICY_SET, "RequestId": {"type": "string"}},
            "required": ["SecurityGroupPolicySet"],
            "additionalProperties": False,
        },
    },
    "required": ["SecurityGroupId"],
    "oneOf": [{"required": ["SecurityGroupPolicySet"]}, {"required": ["Response"]}],
}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_ACL_ENTRY: dict[str, Any] = {
    "type": "object",
    "description": "A NetworkAclEntry as DescribeNetworkAcls returns it: field names as the API writes them, other "
    "fields (ModifyTime…) kept and ignored. One of CidrBlock / Ipv6CidrBlock (the remote end); ports only for TCP "
    "and UDP. These rules across fields are answered with a 422 naming the field.",
    "properties": {
        "Protocol": _string(_any_case("TCP", "UDP", "ICMP", "ICMPv6", "GRE", "ALL"), "any case, no spaces", ["TCP"]),
        "Port": _optional(
            {"type": "integer", "minimum": 1, "maximum": 65535},
            _string(rf"^(?:{_any_case('ALL')[1:-1]}|{_PORTS}|)$", "ALL, 80, 8000-8010, 80,443; no spaces", ["22"]),
        ),
        "CidrBlock": _optional(_string(f"^$|{_IPV4_BLOCK}", "IPv4 block or address", ["10.0.0.0/8"])),
        "Ipv6CidrBlock": _optional(_string(f"^$|{_IPV6_BLOCK}", "IPv6 block or address", ["::/0"])),
        "Action": _string(_any_case("ACCEPT", "DROP"), "ACCEPT or DROP, any case", ["ACCEPT"]),
        "Description": _optional({"type": "string"}),
        "Priority": _optional({"type": "integer", "minimum": 0}),
    },
    "required": ["Protocol", "Action"],
}
_ACL_ENTRIES = {"type": "array", "items": _ACL_ENTRY, "maxItems": 500}
_NETWORK_ACL: dict[str, Any] = {
    "type": "object",
    "description": "The subnet's network ACL as DescribeNetworkAcls returns it (NetworkAclSet[i]; VpcId, SubnetSet… "
    'are ignored), or {"NetworkAclEntrySet": {"Ingress", "Egress"}}. Both directions are required (an empty list '
    "when there are none): an ACL is stateless, the request and its replies must both pass. Evaluated first "
    "inbound and last outbound; entries top-down (by Priority when every entry has one), then the default deny.",
    "properties": {
        "NetworkAclId": {"type": "string", "examples": ["acl-1a2b3c4d"]},
        "NetworkAclType": {"type": "string", "description": "TRIPLE (default) or QUINTUPLE (entries not readable)"},
        "IngressEntries": _ACL_ENTRIES,
        "EgressEntries": _ACL_ENTRIES,
        "NetworkAclEntrySet": {
            "type": "object",
            "properties": {"Ingress": _ACL_ENTRIES, "Egress": _ACL_ENTRIES},
            "required": ["Ingress", "Egress"],
        },
    },
    "anyOf": [
        {"required": ["IngressEntries", "EgressEntries"]},
        {"required": ["NetworkAclEntrySet"]},
        {
            "properties": {"NetworkAclType": {"pattern": "^[Qq][Uu][Ii][Nn][Tt][Uu][Pp][Ll][Ee]$"}},
            "required": ["NetworkAclType"],
        },
    ],
}


def _templates(single: str, group: str, plain: str, extra: str, item: str, ids: str) -> dict[str, Any]:
    """Templates keyed by id: a list of entries or the API's object; groups: template ids."""
    template = {
        "anyOf": [
            _STRINGS,
            {"type": "object", "properties": {plain: _STRINGS}, "required": [plain]},
            {
                "type": "object",
                "properties": {
                    extra: {
                        "type": "array",
                        "items": {"type": "object", "properties": {item: {"type": "string"}}, "required": [item]},
                    }
                },
                "required": [extra],
            },
        ]
    }
    members = {"type": "array", "items": _id(single)}
    group_schema = {"anyOf": [members, {"type": "object", "properties": {ids: members}, "required": [ids]}]}
    return _optional(
        {
            "type": "object",
            "patternProperties": {f"^{single}-{_ID}$": template, f"^{group}-{_ID}$": group_schema},
            "additionalProperties": False,
        }
    )


EVALUATE_REQUEST_SCHEMA: dict[str, Any] = {
    "title": "EvaluateRequest",
    "type": "object",
    "description": "Validated as a whole by the rules package: any other field, and every value or combination "
    "the descriptions rule out, is a 422 naming the field.",
    "properties": {
        "security_groups": {
            "type": "array",
            "maxItems": MAX_GROUPS,
            "items": _GROUP,
            "description": "The instance's security groups in binding (priority) order, each as "
            "DescribeSecurityGroupPolicies returns it",
        },
        "flow": {
            "type": "object",
            "description": "The traffic asked about: the first packet of a new connection",
            "properties": {
                "direction": {"enum": ["ingress", "egress"]},
                "protocol": {"enum": ["tcp", "udp", "icmp", "icmpv6", "gre"]},
                "port": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 65535,
                    "description": "Destination port; required for tcp and udp, omitted for the others",
                    "examples": [22],
                },
                "remote": _string(
                    f"^(?:{_IPV4}|{_IPV6})$",
                    "The other end's address (source for ingress, destination for egress)",
                    ["203.0.113.7"],
                ),
                "local": _optional(
                    _string(f"^(?:{_IPV4}|{_IPV6})$", "The instance's own address; only iptables -s/-d use it")
                ),
            },
            "required": ["direction", "protocol", "remote"],
            "additionalProperties": False,
        },
        "group_members": _optional(
            {
                "type": "object",
                "patternProperties": {f"^sg-{_ID}$": _STRINGS},
                "additionalProperties": False,
                "description": '{"sg-…": ["10.0.0.5", "10.0.1.0/24", ...]}: members of groups that rules refer to',
            }
        ),
        "address_templates": _templates(
            "ipm", "ipmg", "AddressSet", "AddressExtraSet", "Address", "AddressTemplateIdSet"
        ),
        "service_templates": _templates(
            "ppm", "ppmg", "ServiceSet", "ServiceExtraSet", "Service", "ServiceTemplateIdSet"
        ),
        "iptables_save": _optional(
            {"type": "string", "maxLength": MAX_IPTABLES_CHARS, "description": "The host's iptables-save output"}
        ),
        "network_acl": _optional(_NETWORK_ACL),
    },
    "required": ["security_groups", "flow"],
    "additionalProperties": False,
}


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
        # group; NaN and Infinity are not JSON.
        return pydantic_core.from_json(raw, allow_inf_nan=False, cache_strings="keys")
    except ValueError as e:
        raise RuleValidationError.single(("body",), f"the body is not valid JSON: {e}", "json_invalid") from e


class ValidationErrorItem(BaseModel):
    """One bad field, located in the request."""

    loc: list[str | int] = Field(description='Where, e.g. ["body", "security_groups", 0, "Ingress", 2, "CidrBlock"]')
    msg: str = Field(description="What is wrong and what to write instead")
    type: str


class ValidationErrorBody(BaseModel):
    """A 422: every problem found, in FastAPI's own shape."""

    detail: list[ValidationErrorItem]


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


class DeletionCheckRequest(BaseModel):
    """Body of POST /v1/security-groups/deletion-check."""

    model_config = ConfigDict(extra="forbid")

    security_group_id: str | None = Field(
        None,
        examples=["sg-12345678"],
        max_length=64,
        description="Omit only to ask for the possible causes in general. With the account configured "
        "(TENCENTCLOUD_*) and neither instances nor other_groups given, the account is read for it",
    )
    region: str | None = Field(
        None,
        max_length=64,
        examples=["ap-guangzhou"],
        description="The region to read (an id, or a name such as 广州 / Guangzhou); wins over a region named in "
        "text and over TENCENTCLOUD_REGION",
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
    instances: list[dict[str, Any]] | dict[str, Any] | None = Field(
        None,
        description="DescribeInstances' instances for the region (InstanceId, InstanceState, SecurityGroupIds), "
        "or its whole response; omit when unknown",
    )
    other_groups: list[dict[str, Any]] | None = Field(
        None, max_length=500, description="Other security groups, shaped as in evaluate; omit when unknown"
    )


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
