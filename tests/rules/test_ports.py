"""Port verdicts: every port of the FAQ's table, the ranges' edges, TCP 25, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge import load_knowledge
from rules import PortAdvisor, RuleDataError, RuleEngine, RuleValidationError, load_references

# Typed in by hand from the FAQ's table (腾讯云不支持哪些端口？), independent of the
# extraction, so a broken extraction fails these cases instead of agreeing with itself.
LITERAL_BLOCKED = {
    "tcp": [42, 135, 137, 138, 139, 445, 593, 1025, 1434, 1068, 3127, 3128, 3129, 3130, 4444, 5554, 9996],
    "udp": [1026, 1027, 1434, 1068, 5554, 9996, 1028, 1433, 135, 136, 137, 138, 139],
}
LITERAL_CASES = [(proto, port) for proto, ports in LITERAL_BLOCKED.items() for port in ports]


def _from_table() -> list[tuple[str, int]]:
    """Every port of every row, read through the knowledge package (edges of ranges included)."""
    kb = load_knowledge()
    cases = set()
    for fact in kb.blocked_ports:
        cases |= {
            (fact.protocol, fact.first),
            (fact.protocol, fact.last),
            (fact.protocol, (fact.first + fact.last) // 2),
        }
    return sorted(cases)


@pytest.mark.parametrize(("protocol", "port"), LITERAL_CASES)
def test_literal_faq_ports_are_blocked(engine: RuleEngine, protocol: str, port: int) -> None:
    v = engine.port_verdict(protocol, port)
    assert v.verdict == "blocked"
    assert f"{protocol.upper()} port {port}" in v.reason and "Carriers intercept" in v.reason
    assert "Use another port" in v.advice and "运营商将其拦截" in v.reason_zh


@pytest.mark.parametrize(("protocol", "port"), _from_table())
def test_extracted_table_ports_are_blocked_and_cite_the_table(
    engine: RuleEngine, kb: Any, protocol: str, port: int
) -> None:
    v = engine.port_verdict(protocol, port)
    assert v.verdict == "blocked"
    assert kb.get(v.faq_id).question == "腾讯云不支持哪些端口？"


def test_the_extracted_table_is_exactly_the_literal_list(kb: Any) -> None:
    extracted = {(b.protocol, p) for b in kb.blocked_ports for p in range(b.first, b.last + 1)}
    assert extracted == set(LITERAL_CASES)


@pytest.mark.parametrize(
    ("protocol", "port", "verdict", "reason_part"),
    [
        ("udp", 134, "open", "Nothing upstream blocks UDP 134"),  # just below the 135-139 range
        ("udp", 135, "blocked", "the range 135-139"),  # first port of the range
        ("udp", 139, "blocked", "the range 135-139"),  # last port of the range
        ("udp", 140, "open", "Nothing upstream blocks UDP 140"),  # just above the range
        ("tcp", 135, "blocked", "the list"),  # TCP lists 135 alone...
        ("tcp", 136, "open", "Nothing upstream blocks TCP 136"),  # ...but not 136: the range is UDP only
        ("udp", 445, "open", "Nothing upstream blocks UDP 445"),  # 445 is blocked for TCP only
        ("tcp", 1433, "open", "TCP 1433"),  # 1433 is blocked for UDP only
        ("TCP", "8080", "open", "TCP 8080"),  # any case, digits as text
        ("tcp", 1, "open", "TCP 1"),
        ("udp", 65535, "open", "UDP 65535"),
    ],
)
def test_range_edges_and_protocol_matter(
    engine: RuleEngine, protocol: str, port: Any, verdict: str, reason_part: str
) -> None:
    v = engine.port_verdict(protocol, port)
    assert v.verdict == verdict
    assert reason_part in v.reason


def test_open_port_rests_on_the_opening_ports_entry(engine: RuleEngine, kb: Any) -> None:
    v = engine.port_verdict("tcp", 8080)
    assert kb.get(v.faq_id).question == "为什么要开启端口？如何开启某个端口？"
    assert "security group" in v.advice and "安全组" in v.advice_zh


@pytest.mark.parametrize(
    ("direction", "verdict", "reason_part"),
    [
        ("egress", "restricted", "Outbound TCP 25 is restricted by default"),
        (None, "restricted", "This concerns outbound connections only"),  # no direction: strictest answer
        ("ingress", "open", "its default restriction concerns outbound connections only"),  # listening is fine
    ],
)
def test_tcp_25(engine: RuleEngine, kb: Any, direction: str | None, verdict: str, reason_part: str) -> None:
    v = engine.port_verdict("tcp", 25, direction)
    assert v.verdict == verdict
    assert reason_part in v.reason
    if verdict == "restricted":
        assert v.quota == 5 and v.quota_text == "每个用户在每个地域默认可解封 5 个实例"
        assert "up to 5 instances per region" in v.advice and "25 端口解封入口" in v.advice_zh
        assert kb.get(v.faq_id).question.startswith("为什么无法使用 TCP 25 端口")


def test_udp_25_is_open(engine: RuleEngine) -> None:
    assert engine.port_verdict("udp", 25, "egress").verdict == "open"


@pytest.mark.parametrize(
    ("protocol", "port", "direction", "locs", "msg_part"),
    [
        ("icmp", 80, None, [("protocol",)], "tcp or udp"),
        ("tcp", 0, None, [("port",)], "out of range"),
        ("tcp", 65536, None, [("port",)], "out of range"),
        ("tcp", "abc", None, [("port",)], "not a port number"),
        ("tcp", "-1", None, [("port",)], "out of range"),
        ("tcp", True, None, [("port",)], "expected a port number"),
        ("gre", "x", None, [("protocol",), ("port",)], "tcp or udp"),  # both named at once
        ("tcp", 80, "sideways", [("direction",)], "ingress or egress"),
    ],
)
def test_bad_input_names_the_part(
    engine: RuleEngine, protocol: Any, port: Any, direction: Any, locs: list[tuple[str]], msg_part: str
) -> None:
    with pytest.raises(RuleValidationError) as caught:
        engine.port_verdict(protocol, port, direction)
    assert [p.loc for p in caught.value.problems] == locs
    assert msg_part in caught.value.problems[0].msg


def test_references_must_name_questions_the_faq_has(kb: Any, tmp_path: Path) -> None:
    bad = tmp_path / "references.yaml"
    text = (Path(__file__).parents[2] / "rules" / "data" / "references.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("安全组策略的生效顺序是什么？", "安全组策略的顺序？"), encoding="utf-8")
    with pytest.raises(RuleDataError, match="rule_order: no FAQ entry has the question"):
        load_references(kb, bad)


def test_references_must_match_the_fact_entries(kb: Any, tmp_path: Path) -> None:
    bad = tmp_path / "references.yaml"
    text = (Path(__file__).parents[2] / "rules" / "data" / "references.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("blocked: 腾讯云不支持哪些端口？", "blocked: 如何创建安全组？"), encoding="utf-8")
    with pytest.raises(RuleDataError, match="blocked names entry"):
        load_references(kb, bad)


def test_advisor_uses_only_the_facts_it_is_given(kb: Any) -> None:
    # No literals in code: with no facts, nothing is blocked.
    advisor = PortAdvisor([], [], load_references(kb))
    assert advisor.verdict("tcp", 445).verdict == "open"
    assert advisor.verdict("tcp", 25, "egress").verdict == "open"
