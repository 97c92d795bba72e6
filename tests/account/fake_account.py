"""The fake account's state and the answers of its Describe* actions.

Field names are those of the SDK's models (tests/account/test_fake_fields.py walks every
answer through them). Builders fill what the real API fills: empty strings for absent
policy fields, empty template references, tags lists. Errors are raised as
:class:`ApiError` with the codes the real services spell: vpc's
``InvalidSecurityGroupID.NotFound``, cvm's ``InvalidSecurityGroupId.NotFound``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STRING_PAGED = {
    "DescribeSecurityGroups",
    "DescribeAddressTemplates",
    "DescribeAddressTemplateGroups",
    "DescribeServiceTemplates",
    "DescribeServiceTemplateGroups",
}
NUMBER_PAGED = {"DescribeInstances", "DescribeNetworkAcls"}
CREATED = "2026-01-05 10:00:00"


class ApiError(Exception):
    """An error answer: ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def instance(
    instance_id: str,
    groups: list[str],
    *,
    state: str = "RUNNING",
    isolated: str = "NOTISOLATED",
    vpc: str = "vpc-web00001",
    subnet: str = "subnet-web00001",
    private_ip: str = "10.0.1.5",
    public_ip: str | None = "203.0.113.10",
) -> dict[str, Any]:
    """A CVM instance as DescribeInstances returns it (the fields the reads use, and a few more)."""
    return {
        "Placement": {"Zone": "ap-guangzhou-6", "ProjectId": 0},
        "InstanceId": instance_id,
        "InstanceType": "S5.MEDIUM2",
        "CPU": 2,
        "Memory": 2,
        "InstanceName": f"name-of-{instance_id}",
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "PrivateIpAddresses": [private_ip],
        "PublicIpAddresses": [public_ip] if public_ip else [],
        "VirtualPrivateCloud": {"VpcId": vpc, "SubnetId": subnet, "AsVpcGateway": False},
        "SecurityGroupIds": list(groups),
        "InstanceState": state,
        "IsolatedSource": isolated,
        "CreatedTime": "2026-01-05T10:00:00Z",
        "Tags": [],
        "IPv6Addresses": [],
    }


def group(group_id: str, name: str = "", *, default: bool = False) -> dict[str, Any]:
    """A security group as DescribeSecurityGroups returns it."""
    return {
        "SecurityGroupId": group_id,
        "SecurityGroupName": name or group_id,
        "SecurityGroupDesc": "",
        "ProjectId": "0",
        "IsDefault": default,
        "CreatedTime": CREATED,
        "TagSet": [],
        "UpdateTime": CREATED,
    }


def policy(
    index: int,
    action: str = "ACCEPT",
    *,
    protocol: str = "",
    port: str = "",
    cidr: str = "",
    ipv6: str = "",
    group_id: str = "",
    address_id: str = "",
    address_group_id: str = "",
    service_id: str = "",
    service_group_id: str = "",
    description: str = "",
) -> dict[str, Any]:
    """A security-group rule as DescribeSecurityGroupPolicies returns it (absent = empty string)."""
    return {
        "PolicyIndex": index,
        "Protocol": protocol,
        "Port": port,
        "ServiceTemplate": {"ServiceId": service_id, "ServiceGroupId": service_group_id},
        "CidrBlock": cidr,
        "Ipv6CidrBlock": ipv6,
        "SecurityGroupId": group_id,
        "AddressTemplate": {"AddressId": address_id, "AddressGroupId": address_group_id},
        "Action": action,
        "PolicyDescription": description,
        "ModifyTime": CREATED,
    }


def acl_entry(protocol: str, port: str, cidr: str, action: str, description: str = "") -> dict[str, Any]:
    """A network ACL entry as DescribeNetworkAcls returns it."""
    return {
        "Protocol": protocol,
        "Port": port,
        "CidrBlock": cidr,
        "Ipv6CidrBlock": "",
        "Action": action,
        "Description": description,
        "ModifyTime": CREATED,
    }


def network_acl(
    acl_id: str, vpc: str, subnets: list[str], ingress: list[dict[str, Any]], egress: list[dict[str, Any]]
) -> dict[str, Any]:
    """A network ACL as DescribeNetworkAcls returns it."""
    return {
        "VpcId": vpc,
        "NetworkAclId": acl_id,
        "NetworkAclName": acl_id,
        "CreatedTime": CREATED,
        "SubnetSet": [
            {"VpcId": vpc, "SubnetId": s, "SubnetName": s, "CidrBlock": "10.0.1.0/24", "NetworkAclId": acl_id}
            for s in subnets
        ],
        "IngressEntries": ingress,
        "EgressEntries": egress,
        "NetworkAclType": "TRIPLE",
        "TagSet": [],
    }


