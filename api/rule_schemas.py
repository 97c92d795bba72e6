"""JSON Schemas of the rule engine's input, written out by hand for /openapi.json.

The rules package validates security groups, template maps, network ACLs and flows
itself (one message style for every caller); these schemas say, as exactly as JSON
Schema can, what it accepts, so a request is refused exactly when the document says it
is invalid (tests/security/test_schemathesis.py sends both kinds). What JSON Schema
cannot say is in the descriptions, and refused with a 422 naming the field:

- two policies of one direction with the same ``PolicyIndex``, or a group listed twice;
- a range that runs backwards (``90-80``, ``10.0.0.9-10.0.0.1``);
- a malformed line of the ``*filter`` table in ``iptables_save``.

Names are matched as the rules package matches them: field names exactly (a known name
in another case is refused), ``Action``/``Protocol`` values in any case (as Python's
``upper``/``lower`` fold them), addresses as ``inet_pton`` reads them.
"""

from __future__ import annotations

from api.rule_patterns import (
    ADDRESS,
    ADDRESS_ITEM,
    ADDRESS_SET,
    ALL_PORTS,
    ALL_WORD,
    ANY,
    EMPTY,
    ID_BODY,
    IPV4_ADDRESS,
    IPV4_BLOCK,
    IPV6_ADDRESS,
    IPV6_BLOCK,
    NULL,
    PORT,
    PORT_LIST,
    PORT_TEXT,
    PORTED,
    UNPORTED,
    Json,
    any_case,
    id_of,
    nullable,
    spelled_as,
    string_schema,
)
from rules import MAX_GROUPS, MAX_IPTABLES_CHARS, POLICY_FIELDS

# Schemas used more than once are components of /openapi.json (``api/openapi.py`` adds them):
# one copy in the document, however often the bodies use it.
COMPONENTS: dict[str, Json] = {}


def component(name: str, schema: Json) -> Json:
    """``schema`` as ``#/components/schemas/<name>``."""
    COMPONENTS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


# --- security groups ---------------------------------------------------------------------------


def _template_ref(single: str, group: str, single_prefix: str, group_prefix: str) -> tuple[Json, Json]:
    """(a reference to one template: one id given; no reference: null, "" or both ids empty)."""
    one = {
        "type": "object",
        "description": f"{single} or {group} (other fields are ignored)",
        "anyOf": [
            {"required": [single], "properties": {single: id_of(single_prefix), group: EMPTY}},
            {"required": [group], "properties": {group: id_of(group_prefix), single: EMPTY}},
        ],
    }
    none = {"anyOf": [EMPTY, {"type": "object", "properties": {single: EMPTY, group: EMPTY}}]}
    return one, none


SERVICE_REF, NO_SERVICE_REF = _template_ref("ServiceId", "ServiceGroupId", "ppm", "ppmg")
ADDRESS_REF, NO_ADDRESS_REF = _template_ref("AddressId", "AddressGroupId", "ipm", "ipmg")
_SOURCES = {
    "CidrBlock": string_schema(f"^{IPV4_BLOCK}$", "IPv4 block or address", ["0.0.0.0/0"]),
    "Ipv6CidrBlock": string_schema(f"^{IPV6_BLOCK}$", "IPv6 block or address", ["::/0"]),
    "SecurityGroupId": id_of("sg"),
    "AddressTemplate": ADDRESS_REF,
}


def _one_source(name: str) -> Json:
    others = {other: (NO_ADDRESS_REF if other == "AddressTemplate" else EMPTY) for other in _SOURCES if other != name}
    return {"required": [name], "properties": {name: _SOURCES[name], **others}}


def _not_with(protocol: str, source: str) -> Json:
    return {
        "not": {
            "required": ["Protocol", source],
            "properties": {
                "Protocol": {"type": "string", "pattern": any_case(protocol)},
                source: {"type": "string", "minLength": 1},
            },
        }
    }


