"""Demo connectivity cases: troubleshooting conversations for the dashboard, its tests and the benchmark.

Each scenario is a case the diagnosis engine works through (docs/troubleshooting.md): what
the user says and pastes turn by turn, the checks and the cause after each answer, and the
evidence the case keeps. A demo conversation plays a scenario to its conclusion, stops
half-way (abandoned, sometimes with a goodbye) or asks for a human (a ticket that carries
the case as the bot had it). Cases are valid ``CaseBody`` JSON (api/schemas_diagnose.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from deflection import outcomes as oc

SG_OPEN_WEB = (
    '{"SecurityGroupId":"sg-2k8f1ha3","SecurityGroupPolicySet":{"Ingress":['
    '{"PolicyIndex":0,"Protocol":"TCP","Port":"80,443","CidrBlock":"0.0.0.0/0","Action":"ACCEPT"},'
    '{"PolicyIndex":1,"Protocol":"ALL","Port":"ALL","CidrBlock":"0.0.0.0/0","Action":"DROP"}],"Egress":[]}}'
)
SG_NO_EGRESS = (
    '{"SecurityGroupId":"sg-7hq2m0xd","SecurityGroupPolicySet":{"Ingress":[],"Egress":['
    '{"PolicyIndex":0,"Protocol":"ALL","Port":"ALL","CidrBlock":"0.0.0.0/0","Action":"DROP"}]}}'
)
IPTABLES_8443 = (
    "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 8443 -j DROP"
)
SS_LOOPBACK = 'LISTEN 0 511 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=812,fd=6))'
NETSTAT_NO_MYSQL = "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      901/sshd"
SS_WEB = 'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=1203,fd=6))'


@dataclass(frozen=True)
class Step:
    """One user message of a case and the bot's answer: the checks after it and the cause."""

    zh: str
    en: str
    checks: tuple[tuple[str, str], ...]  # (check id, status) after the answer
    cause: str | None = None
    evidence: dict[str, Any] | None = None  # what this message adds to the case's evidence
    claims: tuple[str, ...] = ()
    intent: str = "paste_evidence"


@dataclass(frozen=True)
class Scenario:
    """A connectivity case from its description to its cause."""

    target: dict[str, Any]
    steps: tuple[Step, ...]
    symptoms: tuple[str, ...] = ()
    direction: str = "ingress"
    source: str = "unknown"
    weight: float = 1.0


def _groups(text: str) -> dict[str, Any]:
    return {"kind": "security_groups", "format": "tencent_json", "groups": [json.loads(text)]}


def _paste(kind: str, fmt: str, text: str) -> dict[str, Any]:
    return {"kind": kind, "format": fmt, "text": text, "line_offset": 0}


def _target(service: str | None, ports: Sequence[int], protocols: Sequence[str] = ("tcp",)) -> dict[str, Any]:
    return {"service": service, "ports": list(ports), "protocols": list(protocols), "alternatives": False}