@dataclass
class Region:
    """One region of the account."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    other_bindings: dict[str, dict[str, int]] = field(default_factory=dict)  # sg -> {"CLB": 1, ...}
    address_templates: dict[str, list[str]] = field(default_factory=dict)
    address_groups: dict[str, list[str]] = field(default_factory=dict)
    service_templates: dict[str, list[str]] = field(default_factory=dict)
    service_groups: dict[str, list[str]] = field(default_factory=dict)
    network_acls: list[dict[str, Any]] = field(default_factory=list)

    def add_group(self, group_id: str, ingress: list[dict[str, Any]], egress: list[dict[str, Any]], **kw: Any) -> None:
        """A group and its rules."""
        self.groups[group_id] = group(group_id, **kw)
        self.policies[group_id] = {"Ingress": ingress, "Egress": egress}


@dataclass
class Account:
    """The fake account: regions by name."""

    regions: dict[str, Region] = field(default_factory=dict)

    def region(self, name: str) -> Region:
        """The state of one region (raises UnsupportedRegion for an unknown one)."""
        if name not in self.regions:
            raise ApiError("UnsupportedRegion", f"The region {name} is not supported.")
        return self.regions[name]


Handler = Callable[[Region, dict[str, Any]], dict[str, Any]]
_SG = re.compile(r"^sg-[a-z0-9]{8}$")
_INS = re.compile(r"^ins-[a-z0-9]{8}$")


def answer(account: Account, region: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """The Response body of ``action`` (without RequestId).

    Raises:
        ApiError: as the real service would answer.
    """
    handler = HANDLERS.get(action)
    if handler is None:
        raise ApiError("InvalidAction", f"The action {action} does not exist or is not a read action of this fake.")
    _check_paging(action, params)
    return handler(account.region(region), params)


def _check_paging(action: str, params: dict[str, Any]) -> None:
    kind = str if action in STRING_PAGED else int if action in NUMBER_PAGED else None
    for name in ("Offset", "Limit"):
        if name not in params:
            continue
        value = params[name]
        if kind is None or isinstance(value, bool) or not isinstance(value, kind):
            wanted = "a string" if kind is str else "an integer" if kind is int else "absent"
            raise ApiError("InvalidParameter", f"The parameter {name} of {action} must be {wanted}.")
        if name == "Limit" and not 1 <= int(value) <= 100:
            raise ApiError("InvalidParameterValue.Range", "Limit must be between 1 and 100.")


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    offset = int(params.get("Offset", 0))
    limit = int(params.get("Limit", 20))
    return items[offset : offset + limit], len(items)


def _filter_values(params: dict[str, Any], name: str) -> list[str] | None:
    for item in params.get("Filters") or []:
        if item.get("Name") == name:
            return list(item.get("Values") or [])
    return None


def _known_groups(region: Region, ids: list[str], code: str) -> None:
    for group_id in ids:
        if not _SG.match(group_id):
            raise ApiError("InvalidParameterValue.Malformed", f"The security group id {group_id} is malformed.")
        if group_id not in region.groups:
            raise ApiError(code, f"The security group {group_id} does not exist.")


def describe_instances(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    items = region.instances
    ids = params.get("InstanceIds")
    if ids:
        for instance_id in ids:
            if not _INS.match(instance_id):
                raise ApiError("InvalidInstanceId.Malformed", f"The instance id {instance_id} is malformed.")
        # A well-formed id the account does not hold is answered with an empty list.
        items = [i for i in items if i["InstanceId"] in ids]
    groups = _filter_values(params, "security-group-id")
    if groups is not None:
        _known_groups(region, groups, "InvalidSecurityGroupId.NotFound")  # cvm spells "Id"
        items = [i for i in items if set(groups) & set(i["SecurityGroupIds"])]
    page, total = _page(items, params)
    return {"TotalCount": total, "InstanceSet": page}


def describe_security_groups(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    ids = params.get("SecurityGroupIds") or _filter_values(params, "security-group-id")
    if ids:
        _known_groups(region, ids, "InvalidSecurityGroupID.NotFound")  # vpc spells "ID"
        items = [region.groups[g] for g in ids]
    else:
        items = list(region.groups.values())
    page, total = _page(items, params)
    return {"SecurityGroupSet": page, "TotalCount": total}


def describe_policies(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    group_id = params.get("SecurityGroupId", "")
    _known_groups(region, [group_id], "InvalidSecurityGroupID.NotFound")
    rules = region.policies[group_id]
    stats = {
        "IngressIPv4TotalCount": len(rules["Ingress"]),
        "IngressIPv6TotalCount": 0,
        "EgressIPv4TotalCount": len(rules["Egress"]),
        "EgressIPv6TotalCount": 0,
    }
    return {"SecurityGroupPolicySet": {"Version": "1", **rules, "PolicyStatistics": stats}}


def _referrers(region: Region, group_id: str) -> list[str]:
    return [
        other
        for other, rules in region.policies.items()
        if other != group_id and any(p["SecurityGroupId"] == group_id for d in rules.values() for p in d)
    ]


def describe_statistics(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    ids = params.get("SecurityGroupIds") or []
    _known_groups(region, ids, "InvalidSecurityGroupID.NotFound")
    result = []
    for group_id in ids:
        counts = {"CVM": sum(group_id in i["SecurityGroupIds"] for i in region.instances)}
        counts.update(region.other_bindings.get(group_id, {}))
        result.append(
            {
                "SecurityGroupId": group_id,
                "CVM": counts.get("CVM", 0),
                "CDB": counts.get("CDB", 0),
                "ENI": counts.get("ENI", 0),
                "SG": len(_referrers(region, group_id)),
                "CLB": counts.get("CLB", 0),
                "InstanceStatistics": [{"InstanceType": k, "InstanceCount": n} for k, n in counts.items() if n],
                "TotalCount": sum(counts.values()),
            }
        )
    return {"SecurityGroupAssociationStatisticsSet": result}


def describe_references(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    ids = params.get("SecurityGroupIds") or []
    _known_groups(region, ids, "InvalidSecurityGroupID.NotFound")
    return {
        "ReferredSecurityGroupSet": [
            {"SecurityGroupId": g, "ReferredSecurityGroupIds": _referrers(region, g)} for g in ids
        ]
    }


def _templates(
    store: dict[str, list[str]],
    params: dict[str, Any],
    filter_name: str,
    build: Callable[[str, list[str]], dict[str, Any]],
) -> tuple[list[dict[str, Any]], int]:
    wanted = _filter_values(params, filter_name)
    ids = [t for t in store if wanted is None or t in wanted]
    return _page([build(t, store[t]) for t in ids], params)


def describe_address_templates(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    def build(template_id: str, values: list[str]) -> dict[str, Any]:
        return {
            "AddressTemplateName": template_id,
            "AddressTemplateId": template_id,
            "AddressSet": values,
            "CreatedTime": CREATED,
            "UpdatedTime": CREATED,
            "AddressExtraSet": [{"Address": v, "Description": "", "UpdatedTime": CREATED} for v in values],
            "TagSet": [],
        }

    page, total = _templates(region.address_templates, params, "address-template-id", build)
    return {"TotalCount": total, "AddressTemplateSet": page}


def describe_address_groups(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    def build(group_id: str, members: list[str]) -> dict[str, Any]:
        return {
            "AddressTemplateGroupName": group_id,
            "AddressTemplateGroupId": group_id,
            "AddressTemplateIdSet": members,
            "CreatedTime": CREATED,
            "UpdatedTime": CREATED,
            "AddressTemplateSet": [{"AddressTemplateId": m, "UpdatedTime": CREATED} for m in members],
            "TagSet": [],
        }

    page, total = _templates(region.address_groups, params, "address-template-group-id", build)
    return {"TotalCount": total, "AddressTemplateGroupSet": page}


def _service_template(template_id: str, values: list[str]) -> dict[str, Any]:
    return {
        "ServiceTemplateId": template_id,
        "ServiceTemplateName": template_id,
        "ServiceSet": values,
        "CreatedTime": CREATED,
        "UpdatedTime": CREATED,
        "ServiceExtraSet": [{"Service": v, "Description": "", "UpdatedTime": CREATED} for v in values],
        "TagSet": [],
    }


def describe_service_templates(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    page, total = _templates(region.service_templates, params, "service-template-id", _service_template)
    return {"TotalCount": total, "ServiceTemplateSet": page}


def describe_service_groups(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    def build(group_id: str, members: list[str]) -> dict[str, Any]:
        return {
            "ServiceTemplateGroupId": group_id,
            "ServiceTemplateGroupName": group_id,
            "ServiceTemplateIdSet": members,
            "CreatedTime": CREATED,
            "UpdatedTime": CREATED,
            "ServiceTemplateSet": [
                _service_template(m, region.service_templates.get(m, []))
                for m in members
                if m in region.service_templates
            ],
            "TagSet": [],
        }

    page, total = _templates(region.service_groups, params, "service-template-group-id", build)
    return {"TotalCount": total, "ServiceTemplateGroupSet": page}


def describe_network_acls(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    vpcs = _filter_values(params, "vpc-id")
    items = [a for a in region.network_acls if vpcs is None or a["VpcId"] in vpcs]
    page, total = _page(items, params)
    return {"NetworkAclSet": page, "TotalCount": total}


HANDLERS: dict[str, Handler] = {
    "DescribeInstances": describe_instances,
    "DescribeSecurityGroups": describe_security_groups,
    "DescribeSecurityGroupPolicies": describe_policies,
    "DescribeSecurityGroupAssociationStatistics": describe_statistics,
    "DescribeSecurityGroupReferences": describe_references,
    "DescribeAddressTemplates": describe_address_templates,
    "DescribeAddressTemplateGroups": describe_address_groups,
    "DescribeServiceTemplates": describe_service_templates,
    "DescribeServiceTemplateGroups": describe_service_groups,
    "DescribeNetworkAcls": describe_network_acls,
}
SERVICE_OF = {action: ("cvm" if action == "DescribeInstances" else "vpc") for action in HANDLERS}