_POLICY: Json = {
    "type": "object",
    "description": "A SecurityGroupPolicy exactly as DescribeSecurityGroupPolicies returns it. Field names as the "
    "API writes them (a known name in another case is refused); other fields are kept and ignored. Exactly one "
    "source (CidrBlock, Ipv6CidrBlock, SecurityGroupId, AddressTemplate; empty ones count as absent) and "
    "Protocol/Port or ServiceTemplate; ICMP only with CidrBlock, ICMPv6 only with Ipv6CidrBlock; ports only for "
    "TCP and UDP, ranges low-high.",
    "propertyNames": spelled_as(POLICY_FIELDS),
    "properties": {
        "PolicyIndex": {
            "anyOf": [{"type": "integer", "minimum": 0}, string_schema("^[0-9]*$", "digits"), NULL],
            "description": "0 first; on every policy of a direction or on none; each its own",
        },
        "Action": string_schema(any_case("ACCEPT", "DROP", fold="upper"), "ACCEPT or DROP, any case", ["ACCEPT"]),
    },
    "required": ["Action"],
    "allOf": [
        {
            "anyOf": [
                {
                    "required": ["ServiceTemplate"],
                    "properties": {"ServiceTemplate": SERVICE_REF, "Protocol": EMPTY, "Port": ALL_PORTS},
                },
                {
                    "required": ["Protocol"],
                    "properties": {
                        "Protocol": string_schema(PORTED, "any case, no spaces", ["TCP"]),
                        "Port": nullable(
                            PORT, string_schema(PORT_TEXT, "ALL, 80, 8000-8010 or 80,443; no spaces", ["22"])
                        ),
                        "ServiceTemplate": NO_SERVICE_REF,
                    },
                },
                {
                    "required": ["Protocol"],
                    "properties": {
                        "Protocol": string_schema(UNPORTED, "any case, no spaces"),
                        "Port": ALL_PORTS,
                        "ServiceTemplate": NO_SERVICE_REF,
                    },
                },
            ]
        },
        {"anyOf": [_one_source(name) for name in _SOURCES]},
        _not_with("ICMP", "Ipv6CidrBlock"),
        _not_with("ICMPv6", "CidrBlock"),
    ],
}
POLICY = component("SecurityGroupPolicy", _POLICY)
_INDEXED: Json = {"anyOf": [{"type": "integer", "minimum": 0}, string_schema("^[0-9]+$")]}
POLICIES: Json = nullable(
    {
        "type": "array",
        "items": POLICY,
        "description": "Matched by PolicyIndex (0 first) when every policy has one, else in list order",
        # PolicyIndex on every policy or on none: otherwise no order can be told.
        "anyOf": [
            {"items": {"properties": {"PolicyIndex": EMPTY}}},
            {"items": {"required": ["PolicyIndex"], "properties": {"PolicyIndex": _INDEXED}}},
        ],
    }
)
POLICY_SET: Json = {
    "type": "object",
    "properties": {"Version": ANY, "Ingress": POLICIES, "Egress": POLICIES, "PolicyStatistics": ANY},
    "additionalProperties": False,
    "description": "Rules per direction (an absent or null direction has none)",
}
_GROUP: Json = {
    "type": "object",
    "description": 'A security group: {"SecurityGroupId", "SecurityGroupPolicySet"}, or the API\'s answer kept '
    'whole in "Response". Other fields of the group (its name…) are ignored. Each group once in a list.',
    "properties": {
        "SecurityGroupId": id_of("sg") | {"examples": ["sg-1a2b3c4d"]},
        "SecurityGroupPolicySet": POLICY_SET,
        "Response": {
            "type": "object",
            "properties": {"SecurityGroupPolicySet": POLICY_SET, "RequestId": ANY},
            "required": ["SecurityGroupPolicySet"],
            "additionalProperties": False,
        },
    },
    "required": ["SecurityGroupId"],
    "oneOf": [{"required": ["SecurityGroupPolicySet"]}, {"required": ["Response"]}],
}


GROUP = component("SecurityGroup", _GROUP)


def groups(max_items: int, description: str) -> Json:
    """A list of security groups."""
    return {"type": "array", "maxItems": max_items, "items": GROUP, "description": description}


# --- template maps and group members ----------------------------------------------------------

_PORTED_ENTRY = f"{PORTED[1:-1]}(?:: *(?:{ALL_WORD}|{PORT_LIST}))?"
_UNPORTED_ENTRY = f"{UNPORTED[1:-1]}(?:: *{ALL_WORD})?"
SERVICE_ENTRY: Json = string_schema(
    f"^(?:{_PORTED_ENTRY}|{_UNPORTED_ENTRY})$", "protocol[:ports], e.g. tcp:80, udp:53,54, icmp", ["tcp:80"]
)