def _described(zh: str, en: str, checks: tuple[tuple[str, str], ...], cause: str | None = None) -> Step:
    return Step(zh, en, checks, cause, intent="describe_problem")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        _target("ssh", [22]),
        (
            _described(
                "远程连接一直超时，22端口连不上",
                "ssh to my server times out",
                (("carrier_port", "passed"), ("sg_inbound", "todo"), ("host_firewall", "todo"), ("listener", "todo")),
            ),
            Step(
                SG_OPEN_WEB,
                SG_OPEN_WEB,
                (("carrier_port", "passed"), ("sg_inbound", "failed")),
                "sg_no_matching_allow",
                _groups(SG_OPEN_WEB),
            ),
        ),
        symptoms=("timeout",),
        weight=3.0,
    ),
    Scenario(
        _target(None, [8443]),
        (
            _described(
                "8443访问不了",
                "can't reach port 8443 on my cvm",
                (("carrier_port", "passed"), ("sg_inbound", "todo"), ("host_firewall", "todo"), ("listener", "todo")),
            ),
            Step(
                "安全组已经放通了，还是不行",
                "the security group allows it already, still doesn't work",
                (
                    ("carrier_port", "passed"),
                    ("sg_inbound", "unknown"),
                    ("host_firewall", "todo"),
                    ("listener", "todo"),
                ),
                claims=("rule_added",),
                intent="still_not_working",
            ),
            Step(
                IPTABLES_8443,
                IPTABLES_8443,
                (("carrier_port", "passed"), ("sg_inbound", "unknown"), ("host_firewall", "failed")),
                "os_firewall_drop",
                _paste("host_firewall", "iptables_rules", IPTABLES_8443),
            ),
        ),
        symptoms=("timeout",),
        weight=2.0,
    ),
    Scenario(
        _target("redis", [6379]),
        (
            _described(
                "本地连不上服务器上的redis，提示拒绝连接",
                "redis refuses connections from my laptop",
                (("carrier_port", "passed"), ("listener", "todo"), ("host_firewall", "todo"), ("sg_inbound", "todo")),
            ),
            Step(
                SS_LOOPBACK,
                SS_LOOPBACK,
                (("carrier_port", "passed"), ("listener", "failed")),
                "listening_loopback_only",
                _paste("listeners", "ss", SS_LOOPBACK),
            ),
        ),
        symptoms=("refused",),
        source="client",
        weight=2.0,
    ),
    Scenario(
        _target("mysql", [3306]),
        (
            _described(
                "mysql 3306 连接被拒绝",
                "mysql on 3306 says connection refused",
                (("carrier_port", "passed"), ("listener", "todo"), ("host_firewall", "todo"), ("sg_inbound", "todo")),
            ),
            Step(
                NETSTAT_NO_MYSQL,
                NETSTAT_NO_MYSQL,
                (("carrier_port", "passed"), ("listener", "failed")),
                "not_listening",
                _paste("listeners", "netstat", NETSTAT_NO_MYSQL),
            ),
        ),
        symptoms=("refused",),
    ),
    Scenario(
        _target("ssh", [22]),
        (
            Step(
                "我只放通了家里的IP，换了网络就连不上了",
                "I only allowed my home IP and now I changed networks",
                (("carrier_port", "passed"), ("source_ip", "failed")),
                "sg_source_mismatch",
                claims=("own_ip_only",),
                intent="describe_problem",
            ),
        ),
        symptoms=("changed_network",),
        source="client",
    ),
    Scenario(
        _target("smtp", [25]),
        (
            _described(
                "服务器发不了邮件，25端口连不上外面",
                "can't send mail from my instance, port 25 times out",
                (("tcp25_outbound", "failed"),),
                "tcp25_restricted",
            ),
        ),
        symptoms=("timeout",),
        direction="egress",
    ),
    Scenario(
        _target("internet_access", [80, 443]),
        (
            _described(
                "机器上不了网 apt update 卡住",
                "apt update hangs, the server has no internet",
                (("host_firewall_out", "todo"), ("sg_outbound", "todo")),
            ),
            Step(
                SG_NO_EGRESS,
                SG_NO_EGRESS,
                (("host_firewall_out", "todo"), ("sg_outbound", "failed")),
                "outbound_blocked",
                _groups(SG_NO_EGRESS),
            ),
        ),
        direction="egress",
    ),
    Scenario(
        _target("smb", [445]),
        (
            _described(
                "服务器 445 端口外网访问不了",
                "port 445 is unreachable from outside",
                (("carrier_port", "failed"),),
                "carrier_blocked",
            ),
        ),
        weight=0.5,
    ),
    Scenario(  # every check passes: the engine cannot tell, the case goes to a person
        _target("website", [80, 443]),
        (
            _described(
                "网站打不开",
                "my website doesn't load",
                (("carrier_port", "passed"), ("sg_inbound", "todo"), ("listener", "todo"), ("host_firewall", "todo")),
            ),
            Step(
                SS_WEB,
                SS_WEB,
                (("carrier_port", "passed"), ("sg_inbound", "todo"), ("listener", "passed"), ("host_firewall", "todo")),
                evidence=_paste("listeners", "ss", SS_WEB),
            ),
            Step(
                "安全组放通了，iptables -F 也执行了，还是不行",
                "the security group allows it and I ran iptables -F, still doesn't work",
                (
                    ("carrier_port", "passed"),
                    ("sg_inbound", "unknown"),
                    ("listener", "passed"),
                    ("host_firewall", "unknown"),
                ),
                "unknown",
                claims=("rule_added", "iptables_flushed"),
                intent="still_not_working",
            ),
        ),
        symptoms=("fails",),
    ),
)
THANKS = {"zh": "好了，谢谢", "en": "that fixed it, thanks"}
GOODBYE = {"zh": "好的 我再看看 再见", "en": "ok I'll look into it, bye"}


