"""Conclusions: the cause, what decided it (as the user wrote it), and the fix with its command."""

from __future__ import annotations

import json

import pytest

from diagnosis import Diagnoser
from tests.diagnosis.conftest import paste, start

CASES = [
    # (message, cause, decided_by.source, label part, text part, command part)
    # redis' default bind: listening on 127.0.0.1, so outside connections are refused.
    (
        "redis refuses connections from my laptop\n" + paste("host/ss_lntup.txt"),
        "listening_loopback_only",
        "listener",
        "of the ss output",
        "127.0.0.1:6379",
        None,
    ),
    # netstat shows postgres on ::1 only (tcp6).
    (
        "pg 5432 外部连接被拒绝\n" + paste("host/netstat_lntup.txt"),
        "listening_loopback_only",
        "listener",
        "netstat",
        "::1:5432",
        None,
    ),
    (
        "connection refused on port 7000\n" + paste("host/ss_lntup.txt"),
        "not_listening",
        "listener",
        "no socket on TCP 7000",
        "listening:",
        None,
    ),
    # The DROP is in a user chain: the ACCEPT goes into that chain, before it.
    (
        "mysql 3306 连接超时\n" + paste("host/iptables_S.txt"),
        "os_firewall_drop",
        "iptables",
        "MYCHAIN",
        "-A MYCHAIN -p tcp -m tcp --dport 3306 -j DROP",
        "iptables -I MYCHAIN 1 -p tcp --dport 3306 -j ACCEPT",
    ),
    # The trailing REJECT is rule 10 of INPUT: insert at 10, before it.
    (
        "8443 访问不了\n" + paste("host/iptables_L_nv_lines.txt"),
        "os_firewall_drop",
        "iptables",
        "INPUT",
        "reject-with tcp-reset",
        "iptables -I INPUT 10 -p tcp --dport 8443 -j ACCEPT",
    ),
    # nft: the rule goes to the head of the table's input chain.
    (
        "8000 端口超时\n" + paste("host/nft_native.txt"),
        "os_firewall_drop",
        "nft",
        "input",
        "reject with icmpx admin-prohibited",
        "nft insert rule inet filter input tcp dport 8000 accept",
    ),
    # firewalld's zone target rejects what no service or port allows: add the port, reload.
    (
        "3306 连不上\n" + paste("host/firewalld_public_modified.txt"),
        "os_firewall_drop",
        "firewalld",
        "public",
        "target: default",
        "firewall-cmd --permanent --zone=public --add-port=3306/tcp",
    ),
    # Outbound: the OUTPUT chain's policy DROP decides (the chain's only rule is for SSH replies).
    (
        "yum 卡住了 防火墙规则如下\n" + paste("host/doc_sky_joker_iptables_nLv.txt"),
        "os_firewall_drop",
        "iptables",
        "OUTPUT",
        "OUTPUT policy DROP",
        "iptables -A OUTPUT -p tcp --dport 80 -j ACCEPT",
    ),
    # Security groups: the catch-all DROP decides; the new rule goes at its PolicyIndex.
    (
        "8080 打不开\n" + paste("data/sg_ssh_office.tsv"),
        "sg_no_matching_allow",
        "security_group",
        "PolicyIndex 2",
        "0.0.0.0/0 ALL DROP",
        '"Ingress":[{"PolicyIndex":2,"Protocol":"TCP","Port":"8080","CidrBlock":"0.0.0.0/0","Action":"ACCEPT"}]',
    ),
    # SSH is allowed from the office block only; the user's own address gets the rule.
    (
        "ssh 超时 我的IP是 203.0.113.9\n" + paste("data/sg_ssh_office.tsv"),
        "sg_source_mismatch",
        "security_group",
        "PolicyIndex 2",
        "0.0.0.0/0 ALL DROP",
        '"CidrBlock":"203.0.113.9/32"',
    ),
    # The ACCEPT for 3389 sits below a DROP for 3389: copy it above (PolicyIndex 0).
    (
        "远程桌面连接超时\n" + paste("data/sg_drop_above.json"),
        "sg_rule_after_drop",
        "security_group",
        "PolicyIndex 0",
        '"block rdp"',
        '{"PolicyIndex":0,"Protocol":"TCP","Port":"3389","CidrBlock":"0.0.0.0/0","Action":"ACCEPT","PolicyDescription":"rdp"}',
    ),
    # A DROP for 3306 alone, and no ACCEPT for it anywhere below.
    (
        "mysql 连接超时\n" + paste("data/sg_specific_drop.json"),
        "sg_drop_rule",
        "security_group",
        "PolicyIndex 0",
        '"no public mysql"',
        '{"PolicyIndex":0,"Protocol":"TCP","Port":"3306"',
    ),
    # A TCP rule for a UDP game server.
    (
        "game server on UDP 27015 not reachable, TCP works\n" + paste("data/sg_tcp_only.tsv"),
        "sg_protocol_mismatch",
        "security_group",
        "default deny",
        "",
        '"Protocol":"UDP","Port":"27015"',
    ),
    # The first-bound group drops 8080 before the second group's ACCEPT is read.
    (
        "port 8080 times out since I bound sg-app00002\n" + paste("data/sg_two_groups.json"),
        "sg_other_group",
        "security_group",
        "sg-base0001",
        '"deny all"',
        "--SecurityGroupId sg-base0001",
    ),
    # Another group allows everyone in, whatever the restricted group says.
    (
        "other IPs get in on port 22 although I allowed only 203.0.113.7\n" + paste("data/sg_two_groups_open.json"),
        "sg_other_group",
        "security_group",
        "sg-default1",
        '"allow all"',
        None,
    ),
    (
        "其他IP也能ssh进来 我只允许了203.0.113.7\n" + paste("data/sg_broad.tsv"),
        "sg_broad_allow",
        "security_group",
        "PolicyIndex 0",
        "0.0.0.0/0 ALL ACCEPT",
        None,
    ),
    # Outbound rules drop everything but the VPC.
    (
        "apt update 卡住，出站规则如下\n" + paste("data/sg_egress_drop.tsv"),
        "outbound_blocked",
        "security_group",
        "PolicyIndex 1",
        "0.0.0.0/0 ALL DROP",
        '"Egress":[{"PolicyIndex":1,"Protocol":"TCP","Port":"80","CidrBlock":"0.0.0.0/0","Action":"ACCEPT"}]',
    ),
    ("445端口访问不了，安全组已经放通了", "carrier_blocked", "port_policy", "不支持的端口", "445", None),
    (
        "can't send email from my server, smtp on port 25 times out",
        "tcp25_restricted",
        "port_policy",
        "TCP 25",
        "TCP 25",
        None,
    ),
    # No rules pasted: the user's own words decide.
    (
        "I only allowed my home IP for ssh and now I'm at the office and it times out",
        "sg_source_mismatch",
        "statement",
        "what you said",
        "",
        None,
    ),
]