def _templates(name: str, single: str, group: str, plain: str, extra: str, item: str, ids: str, entry: Json) -> Json:
    """Templates keyed by id: a list of entries or the API's object; groups: lists of template ids."""
    entries = {"type": "array", "items": entry}
    template = {
        "anyOf": [
            entries,
            {
                "type": "object",
                "not": {"required": [ids]},
                "anyOf": [
                    {"required": [plain], "properties": {plain: entries}},
                    {
                        "required": [extra],
                        "properties": {
                            extra: {
                                "type": "array",
                                "items": {"type": "object", "properties": {item: entry}, "required": [item]},
                            }
                        },
                    },
                ],
            },
        ]
    }
    members = {"type": "array", "items": id_of(single), "description": "Templates (a group holds no groups)"}
    group_schema = {"anyOf": [members, {"type": "object", "properties": {ids: members}, "required": [ids]}]}
    return nullable(
        component(
            name,
            {
                "type": "object",
                "patternProperties": {f"^{single}-{ID_BODY}$": template, f"^{group}-{ID_BODY}$": group_schema},
                "additionalProperties": False,
            },
        )
    )


GROUP_MEMBERS: Json = nullable(
    {
        "type": "object",
        "patternProperties": {f"^sg-{ID_BODY}$": ADDRESS_SET},
        "additionalProperties": False,
        "description": '{"sg-…": ["10.0.0.5", "10.0.1.0/24", ...]}: members of groups that rules refer to',
    }
)
ADDRESS_TEMPLATES = _templates(
    "AddressTemplates", "ipm", "ipmg", "AddressSet", "AddressExtraSet", "Address", "AddressTemplateIdSet", ADDRESS_ITEM
)
SERVICE_TEMPLATES = _templates(
    "ServiceTemplates", "ppm", "ppmg", "ServiceSet", "ServiceExtraSet", "Service", "ServiceTemplateIdSet", SERVICE_ENTRY
)

# --- network ACLs --------------------------------------------------------------------------------

ACL_FIELDS = ("NetworkAclId", "NetworkAclType", "IngressEntries", "EgressEntries", "NetworkAclEntrySet")
ACL_ENTRY_FIELDS = ("Protocol", "Port", "CidrBlock", "Ipv6CidrBlock", "Action", "Description", "Priority")
# What an ACL entry counts as no address (any false value).
_FALSY: Json = {"enum": [None, "", 0, False, [], {}]}
ACL_ENTRY: Json = {
    "type": "object",
    "description": "A NetworkAclEntry as DescribeNetworkAcls returns it: field names as the API writes them, other "
    "fields (ModifyTime…) kept and ignored. One of CidrBlock / Ipv6CidrBlock (the remote end); ports only for TCP "
    "and UDP, ranges low-high.",
    "propertyNames": spelled_as(ACL_ENTRY_FIELDS),
    "properties": {
        "Action": string_schema(any_case("ACCEPT", "DROP", fold="upper", spaces=True), "ACCEPT or DROP, any case"),
        "Priority": nullable({"type": "integer", "minimum": 0}),
    },
    "required": ["Protocol", "Action"],
    "allOf": [
        {
            "anyOf": [
                {
                    "properties": {
                        "Protocol": string_schema(PORTED, "any case, no spaces", ["TCP"]),
                        "Port": nullable(
                            PORT, string_schema(PORT_TEXT, "ALL, 80, 8000-8010, 80,443; no spaces", ["22"])
                        ),
                    }
                },
                {"properties": {"Protocol": string_schema(UNPORTED, "any case, no spaces"), "Port": ALL_PORTS}},
            ]
        },
        {
            "anyOf": [
                {
                    "required": ["CidrBlock"],
                    "properties": {
                        "CidrBlock": string_schema(f"^{IPV4_BLOCK}$", examples=["10.0.0.0/8"]),
                        "Ipv6CidrBlock": _FALSY,
                    },
                },
                {
                    "required": ["Ipv6CidrBlock"],
                    "properties": {
                        "Ipv6CidrBlock": string_schema(f"^{IPV6_BLOCK}$", examples=["::/0"]),
                        "CidrBlock": _FALSY,
                    },
                },
            ]
        },
    ],
}
MAX_ACL_ENTRIES = 500
ACL_ENTRIES: Json = {
    "type": "array",
    "items": component("NetworkAclEntry", ACL_ENTRY),
    "maxItems": MAX_ACL_ENTRIES,
}
_QUINTUPLE: Json = {
    "required": ["NetworkAclType"],
    "properties": {"NetworkAclType": string_schema(any_case("QUINTUPLE", fold="upper", spaces=True))},
}
_NETWORK_ACL: Json = {
    "type": "object",
    "description": "The subnet's network ACL as DescribeNetworkAcls returns it (NetworkAclSet[i]; VpcId, SubnetSet… "
    'are ignored), or {"NetworkAclEntrySet": {"Ingress", "Egress"}}. Both directions are required (an empty list '
    "when there are none; a QUINTUPLE ACL may omit them): an ACL is stateless, the request and its replies must "
    "both pass. Evaluated first inbound and last outbound; entries top-down (by Priority when every entry has "
    "one), then the default deny.",
    "propertyNames": spelled_as(ACL_FIELDS),
    "properties": {
        "NetworkAclId": nullable({"type": "string", "examples": ["acl-1a2b3c4d"]}),
        "NetworkAclType": {"description": "TRIPLE (default) or QUINTUPLE, any case (entries not readable)"},
        "NetworkAclEntrySet": nullable(
            {
                "type": "object",
                "propertyNames": spelled_as(("Ingress", "Egress")),
                "properties": {"Ingress": ACL_ENTRIES, "Egress": ACL_ENTRIES},
            }
        ),
    },
    "anyOf": [
        {
            "required": ["NetworkAclEntrySet"],
            "properties": {"NetworkAclEntrySet": {"type": "object"}},
            "anyOf": [_QUINTUPLE, {"properties": {"NetworkAclEntrySet": {"required": ["Ingress", "Egress"]}}}],
        },
        {
            "properties": {"NetworkAclEntrySet": NULL, "IngressEntries": ACL_ENTRIES, "EgressEntries": ACL_ENTRIES},
            "anyOf": [_QUINTUPLE, {"required": ["IngressEntries", "EgressEntries"]}],
        },
    ],
}

