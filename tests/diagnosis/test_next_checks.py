"""Next checks: ranked for the symptom, moved by what the user says, carried across turns."""

from __future__ import annotations

import pytest

from diagnosis import Diagnoser
from tests.diagnosis.conftest import converse, paste, start

FIRST = [
    # (message, first check to make, a word its "how" must contain)
    # No symptom: most new ports fail on the security group.
    ("8443访问不了", "sg_inbound", "入站规则"),
    # A timeout means something filters: the security group first.
    ("cannot ssh into my cvm, connection timed out", "sg_inbound", "DescribeSecurityGroupPolicies"),
    # "Refused" means packets arrive: the listener first, not the security group.
    ("redis refuses connections from my laptop", "listener", "ss -lntup"),
    ("remote desktop connection refused", "listener", "netstat -ano"),
    ("connection reset when connecting to port 9000", "listener", "ss -lntup"),
    # The instance reaching out: its outbound rules.
    ("机器上不了网 apt update 卡住", "sg_outbound", "出站规则"),
    # The user says the rule is there: never "add the rule" again; the next hop.
    ("I already added the rule for 8080 but it still times out", "host_firewall", "iptables -S"),
    # "iptables -F" leaves the chain's policy: look at it.
    ("我执行了 iptables -F 之后 ssh 就连不上了", "iptables_policy", "-P INPUT"),
    # A new group, or addresses getting in that should not: which groups are bound, in which order.
    ("绑定了新的安全组以后网站就打不开了", "sg_bound_groups", "DescribeInstances"),
    ("other IPs can still reach port 22 even though I only allowed 203.0.113.7", "sg_bound_groups", "SecurityGroupIds"),
    # Worked before and the rule is claimed: the service itself first.
    ("网站突然打不开了 安全组80也放了", "listener", "ss -lntup"),
    ("防火墙已经关了 安全组也全部放通了 还是连不上 8080", "listener", "ss -lntup"),
]


@pytest.mark.parametrize(("text", "check", "how"), FIRST)
def test_the_first_check_suits_the_symptom(diagnoser: Diagnoser, text: str, check: str, how: str) -> None:
    diagnosis = start(diagnoser, text)
    assert diagnosis.cause is None
    assert diagnosis.next_check == check, [(c.id, c.status) for c in diagnosis.checks]
    first = next(c for c in diagnosis.checks if c.id == check)
    assert how in first.how and first.why and first.title
    assert first.paste in diagnosis.needs  # what to paste back is asked for


def test_a_claimed_rule_is_asked_for_last_and_never_added_again(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "postgres refuses remote connections though 5432 is open in the security group")
    ids = [c.id for c in diagnosis.checks if c.status == "todo"]
    assert ids[-1] == "sg_inbound"
    assert diagnosis.fix is None  # no conclusion, so no "add a rule" either
    sg = next(c for c in diagnosis.checks if c.id == "sg_inbound")
    assert "添加" not in sg.how and "Add rule" not in sg.how  # it asks to see the rules, not to add one


def test_still_not_working_moves_to_the_next_check(diagnoser: Diagnoser) -> None:
    diagnosis = converse(diagnoser, "8443访问不了", "还是不行")
    states = {c.id: c.status for c in diagnosis.checks}
    assert states["sg_inbound"] == "unknown"  # done, by the user's word
    assert diagnosis.next_check == "listener"


def test_after_a_conclusion_still_not_working_drops_the_stale_evidence(diagnoser: Diagnoser) -> None:
    # The fix was applied (the pasted rules are outdated): ask the next hop, not the same fix again.
    diagnosis = converse(diagnoser, "远程桌面连不上，一直超时", paste("data/sg_drop_above.json"), "改了还是不行")
    assert diagnosis.cause is None
    assert not diagnosis.case.evidence_of("security_groups")
    assert diagnosis.next_check == "host_firewall"


def test_checks_run_out_into_unknown(diagnoser: Diagnoser) -> None:
    diagnosis = converse(diagnoser, "ssh 超时", "还是不行", "还是不行", "still doesn't work")
    assert diagnosis.cause == "unknown"
    assert diagnosis.next_check is None
    assert diagnosis.fix is not None and not diagnosis.fix.commands  # hand it to a person


def test_a_verdict_that_depends_on_the_source_asks_for_the_address(diagnoser: Diagnoser) -> None:
    first = converse(diagnoser, "ssh 超时", paste("data/sg_ssh_office.tsv"))
    sg = next(c for c in first.checks if c.id == "sg_inbound")
    assert sg.status == "unknown" and "only from some sources" in sg.detail
    assert first.next_check == "source_ip"
    # Given the address, the engine decides.
    second = converse(diagnoser, "ssh 超时", paste("data/sg_ssh_office.tsv"), "我的ip是 203.0.113.9")
    assert second.cause == "sg_source_mismatch"


def test_evidence_that_passes_is_passed_and_the_next_hop_is_asked(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "ssh 22 拒绝连接\n" + paste("host/centos_L_nv.txt"))
    states = {c.id: c.status for c in diagnosis.checks}
    assert states["host_firewall"] == "passed"
    assert "ACCEPTs it" in next(c.detail for c in diagnosis.checks if c.id == "host_firewall")
    assert diagnosis.next_check == "listener"


def test_ping_skips_the_listener(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "can't ping my instance")
    assert [c.id for c in diagnosis.checks] == ["sg_inbound", "host_firewall"]


def test_a_message_without_a_port_asks_which(diagnoser: Diagnoser) -> None:
    diagnosis = start(diagnoser, "服务器连不上")
    assert diagnosis.needs[0].startswith("是哪个端口或服务")