@pytest.mark.parametrize(("text", "cause", "source", "label", "rule", "command"), CASES)
def test_the_cause_names_what_decided_and_how_to_fix_it(
    diagnoser: Diagnoser, text: str, cause: str, source: str, label: str, rule: str, command: str | None
) -> None:
    diagnosis = start(diagnoser, text)
    assert diagnosis.cause == cause, (diagnosis.summary, diagnosis.decided_by)
    decided = diagnosis.decided_by
    assert decided is not None and decided.source == source
    assert label in decided.label, decided.label
    assert rule in decided.text, decided.text
    assert decided.reason  # the rule engine's explanation
    assert diagnosis.fix is not None and diagnosis.fix.summary and diagnosis.summary
    assert diagnosis.faq_ids or cause == "listening_loopback_only" or cause == "not_listening"
    commands = [c.command for c in diagnosis.fix.commands]
    if command is None:
        assert all("CreateSecurityGroupPolicies" not in c for c in commands) or cause == "sg_other_group"
    else:
        assert any(command in c for c in commands), commands


def test_a_tccli_command_carries_valid_json(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "8080 timed out\n" + paste("data/sg_ssh_office.tsv"))
    assert diagnosis.fix is not None
    (command,) = [c for c in diagnosis.fix.commands if c.tool == "tccli"]
    prefix = "tccli vpc CreateSecurityGroupPolicies --SecurityGroupId sg-xxxxxxxx --SecurityGroupPolicySet '"
    assert command.command.startswith(prefix) and command.command.endswith("'")
    policy_set = json.loads(command.command[len(prefix) : -1])
    assert policy_set == {
        "Ingress": [{"PolicyIndex": 2, "Protocol": "TCP", "Port": "8080", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]
    }
    # The console paste gave no group id: the reply says to put it in.
    assert any("sg-xxxxxxxx" in need for need in diagnosis.needs)


def test_a_chinese_conversation_gets_chinese_words_around_the_rule(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "mysql 连接超时\n" + paste("data/sg_specific_drop.json"))
    assert diagnosis.title == "一条拒绝规则挡住了流量"
    assert "拒绝了入站 TCP 3306" in diagnosis.summary
    assert diagnosis.fix is not None and diagnosis.fix.console_steps[0].startswith("登录安全组控制台")