class TurnWriter(Protocol):
    """What a case conversation writes with (deflection/seed.py's writer)."""

    @property
    def language(self) -> str: ...

    def turn(self, text: str, outcome: str, **extra: Any) -> dict[str, Any]: ...

    def feedback(self, answer: dict[str, Any], useful: bool) -> None: ...

    def hand_off(self, case: dict[str, Any] | None = None) -> None:
        """The user asks for a person: a hand-off turn, and a ticket with ``case``."""


@dataclass
class _Played:
    """A scenario played so far: its steps' claims and evidence, the last answer."""

    scenario: Scenario
    language: str
    steps: list[Step] = field(default_factory=list)

    def case(self) -> dict[str, Any]:
        """The case as the bot carries it after the last step (what a hand-off sends)."""
        last = self.steps[-1]
        return {
            "version": 1,
            "language": self.language,
            "turns": len(self.steps),
            "target": self.scenario.target,
            "direction": self.scenario.direction,
            "source": {"kind": self.scenario.source, "address": None},
            "symptoms": list(self.scenario.symptoms),
            "claims": sorted({c for s in self.steps for c in s.claims}),
            "evidence": [s.evidence for s in self.steps if s.evidence is not None],
            "checks": [{"id": i, "status": status} for i, status in last.checks],
            "cause": last.cause,
        }


def play_case(rng: random.Random, writer: TurnWriter) -> None:
    """A troubleshooting conversation: to the cause, half-way (abandoned), or to a person."""
    scenario = rng.choices(SCENARIOS, weights=[s.weight for s in SCENARIOS])[0]
    played = _Played(scenario, writer.language)
    r = rng.random()
    # Most cases are followed to their end; a fifth stop half-way, some ask for a person.
    length = len(scenario.steps) if r < 0.7 or len(scenario.steps) == 1 else rng.randint(1, len(scenario.steps) - 1)
    answer: dict[str, Any] = {}
    for step in scenario.steps[:length]:
        played.steps.append(step)
        text = step.zh if writer.language == "zh" else step.en
        answer = writer.turn(text, oc.DIAGNOSIS, intent=step.intent, cause=step.cause)
    _end(rng, writer, played, answer)


def _end(rng: random.Random, writer: TurnWriter, played: _Played, answer: dict[str, Any]) -> None:
    """What the user does after the bot's last answer."""
    cause = played.steps[-1].cause
    language = writer.language
    if cause == "unknown" or rng.random() < 0.12:  # nothing found, or the user would rather talk to a person
        if rng.random() < 0.85:
            writer.hand_off(played.case())
        return
    if cause is not None:
        if rng.random() < 0.4:
            writer.feedback(answer, rng.random() < 0.85)
        elif rng.random() < 0.5:
            writer.turn(THANKS[language], oc.SMALLTALK, intent="thank")
    elif rng.random() < 0.3:  # undecided: the user leaves, sometimes saying so
        writer.turn(GOODBYE[language], oc.SMALLTALK, intent="goodbye")
