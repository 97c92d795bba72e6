"""The case as JSON: it round-trips, stays small, and a bad field is named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from diagnosis import Case, CaseValidationError, Diagnoser
from diagnosis.case import MAX_EVIDENCE_CHARS, StoredEvidence
from diagnosis.paste import split_message, store
from tests.diagnosis.conftest import converse, paste, start


def test_the_case_round_trips_through_json(diagnoser: Diagnoser) -> None:
    diagnosis = converse(
        diagnoser, "ssh 超时 我的IP是 203.0.113.9", paste("data/sg_ssh_office.tsv"), paste("host/iptables_S.txt")
    )
    data = diagnosis.case.to_json()
    again = Case.from_json(json.loads(json.dumps(data)))
    assert again == diagnosis.case
    assert again.to_json() == data


def test_the_case_stays_small(diagnoser: Diagnoser) -> None:
    # Security groups are kept as their canonical JSON, host pastes as the lines read.
    diagnosis = converse(
        diagnoser, "8443访问不了", "防火墙如下\n" + paste("host/iptables_L_nv_lines.txt"), paste("host/ss_lntup.txt")
    )
    size = len(json.dumps(diagnosis.case.to_json(), ensure_ascii=False))
    assert size < 6_000, size
    host = diagnosis.case.evidence_of("host_firewall")[0]
    assert host.text.startswith("Chain INPUT") and host.line_offset == 1  # the sentence is not kept


def test_a_repasted_group_replaces_the_old_one(diagnoser: Diagnoser) -> None:
    # After a fix the user pastes the rules again: the new paste supersedes the old.
    diagnosis = converse(diagnoser, "8080 timed out", paste("data/sg_ssh_office.tsv"), paste("data/sg_tcp_only.tsv"))
    (stored,) = diagnosis.case.evidence_of("security_groups")
    assert len(stored.groups) == 1
    assert stored.groups[0]["SecurityGroupPolicySet"]["Ingress"][0]["Port"] == "27015"


def test_evidence_is_kept_within_its_budget() -> None:
    # Two host firewalls are kept (the ufw paste goes); then the oldest item goes until the budget holds.
    rules = "-P INPUT ACCEPT\n" + "\n".join(
        f"-A INPUT -s 10.{i // 250}.{i % 250}.0/24 -p tcp --dport {1000 + i} -j ACCEPT" for i in range(300)
    )
    old = (
        StoredEvidence("listeners", "ss", text="x" * 30_000),
        StoredEvidence("host_firewall", "ufw", text="y" * 19_000),
        StoredEvidence("host_firewall", "nft", text="z" * 19_000),
    )
    (new,) = split_message(rules).pastes
    case = store(Case(evidence=old), new)
    assert sum(e.size for e in case.evidence) <= MAX_EVIDENCE_CHARS
    assert [e.format for e in case.evidence] == ["nft", "iptables_rules"]  # the listeners and ufw went first


def _valid() -> dict[str, Any]:
    return Case(turns=1).to_json()


BAD = [
    # (change, loc of the first problem, type)
    ({"target": {"ports": [0], "protocols": ["tcp"]}}, ("target", "ports", 0), "port_invalid"),
    ({"target": {"ports": [22], "protocols": ["sctp"]}}, ("target", "protocols", 0), "choice_invalid"),
    ({"direction": "inbound"}, ("direction",), "choice_invalid"),  # the API's words are ingress/egress
    ({"source": {"kind": "client", "address": "1.2.3.999"}}, ("source", "address"), "address_invalid"),
    ({"language": "fr"}, ("language",), "choice_invalid"),
    ({"version": 2}, ("version",), "version"),
    (
        {"evidence": [{"kind": "listeners", "format": "iptables_save", "text": "x"}]},
        ("evidence", 0, "kind"),
        "choice_invalid",
    ),
    (
        {"evidence": [{"kind": "host_firewall", "format": "pf", "text": "x"}]},
        ("evidence", 0, "format"),
        "choice_invalid",
    ),
    ({"evidence": [{"kind": "listeners", "format": "ss", "text": ""}]}, ("evidence", 0, "text"), "string_expected"),
    ({"checks": [{"id": "sg_inbound", "status": "done"}]}, ("checks", 0, "status"), "choice_invalid"),
    ({"colour": "red"}, ("colour",), "unknown_field"),
]


@pytest.mark.parametrize(("change", "loc", "kind"), BAD)
def test_a_bad_field_is_named(change: dict[str, Any], loc: tuple[Any, ...], kind: str) -> None:
    data = _valid() | change
    with pytest.raises(CaseValidationError) as caught:
        Case.from_json(data)
    problem = caught.value.problems[0]
    assert (problem.loc, problem.type) == (loc, kind), caught.value
    assert problem.msg


def test_a_missing_field_is_named() -> None:
    data = _valid()
    del data["target"]
    with pytest.raises(CaseValidationError) as caught:
        Case.from_json(data)
    assert caught.value.problems[0].loc == ("target",)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"symptoms": ["slow"]}, ("symptoms", 0)),
        ({"claims": ["prayed"]}, ("claims", 0)),
        ({"target": {"service": "gopher", "ports": [70], "protocols": ["tcp"]}}, ("target", "service")),
        ({"cause": "gremlins"}, ("cause",)),
    ],
)
def test_ids_outside_the_vocabulary_are_named(
    diagnoser: Diagnoser, change: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(CaseValidationError) as caught:
        diagnoser.read_case(_valid() | change)
    assert caught.value.problems[0].loc == loc


def test_stored_rules_the_rule_engine_refuses_are_named(diagnoser: Diagnoser) -> None:
    data = start(diagnoser, "8080 超时\n" + paste("data/sg_ssh_office.tsv")).case.to_json()
    data["evidence"][0]["groups"][0]["SecurityGroupPolicySet"]["Ingress"][0]["Port"] = "99999"
    with pytest.raises(CaseValidationError) as caught:
        diagnoser.diagnose(diagnoser.read_case(data))
    assert caught.value.problems[0].loc[:3] == ("evidence", 0, "groups")
