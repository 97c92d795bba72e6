"""Reading rules copied from the console's security-group rule table.

Tables under data/console/ are those Tencent Cloud's "Security Group Use Cases" page
prints (sources in data/console/README.md). No document prints the console's own list
(备注, 修改时间, 操作 columns) as text, so the cases marked "console list layout" put the
documented cell values into those columns.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence import UnreadableEvidenceError, read_evidence, sg_json
from evidence.sg_console import looks_like, read
from rules import RuleEngine

DATA = Path(__file__).parent / "data" / "console"
TO_PASTE = "header row"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def rules_of(text: str, direction: str = "Ingress") -> list[dict[str, Any]]:
    return list(read(text).value.canonical[0]["SecurityGroupPolicySet"][direction])


WEB = [
    {"PolicyIndex": 0, "Protocol": "TCP", "Port": "80", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
    {"PolicyIndex": 1, "Protocol": "TCP", "Port": "443", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
]


@pytest.fixture(scope="module")
def engine(kb: Any) -> RuleEngine:
    return RuleEngine.from_knowledge(kb)


# --- tables from the documentation -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("zh_cvm_case5_web_all_ips.tsv", WEB),
        ("en_cvm_case5_web_all_ips.tsv", WEB),  # "TCP: 80" with a space, "Allow"
        (
            "zh_cvm_case10_ftp.tsv",
            [{"PolicyIndex": 0, "Protocol": "TCP", "Port": "20-21", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
        ),
    ],
)
def test_documented_tables(name: str, rules: list[dict[str, Any]]) -> None:
    text = sample(name)
    assert looks_like(text) and not sg_json.looks_like(text)
    reading = read(text)
    assert reading.format == "console_table" and reading.kind == "security_groups"
    assert rules_of(text) == rules
    assert reading.value.directions == ("ingress",)
    assert reading.skipped == ()
    # The 类型 column of the documents names rule templates; the reader says it did not use it.
    assert any("rule templates" in n for n in reading.notes)
    assert any("order in the paste" in n for n in reading.notes)


@pytest.mark.parametrize(
    ("name", "flow", "action", "decided_by"),
    [
        ("zh_cvm_case5_web_all_ips.tsv", {"protocol": "tcp", "port": 443, "remote": "198.51.100.20"}, "ACCEPT", 1),
        # Only 80 and 443 are allowed: SSH falls to the default deny.
        ("zh_cvm_case5_web_all_ips.tsv", {"protocol": "tcp", "port": 22, "remote": "198.51.100.20"}, "DROP", None),
        ("en_cvm_case5_web_all_ips.tsv", {"protocol": "tcp", "port": 80, "remote": "10.2.3.4"}, "ACCEPT", 0),
        ("zh_cvm_case10_ftp.tsv", {"protocol": "tcp", "port": 21, "remote": "10.2.3.4"}, "ACCEPT", 0),
    ],
)
def test_round_trip_evaluates(
    engine: RuleEngine, name: str, flow: dict[str, Any], action: str, decided_by: int | None
) -> None:
    canonical = list(read(sample(name)).value.canonical)
    decision = engine.evaluate_request(canonical, {"direction": "ingress", **flow})
    assert decision.action == action
    assert (decision.decided_by.policy_index if decision.decided_by else None) == decided_by
    assert decision.explanation


@pytest.mark.parametrize(
    ("name", "lines", "message"),
    [
        # the documents' placeholder where the console shows an address
        ("zh_cvm_case5_web_some_ips.tsv", [2, 3], "is not an IP address"),
        ("zh_cvm_case8_egress_only_one_ip.tsv", [2], "destination"),
        ("en_cvm_case8_egress_only_one_ip.tsv", [2], "Required protocol and port number"),
        # "TCP: 20 to 21" is prose, not the console's 20-21
        ("en_cvm_case10_ftp.tsv", [2], "TCP: 20 to 21"),
    ],
)
def test_documented_placeholders_are_refused(name: str, lines: list[int], message: str) -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        read(sample(name))
    error = caught.value
    assert sorted({p.line for p in error.problems if p.line is not None}) == lines
    assert any(message in p.problem for p in error.problems)
    assert TO_PASTE in error.needs and "tccli" in error.needs
    assert f"line {lines[0]}:" in str(error)


# --- the same rows as people paste them ----------------------------------------------

ZH_ROWS = sample("zh_cvm_case5_web_all_ips.tsv").splitlines()


@pytest.mark.parametrize(
    "text",
    [
        # tabs turned into runs of spaces (as chat apps do)
        "\n".join(line.replace("\t", "    ") for line in ZH_ROWS),
        # single spaces: each cell is told by its shape
        "\n".join(line.replace("\t", " ") for line in ZH_ROWS),
        # no header: the 方向 cell gives the direction
        "\n".join(ZH_ROWS[1:]),
        # a label line names the direction of header-less rows without a 方向 cell
        "入站规则\n0.0.0.0/0\tTCP:80\t允许\n0.0.0.0/0\tTCP:443\t允许",
    ],
)
def test_the_same_rows_in_other_layouts(text: str) -> None:
    assert looks_like(text)
    assert rules_of(text) == WEB


@pytest.mark.parametrize(
    ("text", "direction", "rules"),
    [
        # console list layout, Chinese: remark and modification time, operation buttons
        (
            "来源\t协议端口\t策略\t备注\t修改时间\t操作\n"
            "0.0.0.0/0\tTCP:80\t允许\tHTTP（80）\t2017-03-12 10:00:00\t编辑 插入 删除\n"
            "::/0\tTCP:80,443\t允许\t\t2017-03-12 10:00:00\t编辑 插入 删除",
            "Ingress",
            [
                {
                    "PolicyIndex": 0,
                    "Protocol": "TCP",
                    "Port": "80",
                    "CidrBlock": "0.0.0.0/0",
                    "Action": "ACCEPT",
                    "PolicyDescription": "HTTP（80）",
                },
                {"PolicyIndex": 1, "Protocol": "TCP", "Port": "80,443", "Ipv6CidrBlock": "::/0", "Action": "ACCEPT"},
            ],
        ),
        # console list layout, English, single spaces: the remark "HTTP (80)" holds a space
        (
            "Source Protocol port Policy Remarks Modification time Operation\n"
            "0.0.0.0/0 TCP: 80 Allow HTTP (80) 2017-03-12 10:00:00 Edit Insert Delete",
            "Ingress",
            [
                {
                    "PolicyIndex": 0,
                    "Protocol": "TCP",
                    "Port": "80",
                    "CidrBlock": "0.0.0.0/0",
                    "Action": "ACCEPT",
                    "PolicyDescription": "HTTP (80)",
                }
            ],
        ),
        # outbound: 目标 (destination); ALL and 拒绝
        (
            "目标\t协议端口\t策略\t备注\n0.0.0.0/0\tALL\t拒绝\t",
            "Egress",
            [{"PolicyIndex": 0, "Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"}],
        ),
        # 类型 as IPv4/IPv6, ICMP, UDP, a range, another group and an address template
        (
            "类型\t来源\t协议端口\t策略\t备注\n"
            "IPv4\t0.0.0.0/0\tICMP\t允许\t\n"
            "IPv4\tsg-ohuuioma\tUDP:53\t允许\t\n"
            "IPv4\tipmg-2uw6ujo6\tTCP:3000-4000\t拒绝\t",
            "Ingress",
            [
                {"PolicyIndex": 0, "Protocol": "ICMP", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
                {
                    "PolicyIndex": 1,
                    "Protocol": "UDP",
                    "Port": "53",
                    "SecurityGroupId": "sg-ohuuioma",
                    "Action": "ACCEPT",
                },
                {
                    "PolicyIndex": 2,
                    "Protocol": "TCP",
                    "Port": "3000-4000",
                    "AddressTemplate": {"AddressGroupId": "ipmg-2uw6ujo6"},
                    "Action": "DROP",
                },
            ],
        ),
    ],
)
def test_console_columns(text: str, direction: str, rules: list[dict[str, Any]]) -> None:
    assert looks_like(text)
    assert rules_of(text, direction) == rules


def test_inbound_and_outbound_tables_in_one_paste() -> None:
    text = sample("zh_cvm_case5_web_all_ips.tsv") + "\n目标\t协议端口\t策略\t备注\n0.0.0.0/0\tALL\t允许\t\n"
    reading = read(text)
    assert reading.value.directions == ("ingress", "egress")
    assert len(reading.value.groups[0].egress) == 1


def test_words_around_the_table_are_skipped_with_line_numbers() -> None:
    text = "安全组规则截图如下：\n添加规则 导入规则\n" + sample("zh_cvm_case5_web_all_ips.tsv") + "共 2 条\n"
    reading = read(text)
    assert [s.line for s in reading.skipped] == [1, 2, 6]
    assert all("not a rule row" in s.reason for s in reading.skipped)
    assert rules_of(text) == WEB


def test_a_wrapped_remark_line_is_skipped() -> None:
    # console list layout: a long remark wrapped onto its own line when copied
    text = "来源\t协议端口\t策略\t备注\n0.0.0.0/0\tTCP:80\t允许\tWeb 服务 HTTP\n（Apache、Nginx 等）\n"
    reading = read(text)
    assert [s.line for s in reading.skipped] == [3]
    assert rules_of(text)[0]["PolicyDescription"] == "Web 服务 HTTP"


def test_registry_sends_tables_to_this_reader() -> None:
    reading = read_evidence(sample("en_cvm_case5_web_all_ips.tsv"))
    assert reading is not None and reading.format == "console_table"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # no header and no 方向 cell: 0.0.0.0/0 could be a source or a destination
        ("0.0.0.0/0\tTCP:80\t允许\n0.0.0.0/0\tTCP:443\t允许", 1, "source (inbound rule) or a destination"),
        # the type says IPv6 but the address is IPv4
        ("类型\t来源\t协议端口\t策略\nIPv6\t0.0.0.0/0\tTCP:80\t允许", 2, "the type is IPv6"),
        # a policy the console never shows
        ("来源\t协议端口\t策略\n0.0.0.0/0\tTCP:80\tmaybe", 2, "policy 'maybe'"),
        # the loader's own check: port out of range
        ("来源\t协议端口\t策略\n0.0.0.0/0\tTCP:70000\t允许", 2, "70000"),
        # two inbound tables: two groups pasted together, or one pasted twice
        (
            "来源\t协议端口\t策略\n0.0.0.0/0\tTCP:80\t允许\n来源\t协议端口\t策略\n0.0.0.0/0\tTCP:22\t允许",
            3,
            "a second table",
        ),
    ],
)
def test_refusals_name_the_line_and_what_to_paste(text: str, line: int, message: str) -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        read(text)
    error = caught.value
    assert error.format == "console_table"
    assert any(p.line == line and message in p.problem for p in error.problems), error.problems
    assert TO_PASTE in error.needs and f"line {line}:" in str(error)


# --- neither cloud reader claims host output or chat ----------------------------------


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=20).stdout


@pytest.fixture(scope="module")
def host_outputs() -> Iterator[dict[str, str]]:
    """Real iptables, nft and ss output, made in a network namespace this test creates."""
    tools = ("ip", "iptables", "iptables-save", "nft", "ss")
    if any(shutil.which(t) is None for t in tools):
        pytest.skip("iptables, nft, ss and ip are needed to produce real host output")
    namespace = f"sgneg-{uuid.uuid4().hex[:8]}"
    try:
        _run("ip", "netns", "add", namespace)
    except (subprocess.CalledProcessError, PermissionError) as e:
        pytest.skip(f"cannot create a network namespace here: {e}")
    try:
        inside = ("ip", "netns", "exec", namespace)
        _run(*inside, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
        _run(*inside, "iptables", "-A", "INPUT", "-s", "203.0.113.0/24", "-j", "DROP")
        _run(*inside, "iptables", "-A", "INPUT", "-p", "icmp", "-j", "ACCEPT")
        yield {
            "iptables-save": _run(*inside, "iptables-save"),
            "iptables -S": _run(*inside, "iptables", "-S"),
            "iptables -L -n -v --line-numbers": _run(*inside, "iptables", "-L", "-n", "-v", "--line-numbers"),
            "iptables -L -n": _run(*inside, "iptables", "-L", "-n"),
            "nft list ruleset": _run(*inside, "nft", "list", "ruleset"),
            "nft -j list ruleset": _run(*inside, "nft", "-j", "list", "ruleset"),
            "ss -lntup": _run("ss", "-lntup"),
        }
    finally:
        subprocess.run(("ip", "netns", "del", namespace), check=False, timeout=20)


HOST_COMMANDS = [
    "iptables-save",
    "iptables -S",
    "iptables -L -n -v --line-numbers",
    "iptables -L -n",
    "nft list ruleset",
    "nft -j list ruleset",
    "ss -lntup",
]


@pytest.mark.parametrize("command", HOST_COMMANDS)
def test_host_output_is_not_claimed(host_outputs: dict[str, str], command: str) -> None:
    text = host_outputs[command]
    assert text.strip()
    assert not looks_like(text) and not sg_json.looks_like(text)


@pytest.mark.parametrize(
    "text",
    [
        sample("negatives/ufw_status.txt"),
        "安全组已经放通了 TCP:22 允许 0.0.0.0/0 还是连不上",
        "I allowed TCP:22 from 0.0.0.0/0 in the security group but ssh still times out",
        "Allow TCP:22 please",
        "网站突然打不开了 安全组80也放了",
    ],
)
def test_chat_and_ufw_are_not_claimed(text: str) -> None:
    assert not looks_like(text) and not sg_json.looks_like(text)
