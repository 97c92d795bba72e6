"""Reading one message into the case: target, direction, source, symptoms and claims."""

from __future__ import annotations

import pytest

from diagnosis import Case, Diagnoser
from diagnosis.understanding import understand

CASES = [
    # (message, ports, protocols, service, direction, symptoms ⊇, claims ⊇)
    ("8443访问不了", (8443,), ("tcp",), None, "ingress", {"fails"}, set()),
    # "远程连接" is SSH on Linux or RDP on Windows: both ports, as alternatives.
    ("远程连接一直超时", (22, 3389), ("tcp",), "remote_login", "ingress", {"timeout"}, set()),
    ("redis refuses connections from my laptop", (6379,), ("tcp",), "redis", "ingress", {"refused"}, set()),
    # apt hanging is the instance reaching out: outbound, the web and DNS ports.
    ("机器上不了网 apt update 卡住", (80, 443, 53), ("tcp", "udp"), "internet_access", "egress", {"timeout"}, set()),
    # "安全组80也放了" names port 80 and claims the rule is there; "突然" says it worked before.
    ("网站突然打不开了 安全组80也放了", (80,), ("tcp",), "website", "ingress", {"worked_before"}, {"rule_added"}),
    ("昨天还能ssh 今天一直连接超时", (22,), ("tcp",), "ssh", "ingress", {"worked_before", "timeout"}, set()),
    (
        "postgres refuses remote connections though 5432 is open in the security group",
        (5432,),
        ("tcp",),
        "postgresql",
        "ingress",
        {"refused"},
        {"rule_added"},
    ),
    # A named service fixes the protocol: SSH is TCP only, even on a port the user picked.
    ("改了ssh端口为2222后就连不上了", (2222,), ("tcp",), "ssh", "ingress", {"after_port_change"}, set()),
    # "22 改成 2222": the port after "改成" is the new one.
    ("ssh端口从22改成2222后超时", (2222,), ("tcp",), "ssh", "ingress", {"timeout"}, set()),
    ("服务器ping不通", (), ("icmp",), None, "ingress", {"ping_fails"}, set()),
    ("UDP 27015 不通，TCP 正常", (27015,), ("udp",), None, "ingress", {"udp_fails"}, set()),
    ("服务器发不出邮件，连接 smtp 25 端口超时", (25,), ("tcp",), "smtp", "egress", {"timeout"}, set()),
    # Quantities, ordinals, dates and versions are not ports.
    (
        "3台 2核4G 的 ubuntu 22.04，第3条规则之后 2024-05-01 起 8080 超时",
        (8080,),
        ("tcp",),
        None,
        "ingress",
        {"timeout"},
        set(),
    ),
    ("我执行了 iptables -F 之后 ssh 就连不上了", (22,), ("tcp",), "ssh", "ingress", {"fails"}, {"iptables_flushed"}),
    # A specific service replaces the broad "远程连接".
    ("mysql 远程连接被拒绝", (3306,), ("tcp",), "mysql", "ingress", {"refused"}, set()),
]


@pytest.mark.parametrize(("text", "ports", "protocols", "service", "direction", "symptoms", "claims"), CASES)
def test_a_message_fills_the_case(
    diagnoser: Diagnoser,
    text: str,
    ports: tuple[int, ...],
    protocols: tuple[str, ...],
    service: str | None,
    direction: str,
    symptoms: set[str],
    claims: set[str],
) -> None:
    case = understand(Case(), text, diagnoser.vocab, diagnoser.lexicon).case
    assert (case.target.ports, case.target.protocols, case.target.service) == (ports, protocols, service), case.target
    assert case.direction == direction
    assert symptoms <= set(case.symptoms), case.symptoms
    assert claims <= set(case.claims), case.claims


@pytest.mark.parametrize(
    ("text", "kind", "address"),
    [
        ("my ip is 203.0.113.9 and ssh times out", "client", "203.0.113.9"),
        ("我的IP是 1.2.3.4，连22超时", "client", "1.2.3.4"),
        # A private address of the user's is the VPC (carrier blocks do not apply to it).
        ("从内网 10.0.0.5 访问 3306 超时", "vpc", "10.0.0.5"),
        # The address someone allowed is not the user's: no source is taken from it.
        ("other IPs get in on port 22 although I allowed only 203.0.113.7", "unknown", None),
        ("redis refuses connections from my laptop", "client", None),
    ],
)
def test_where_the_user_connects_from(diagnoser: Diagnoser, text: str, kind: str, address: str | None) -> None:
    case = understand(Case(), text, diagnoser.vocab, diagnoser.lexicon).case
    assert (case.source.kind, case.source.address) == (kind, address)


def test_the_language_follows_the_prose_not_the_paste(diagnoser: Diagnoser) -> None:
    # An English paste after a Chinese sentence is still a Chinese conversation.
    text = "防火墙如下\n-P INPUT DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT"
    assert understand(Case(), text, diagnoser.vocab, diagnoser.lexicon).case.language == "zh"
    assert (
        understand(Case(language="zh", turns=1), "-P INPUT DROP", diagnoser.vocab, diagnoser.lexicon).case.language
        == "zh"
    )


def test_a_paste_becomes_evidence_and_its_numbers_are_not_ports(diagnoser: Diagnoser) -> None:
    text = "redis 连不上\n" + (
        "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
        'tcp   LISTEN 0      128        127.0.0.1:6379      0.0.0.0:*    users:(("redis-server",pid=7,fd=6))'
    )
    understood = understand(Case(), text, diagnoser.vocab, diagnoser.lexicon)
    assert understood.case.target.ports == (6379,)  # from the service, not 128 or 7 from the paste
    assert [e.format for e in understood.case.evidence] == ["ss"]
    assert understood.case.evidence[0].line_offset == 1  # the sentence above the paste


def test_an_unreadable_paste_says_which_line_and_what_to_paste(diagnoser: Diagnoser) -> None:
    text = "规则如下\nDirection\tType\tSource\tProtocol Port\tPolicy\nInbound\tCustom\t0.0.0.0/0\tTCP: 20 to 21\tAllow"
    understood = understand(Case(), text, diagnoser.vocab, diagnoser.lexicon)
    assert not understood.case.evidence
    assert len(understood.needs) == 1
    need = understood.needs[0]
    assert "第 3 行" in need and "TCP: 20 to 21" in need  # the line in the user's message, and the cell
    assert "DescribeSecurityGroupPolicies" in need  # what to paste instead
