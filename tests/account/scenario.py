"""The fake account the tests read: groups, instances, templates and ACLs with known answers.

ap-guangzhou:
* ins-web00001 (RUNNING, subnet-web00001) is bound to sg-web00001 then sg-base0001.
  sg-web00001: TCP 22 from 10.0.0.0/8; TCP 80,443 from anywhere; the services of
  ppmg-app00001 (tcp:8000-8010, udp:53) from the addresses of ipm-office01; TCP 8080
  from the members of sg-app00001. sg-base0001: drops TCP 3389; accepts all from
  ipmg-admin001 (ipm-admin001: 203.0.113.0/28).
* subnet-web00001's ACL acl-web00001: in TCP 22 from 10.0.0.0/8, TCP 80 from anywhere;
  out TCP 1024-65535 to anywhere. acl-other001 holds another subnet of the same VPC.
* sg-old00001: bound to ins-run00001 (RUNNING) and ins-old00001 (SHUTDOWN, returned),
  and to a CLB; a rule of sg-ref00001 refers to it.
* sg-free0001: nothing uses it. sg-dflt0001: the default group.
* ins-noacl001 sits in a subnet without an ACL and references ipm-gone0001, which does
  not exist.
ap-shanghai: 250 instances bound to sg-many0001 and 120 groups, for paging.
"""

from __future__ import annotations

from tests.account.fake_account import Account, Region, acl_entry, instance, network_acl, policy

REGION = "ap-guangzhou"
SECRET_ID = "AKIDfakeHelpdesk0123456789READONLY"
SECRET_KEY = "fakeSecretKey0123456789abcdefXYZ"


def guangzhou() -> Region:
    region = Region()
    region.add_group(
        "sg-web00001",
        [
            policy(0, protocol="TCP", port="22", cidr="10.0.0.0/8", description="ssh from the VPC"),
            policy(1, protocol="TCP", port="80,443", cidr="0.0.0.0/0"),
            policy(2, service_group_id="ppmg-app00001", address_id="ipm-office01"),
            policy(3, protocol="TCP", port="8080", group_id="sg-app00001"),
        ],
        [policy(0, protocol="ALL", port="ALL", cidr="0.0.0.0/0")],
        name="web",
    )
    region.add_group(
        "sg-base0001",
        [
            policy(0, "DROP", protocol="TCP", port="3389", cidr="0.0.0.0/0"),
            policy(1, protocol="ALL", port="ALL", address_group_id="ipmg-admin001"),
        ],
        [],
    )
    region.add_group("sg-app00001", [], [])
    region.add_group("sg-old00001", [policy(0, protocol="TCP", port="22", cidr="10.0.0.0/8")], [])
    region.add_group("sg-ref00001", [policy(0, protocol="TCP", port="5432", group_id="sg-old00001")], [])
    region.add_group("sg-free0001", [], [])
    region.add_group("sg-dflt0001", [], [], default=True)
    region.add_group("sg-gone0001", [policy(0, protocol="TCP", port="22", address_id="ipm-gone0001")], [])
    region.other_bindings["sg-old00001"] = {"CLB": 1}
    region.instances = [
        instance("ins-web00001", ["sg-web00001", "sg-base0001"]),
        instance("ins-run00001", ["sg-old00001"], private_ip="10.0.1.6"),
        instance("ins-old00001", ["sg-old00001"], state="SHUTDOWN", isolated="MANMADE", public_ip=None),
        instance("ins-app00001", ["sg-app00001"], private_ip="10.0.2.7"),
        instance("ins-noacl001", ["sg-gone0001"], subnet="subnet-bare0001", public_ip=None),
    ]
    region.address_templates = {
        "ipm-office01": ["198.51.100.0/24", "192.0.2.10"],
        "ipm-admin001": ["203.0.113.0/28"],
        "ipm-unused01": ["10.9.9.9"],
    }
    region.address_groups = {"ipmg-admin001": ["ipm-admin001"], "ipmg-unused01": ["ipm-unused01"]}
    region.service_templates = {
        "ppm-app00001": ["tcp:8000-8010"],
        "ppm-app00002": ["udp:53"],
        "ppm-unused01": ["tcp:1"],
    }
    region.service_groups = {"ppmg-app00001": ["ppm-app00001", "ppm-app00002"]}
    region.network_acls = [
        network_acl(
            "acl-other001", "vpc-web00001", ["subnet-other001"], [acl_entry("ALL", "ALL", "0.0.0.0/0", "ACCEPT")], []
        ),
        network_acl(
            "acl-web00001",
            "vpc-web00001",
            ["subnet-web00001"],
            [
                acl_entry("TCP", "22", "10.0.0.0/8", "ACCEPT", "ssh"),
                acl_entry("TCP", "80", "0.0.0.0/0", "ACCEPT", "http"),
            ],
            [acl_entry("TCP", "1024-65535", "0.0.0.0/0", "ACCEPT", "replies")],
        ),
    ]
    return region


def shanghai() -> Region:
    region = Region()
    for i in range(120):
        region.add_group(f"sg-many{i:04d}", [], [])
    region.instances = [
        instance(f"ins-many{i:04d}", ["sg-many0000"], private_ip=f"10.1.{i // 200}.{i % 200 + 1}") for i in range(250)
    ]
    return region


def standard_account() -> Account:
    return Account({REGION: guangzhou(), "ap-shanghai": shanghai()})
