"""Builders of Tencent Cloud-shaped rule data for the table-driven tests."""

from __future__ import annotations

from typing import Any


def rule(action: str = "ACCEPT", protocol: str = "TCP", port: Any = "ALL", **source: Any) -> dict[str, Any]:
    """One policy as DescribeSecurityGroupPolicies returns it (source defaults to 0.0.0.0/0)."""
    policy: dict[str, Any] = {"Protocol": protocol, "Port": port, "Action": action}
    policy.update(source or {"CidrBlock": "0.0.0.0/0"})
    return policy


def group(group_id: str = "sg-1", ingress: list[Any] | None = None, egress: list[Any] | None = None) -> dict[str, Any]:
    """A security group with its policy set."""
    return {
        "SecurityGroupId": group_id,
        "SecurityGroupPolicySet": {"Version": "1", "Ingress": ingress or [], "Egress": egress or []},
    }


def flow(
    direction: str = "ingress", protocol: str = "tcp", port: int | None = 22, remote: str = "203.0.113.7", **extra: Any
) -> dict[str, Any]:
    """A flow object as the API takes it."""
    body: dict[str, Any] = {"direction": direction, "protocol": protocol, "remote": remote, **extra}
    if port is not None:
        body["port"] = port
    return body