NETWORK_ACL = component("NetworkAcl", _NETWORK_ACL)

# --- the evaluation request --------------------------------------------------------------------


def _flow_ends(remote: Json, local: Json, *not_protocols: str) -> Json:
    return {
        "properties": {"remote": remote, "local": nullable(local), "protocol": {"not": {"enum": list(not_protocols)}}}
    }


FLOW: Json = {
    "type": "object",
    "description": "The traffic asked about: the first packet of a new connection",
    "properties": {
        "direction": {"enum": ["ingress", "egress"]},
        "protocol": {"enum": ["tcp", "udp", "icmp", "icmpv6", "gre"]},
        "port": nullable(PORT | {"description": "Destination port: for tcp and udp only", "examples": [22]}),
        "remote": ADDRESS | {"description": "The other end's address (source for ingress, destination for egress)"},
        "local": nullable(ADDRESS | {"description": "The instance's own address; only iptables -s/-d use it"}),
    },
    "required": ["direction", "protocol", "remote"],
    "additionalProperties": False,
    "allOf": [
        {
            "anyOf": [
                {"properties": {"protocol": {"enum": ["tcp", "udp"]}, "port": PORT}, "required": ["port"]},
                {"properties": {"protocol": {"enum": ["icmp", "icmpv6", "gre"]}, "port": NULL}},
            ]
        },
        {
            # One IP version at both ends; ICMP is IPv4's, ICMPv6 IPv6's.
            "anyOf": [
                _flow_ends(IPV4_ADDRESS, IPV4_ADDRESS, "icmpv6"),
                _flow_ends(IPV6_ADDRESS, IPV6_ADDRESS, "icmp"),
            ]
        },
    ],
}
EVALUATE_REQUEST_SCHEMA: Json = {
    "title": "EvaluateRequest",
    "type": "object",
    "description": "Validated as a whole by the rules package: any other field, and every value or combination "
    "the descriptions rule out, is a 422 naming the field.",
    "properties": {
        "security_groups": groups(
            MAX_GROUPS,
            "The instance's security groups in binding (priority) order, each as DescribeSecurityGroupPolicies "
            "returns it, each once",
        ),
        "flow": FLOW,
        "group_members": GROUP_MEMBERS,
        "address_templates": ADDRESS_TEMPLATES,
        "service_templates": SERVICE_TEMPLATES,
        "iptables_save": nullable(
            {
                "type": "string",
                "maxLength": MAX_IPTABLES_CHARS,
                "description": "The host's iptables-save output; a line of the *filter table that is not a chain "
                "declaration or a rule of a declared chain is refused with its number",
            }
        ),
        "network_acl": nullable(NETWORK_ACL),
    },
    "required": ["security_groups", "flow"],
    "additionalProperties": False,
}
