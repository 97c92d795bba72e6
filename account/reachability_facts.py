"""What decides whether a port of an instance can be reached, read from the account.

Calls, in order:

1. DescribeInstances (cvm) for the instance: its ``SecurityGroupIds`` in binding
   order (the order is their priority), addresses, ``VirtualPrivateCloud`` (VpcId,
   SubnetId) and state.
2. DescribeSecurityGroupPolicies for each group, kept in the JSON shape
   ``POST /v1/security-groups/evaluate`` takes:
   ``{"SecurityGroupId", "SecurityGroupPolicySet": {"Ingress", "Egress"}}``.
3. The parameter templates the rules name, and only those:
   DescribeAddressTemplateGroups / DescribeServiceTemplateGroups for ``ipmg-``/``ppmg-``
   groups (their member ids are then read too), DescribeAddressTemplates /
   DescribeServiceTemplates for ``ipm-``/``ppm-`` templates. They are returned in the
   shapes :mod:`rules.lookups` documents: ``{"ipm-…": [addresses]}``,
   ``{"ipmg-…": {"AddressTemplateIdSet": [...]}}``, ``{"ppm-…": ["tcp:80", ...]}``,
   ``{"ppmg-…": {"ServiceTemplateIdSet": [...]}}``. A template the API does not return
   is left out, so the engine names it as missing.
4. DescribeNetworkAcls filtered by the VPC: the ACL whose ``SubnetSet`` holds the
   instance's subnet, as the API returns it (:func:`rules.network_acl.parse_network_acl`
   reads it); None when no ACL is bound to the subnet.

Members of referenced groups. A rule may allow "the members of sg-x"; no Describe
action lists a group's members with all their addresses (DescribeSecurityGroups does
not, and DescribeInstances would miss every resource that is not a CVM). A partial
list would make the engine answer DROP where the truth may be ACCEPT, so members are
not read: ``group_members`` stays empty, ``unknown_members`` names the groups, and the
engine reports them as missing (it then asks the user, or answers anyway when the
rule cannot change the verdict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from account.client import AccountClient
from account.errors import ResourceNotFoundError
from account.reading import Reader, ReadRecord, chunks, id_filter


@dataclass(frozen=True)
class _TemplateKind:
    """How one kind of parameter template is read (address or service)."""

    group_prefix: str
    group_action: str
    group_filter: str
    group_id: str
    member_ids: str
    action: str
    filter_name: str
    template_id: str
    values: str
    extra_values: str
    extra_value: str


_ADDRESS = _TemplateKind(
    "ipmg-",
    "DescribeAddressTemplateGroups",
    "address-template-group-id",
    "AddressTemplateGroupId",
    "AddressTemplateIdSet",
    "DescribeAddressTemplates",
    "address-template-id",
    "AddressTemplateId",
    "AddressSet",
    "AddressExtraSet",
    "Address",
)
_SERVICE = _TemplateKind(
    "ppmg-",
    "DescribeServiceTemplateGroups",
    "service-template-group-id",
    "ServiceTemplateGroupId",
    "ServiceTemplateIdSet",
    "DescribeServiceTemplates",
    "service-template-id",
    "ServiceTemplateId",
    "ServiceSet",
    "ServiceExtraSet",
    "Service",
)


@dataclass(frozen=True)
class ReachabilityFacts:
    """What the account says about traffic to and from one instance.

    Attributes:
        instance_id: The instance asked about.
        region: Where it was read.
        instance_state: ``RUNNING``, ``STOPPED``, ...
        private_ips: Its primary network interface's private addresses.
        public_ips: Its public IPv4 addresses (none: unreachable from the Internet).
        ipv6_addresses: Its IPv6 addresses.
        vpc_id: Its VPC.
        subnet_id: Its subnet (whose network ACL filters its traffic).
        security_groups: Its groups in binding (priority) order, in the evaluate shape.
        group_members: Members of referenced groups: always empty (see the module doc).
        unknown_members: The groups the rules refer to, whose members were not read.
        address_templates: ``ipm-``/``ipmg-`` entries in the shapes of :mod:`rules.lookups`.
        service_templates: ``ppm-``/``ppmg-`` entries, likewise.
        missing_templates: Template ids the rules name that the API did not return.
        network_acl: The subnet's ACL as DescribeNetworkAcls returns it, or None.
        read: The actions called and when.
    """

    instance_id: str
    region: str
    instance_state: str
    private_ips: tuple[str, ...]
    public_ips: tuple[str, ...]
    ipv6_addresses: tuple[str, ...]
    vpc_id: str | None
    subnet_id: str | None
    security_groups: tuple[Mapping[str, Any], ...]
    group_members: Mapping[str, list[str]]
    unknown_members: tuple[str, ...]
    address_templates: Mapping[str, Any]
    service_templates: Mapping[str, Any]
    missing_templates: tuple[str, ...]
    network_acl: Mapping[str, Any] | None
    read: ReadRecord = field(compare=False)

    @property
    def summary(self) -> str:
        """What was read and when, e.g. ``read 2 groups bound to ins-1 at 10:32 UTC``."""
        count = len(self.security_groups)
        groups = f"{count} group{'s' if count != 1 else ''}"
        acl = f" and network ACL {self.network_acl.get('NetworkAclId')}" if self.network_acl else ""
        return f"read {groups} bound to {self.instance_id}{acl} in {self.region} at {self.read.stamp}"

    def evaluate_input(self) -> dict[str, Any]:
        """The body of ``POST /v1/security-groups/evaluate`` without its ``flow``."""
        return {
            "security_groups": [dict(g) for g in self.security_groups],
            "group_members": dict(self.group_members),
            "address_templates": dict(self.address_templates),
            "service_templates": dict(self.service_templates),
        }


def read_reachability_facts(client: AccountClient, instance_id: str, region: str | None = None) -> ReachabilityFacts:
    """Read the instance, its groups' rules, the templates they name and its subnet's ACL.

    Raises:
        ResourceNotFoundError: no such instance in the region.
        AccountError: any other failure (see :mod:`account.errors`).
    """
    reader = Reader(client, region)
    instance = _instance(reader, instance_id)
    group_ids = [g for g in instance.get("SecurityGroupIds") or [] if isinstance(g, str)]
    groups = [
        {
            "SecurityGroupId": g,
            "SecurityGroupPolicySet": _policies(
                reader.one("DescribeSecurityGroupPolicies", {"SecurityGroupId": g}, [g])
            ),
        }
        for g in group_ids
    ]
    refs = _references(groups)
    address, missing_address = _templates(reader, _ADDRESS, refs["address"])
    service, missing_service = _templates(reader, _SERVICE, refs["service"])
    vpc = instance.get("VirtualPrivateCloud") or {}
    vpc_id, subnet_id = _text(vpc.get("VpcId")), _text(vpc.get("SubnetId"))
    return ReachabilityFacts(
        instance_id=instance_id,
        region=reader.region,
        instance_state=str(instance.get("InstanceState") or ""),
        private_ips=_strings(instance.get("PrivateIpAddresses")),
        public_ips=_strings(instance.get("PublicIpAddresses")),
        ipv6_addresses=_strings(instance.get("IPv6Addresses")),
        vpc_id=vpc_id,
        subnet_id=subnet_id,
        security_groups=tuple(groups),
        group_members={},
        unknown_members=tuple(sorted(refs["group"])),
        address_templates=address,
        service_templates=service,
        missing_templates=tuple(sorted(missing_address + missing_service)),
        network_acl=_subnet_acl(reader, vpc_id, subnet_id),
        read=reader.record(),
    )


def _instance(reader: Reader, instance_id: str) -> dict[str, Any]:
    found = reader.one("DescribeInstances", {"InstanceIds": [instance_id]}, [instance_id]).get("InstanceSet") or []
    instance: dict[str, Any] | None = next((i for i in found if i.get("InstanceId") == instance_id), None)
    if instance is None:  # DescribeInstances answers an unknown (well-formed) id with an empty list
        raise ResourceNotFoundError(
            f"{instance_id} not found in region {reader.region}",
            action="DescribeInstances",
            region=reader.region,
            code="ResourceNotFound",
            request_id=None,
            user_message=(
                f"I couldn't find {instance_id} in region {reader.region}. Please check the id, "
                "or tell me which region it is in."
            ),
        )
    return instance


def _policies(answer: Mapping[str, Any]) -> dict[str, Any]:
    policy_set = answer.get("SecurityGroupPolicySet") or {}
    return {"Ingress": list(policy_set.get("Ingress") or []), "Egress": list(policy_set.get("Egress") or [])}


def _references(groups: list[dict[str, Any]]) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {"group": set(), "address": set(), "service": set()}
    for group in groups:
        for direction in ("Ingress", "Egress"):
            for policy in group["SecurityGroupPolicySet"][direction]:
                if not isinstance(policy, Mapping):
                    continue
                other = _text(policy.get("SecurityGroupId"))
                if other:
                    refs["group"].add(other)
                for kind, key, ids in (
                    ("address", "AddressTemplate", ("AddressId", "AddressGroupId")),
                    ("service", "ServiceTemplate", ("ServiceId", "ServiceGroupId")),
                ):
                    spec = policy.get(key)
                    if isinstance(spec, Mapping):
                        refs[kind].update(t for t in (_text(spec.get(i)) for i in ids) if t)
    return refs


def _templates(reader: Reader, kind: _TemplateKind, wanted: set[str]) -> tuple[dict[str, Any], list[str]]:
    found: dict[str, Any] = {}
    group_ids = sorted(t for t in wanted if t.startswith(kind.group_prefix))
    singles = {t for t in wanted if not t.startswith(kind.group_prefix)}
    for part in chunks(group_ids):
        for item in reader.all(kind.group_action, {"Filters": id_filter(kind.group_filter, part)}, part):
            group_id = _text(item.get(kind.group_id))
            if group_id in part:
                members = _strings(item.get(kind.member_ids))
                found[group_id] = {kind.member_ids: list(members)}
                singles.update(members)
    for part in chunks(sorted(singles)):
        for item in reader.all(kind.action, {"Filters": id_filter(kind.filter_name, part)}, part):
            template_id = _text(item.get(kind.template_id))
            if template_id in part:
                found[template_id] = _entries(item, kind)
    missing = sorted((set(group_ids) | singles) - set(found))
    return found, missing


def _entries(item: Mapping[str, Any], kind: _TemplateKind) -> list[str]:
    entries = list(_strings(item.get(kind.values)))
    if not entries:  # the *ExtraSet form holds the same entries with descriptions
        extra = item.get(kind.extra_values) or []
        entries = [
            e[kind.extra_value] for e in extra if isinstance(e, Mapping) and isinstance(e.get(kind.extra_value), str)
        ]
    return entries


def _subnet_acl(reader: Reader, vpc_id: str | None, subnet_id: str | None) -> Mapping[str, Any] | None:
    if not vpc_id or not subnet_id:
        return None
    for acl in reader.all("DescribeNetworkAcls", {"Filters": id_filter("vpc-id", [vpc_id])}, [vpc_id, subnet_id]):
        subnets = acl.get("SubnetSet") or []
        if any(isinstance(s, Mapping) and s.get("SubnetId") == subnet_id for s in subnets):
            return dict(acl)
    return None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str) and v) if isinstance(value, list) else ()


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
