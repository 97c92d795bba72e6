"""What the load benchmark sends to each target (benchmarks/load.py, benchmarks/soak.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

QUESTIONS = [
    "445端口能用吗",
    "如何开启某个端口？",
    "安全组为什么删不掉",
    "why is port 25 blocked",
    "how do I open port 3389 for remote desktop",
    "安全组默认规则是什么",
    "can I use port 80 without ICP filing",
    "what is a security group",
]
PORTS = [("tcp", 22), ("tcp", 25), ("udp", 445), ("tcp", 3389), ("tcp", 8080), ("udp", 137), ("tcp", 443)]
EVALUATE = {
    "security_groups": [
        {
            "SecurityGroupId": "sg-web",
            "SecurityGroupPolicySet": {
                "Ingress": [
                    {"Protocol": "TCP", "Port": "22", "CidrBlock": "198.51.100.0/24", "Action": "ACCEPT"},
                    {"Protocol": "tcp", "Port": "80,443", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
                    {"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"},
                ],
                "Egress": [{"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
            },
        }
    ],
    "flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "198.51.100.20"},
}
CHAT = ["445端口能用吗", "那 UDP 呢?", "can I listen on 3389?", "安全组为什么删不掉"]
TARGETS = ("answer", "ports", "evaluate", "webhook")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


def requests_for(target: str) -> list[Request]:
    """The fixed requests of an app target, sent in rotation."""
    if target == "answer":
        return [Request("POST", "/v1/answer", json.dumps({"question": q}).encode()) for q in QUESTIONS]
    if target == "ports":
        return [Request("GET", f"/v1/ports/{p}/{n}") for p, n in PORTS]
    if target == "evaluate":
        return [Request("POST", "/v1/security-groups/evaluate", json.dumps(EVALUATE).encode())]
    raise ValueError(f"no fixed requests for {target!r}")


def webhook_request(run_id: str, connection: int, n: int) -> Request:
    """Turn ``n`` of connection ``connection``: a fresh conversation every ``len(CHAT)`` turns."""
    sender = f"load-{run_id}-{connection}-{n // len(CHAT)}"
    body = json.dumps({"sender": sender, "message": CHAT[n % len(CHAT)]}, ensure_ascii=False).encode()
    return Request("POST", "/webhooks/rest/webhook", body)
