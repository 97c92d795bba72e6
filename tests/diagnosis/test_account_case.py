"""A case that names an instance, read from the account: the reading as evidence, the network ACL
as a hop, the checks left to what no API sees, and every failure worded for the user.

The reader here is a plain function (the app's adapter over account/ is tested in tests/api)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from diagnosis import Case, CaseValidationError, Diagnoser
from diagnosis.account_evidence import AccountEvidence, AccountReading, AccountUnavailable, InstanceReader

READ_AT = datetime(2026, 3, 2, 10, 32, 5, tzinfo=UTC)
ANY = {"CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}


def group(group_id: str, *ingress: dict[str, Any]) -> dict[str, Any]:
    egress = [{"Protocol": "ALL", "Port": "ALL", **ANY}]
    return {"SecurityGroupId": group_id, "SecurityGroupPolicySet": {"Ingress": list(ingress), "Egress": egress}}


def acl_entry(port: str, action: str = "ACCEPT") -> dict[str, Any]:
    return {"Protocol": "TCP", "Port": port, "CidrBlock": "0.0.0.0/0", "Action": action, "Description": ""}


WEB = group("sg-web00001", {"Protocol": "TCP", "Port": "22,80", **ANY})
OFFICE = group(
    "sg-base0001",
    {"Protocol": "ALL", "Port": "ALL", "AddressTemplate": {"AddressId": "ipm-office01"}, "Action": "ACCEPT"},
)
ACL = {
    "NetworkAclId": "acl-web00001",
    "IngressEntries": [acl_entry("22"), acl_entry("80")],
    "EgressEntries": [acl_entry("1024-65535")],
}


def reading(
    groups: tuple[Mapping[str, Any], ...] = (WEB, OFFICE),
    acl: Mapping[str, Any] | None = ACL,
    instance: str = "ins-web00001",
    region: str = "ap-guangzhou",
    templates: Mapping[str, Any] | None = None,
) -> AccountReading:
    evidence = AccountEvidence(
        instance,
        region,
        READ_AT,
        "RUNNING",
        ("203.0.113.10",),
        ("10.0.1.5",),
        tuple(g["SecurityGroupId"] for g in groups),
        templates if templates is not None else {"ipm-office01": ["198.51.100.0/24"]},
        {},
        acl,
    )
    return AccountReading(evidence, groups)


class Reader:
    """An InstanceReader that answers from a queue and remembers what it was asked."""

    def __init__(self, *answers: AccountReading | AccountUnavailable) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, instance_id: str, region: str | None) -> AccountReading | AccountUnavailable:
        self.asked.append((instance_id, region))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def step(diagnoser: Diagnoser, case: Case | None, text: str, reader: InstanceReader | None, **kw: Any) -> Any:
    data = json.loads(json.dumps(case.to_json())) if case is not None else None
    return diagnoser.step(diagnoser.read_case(data), text, account=reader, **kw)


@pytest.mark.parametrize(
    ("text", "instance", "region"),
    [
        ("why can't I reach 8080 on ins-web00001?", "ins-web00001", None),
        ("INS-WEB00001 in ap-shanghai-fsi times out on 22", "ins-web00001", "ap-shanghai-fsi"),
        ("广州的 ins-web00001 连不上 3306", "ins-web00001", "ap-guangzhou"),
        ("ins-web00001 is in ap-guangzhou-3, port 22 times out", "ins-web00001", "ap-guangzhou"),
        # "北京时间" is a time, not the Beijing region; an id inside another word is not an instance.
        ("北京时间10点开始 8080 连不上", None, None),
        ("myins-web00001x 8080 fails", None, None),
    ],
)
def test_the_instance_and_the_region_are_read_from_the_words(
    diagnoser: Diagnoser, text: str, instance: str | None, region: str | None
) -> None:
    case = diagnoser.step(Case(), text).case
    assert (case.instance_id, case.region) == (instance, region)


def test_the_reading_becomes_evidence_and_only_the_host_is_asked(diagnoser: Diagnoser) -> None:
    reader = Reader(reading())
    diagnosis = step(diagnoser, None, "ssh to ins-web00001 times out", reader)
    assert reader.asked == [("ins-web00001", None)]
    statuses = {c.id: c.status for c in diagnosis.checks}
    assert statuses["network_acl"] == "passed" and statuses["sg_inbound"] == "passed"
    assert [c.id for c in diagnosis.checks][:2] == ["carrier_port", "network_acl"]  # settled, never asked
    assert diagnosis.next_check == "host_firewall"
    assert diagnosis.account is not None and diagnosis.account.error is None
    assert diagnosis.account.summary == (
        "Read from your account: 2 security groups bound to ins-web00001 and the subnet's network ACL "
        "acl-web00001, in ap-guangzhou at 10:32 UTC."
    )
    assert diagnosis.to_payload()["account"] == {
        "summary": diagnosis.account.summary,
        "read_at": "2026-03-02T10:32:05Z",
        "region": "ap-guangzhou",
        "instance_id": "ins-web00001",
        "error": None,
    }
    stored = diagnosis.case.to_json()
    assert [e.get("origin") for e in stored["evidence"]] == ["account"]
    assert stored["account"]["read_at"] == "2026-03-02T10:32:05Z" and stored["instance_id"] == "ins-web00001"
    assert Case.from_json(json.loads(json.dumps(stored))) == diagnosis.case  # it round-trips


def test_the_templates_read_decide_the_groups_verdict(diagnoser: Diagnoser) -> None:
    # TCP 3389 is allowed only by sg-base0001's rule naming the office's template.
    office = step(diagnoser, None, "rdp to ins-web00001 from 198.51.100.7 times out", Reader(reading()))
    assert {c.id: c.status for c in office.checks}["sg_inbound"] == "passed"
    elsewhere = step(diagnoser, None, "rdp to ins-web00001 from 192.0.2.9 times out", Reader(reading(acl=None)))
    assert elsewhere.cause == "sg_no_matching_allow"
    # Without the template, the rule cannot be settled: the engine says what it misses.
    unknown = step(diagnoser, None, "rdp to ins-web00001 from 198.51.100.7", Reader(reading(acl=None, templates={})))
    sg = next(c for c in unknown.checks if c.id == "sg_inbound")
    assert sg.status == "unknown" and "address_templates[ipm-office01]" in sg.detail


@pytest.mark.parametrize(
    ("text", "acl", "cause", "label_part", "port"),
    [
        # The request itself is not allowed in: the default inbound rule.
        ("why can't I reach 8080 on ins-web00001?", ACL, "network_acl_drop", "inbound rules", "8080"),
        # Stateless: the request gets in, the replies cannot get out.
        (
            "ssh to ins-web00001 times out",
            {**ACL, "EgressEntries": []},
            "network_acl_drop",
            "outbound rules",
            "1024-65535",
        ),
        # An explicit DROP entry, named with its position.
        (
            "ssh to ins-web00001 times out",
            {**ACL, "IngressEntries": [acl_entry("22", "DROP"), acl_entry("22")]},
            "network_acl_drop",
            "inbound rules, entry #0",
            "22",
        ),
    ],
)
def test_the_network_acl_decides_first_inbound(
    diagnoser: Diagnoser, text: str, acl: dict[str, Any], cause: str, label_part: str, port: str
) -> None:
    diagnosis = step(diagnoser, None, text, Reader(reading(acl=acl)))
    assert diagnosis.cause == cause
    assert diagnosis.decided_by is not None and diagnosis.decided_by.source == "network_acl"
    assert label_part in diagnosis.decided_by.label and "acl-web00001" in diagnosis.decided_by.label
    assert diagnosis.fix is not None and f"port {port}" in diagnosis.fix.summary
    assert diagnosis.fix.commands == ()  # no ready command: ModifyNetworkAclEntries replaces every entry


def test_an_acl_that_cannot_tell_leaves_its_check_unknown(diagnoser: Diagnoser) -> None:
    half = {**ACL, "EgressEntries": [acl_entry("32768-65535")]}
    diagnosis = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading(acl=half)))
    acl = next(c for c in diagnosis.checks if c.id == "network_acl")
    assert acl.status == "unknown" and "depend on a port nobody told us" in acl.detail
    assert diagnosis.cause is None and diagnosis.next_check == "host_firewall"


def test_a_subnet_without_an_acl_passes(diagnoser: Diagnoser) -> None:
    diagnosis = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading(acl=None)))
    assert next(c for c in diagnosis.checks if c.id == "network_acl").status == "passed"
    assert diagnosis.account is not None and diagnosis.account.summary is not None
    assert "(its subnet has no network ACL)" in diagnosis.account.summary


@pytest.mark.parametrize(
    ("failure", "en", "zh"),
    [
        (AccountUnavailable("credentials", "ins-web00001", "ap-guangzhou"), "needs fixing by its operator", "凭证"),
        (
            AccountUnavailable("permission", "ins-web00001", "ap-guangzhou", "QcloudVPCReadOnlyAccess"),
            "must add QcloudVPCReadOnlyAccess",
            "QcloudVPCReadOnlyAccess",
        ),
        (AccountUnavailable("not_found", "ins-web00001", "ap-beijing"), "in region ap-beijing", "ap-beijing"),
        (AccountUnavailable("throttled", "ins-web00001", "ap-guangzhou"), "try again in a moment", "稍后再试"),
        (AccountUnavailable("unreachable", "ins-web00001", "ap-guangzhou"), "can't reach", "连不上"),
        (AccountUnavailable("failed", "ins-web00001", "ap-guangzhou"), "can't check your account", "暂时无法查询"),
    ],
)
def test_a_failed_read_asks_to_paste_in_the_users_language(
    diagnoser: Diagnoser, failure: AccountUnavailable, en: str, zh: str
) -> None:
    english = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(failure))
    assert english.account is not None and en in (english.account.error or "")
    assert english.account.summary is None and english.next_check == "sg_inbound"
    assert english.case.account is None
    chinese = step(diagnoser, None, "ins-web00001 的 ssh 连接超时", Reader(failure))
    assert chinese.account is not None and zh in (chinese.account.error or "")


def test_a_later_failure_keeps_the_last_reading(diagnoser: Diagnoser) -> None:
    first = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading()))
    again = step(diagnoser, first.case, "still times out", Reader(AccountUnavailable("throttled", "ins-web00001", "r")))
    assert again.account is not None and again.account.error is not None
    assert again.account.summary is not None and "using what was read at 10:32 UTC" in again.account.summary
    assert {c.id: c.status for c in again.checks}["sg_inbound"] == "passed"


def test_another_instance_drops_the_old_reading(diagnoser: Diagnoser) -> None:
    first = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading()))
    other = step(
        diagnoser,
        first.case,
        "and ins-app00001 too",
        Reader(AccountUnavailable("not_found", "ins-app00001", "ap-guangzhou")),
    )
    assert other.case.instance_id == "ins-app00001" and other.case.account is None
    assert not other.case.evidence_of("security_groups")


def test_without_a_reader_the_stored_reading_is_used_and_said(diagnoser: Diagnoser) -> None:
    first = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading()))
    again = step(diagnoser, first.case, "still times out", None)
    assert again.account is not None and again.account.summary is not None and again.account.error is None
    assert {c.id: c.status for c in again.checks}["sg_inbound"] == "passed"


def test_the_region_given_wins_and_is_asked(diagnoser: Diagnoser) -> None:
    reader = Reader(reading(region="ap-shanghai"))
    diagnosis = step(diagnoser, None, "ins-web00001 广州 ssh timeout", reader, region="ap-shanghai")
    assert reader.asked == [("ins-web00001", "ap-shanghai")] and diagnosis.case.region == "ap-shanghai"


def test_a_reading_the_engine_cannot_read_is_not_kept(diagnoser: Diagnoser) -> None:
    broken = group("sg-web00001", {"Protocol": "TCP", "Port": "22", "CidrBlock": "not-a-block", "Action": "ACCEPT"})
    diagnosis = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading(groups=(broken,))))
    assert diagnosis.account is not None and diagnosis.account.error is not None
    assert diagnosis.case.account is None and diagnosis.next_check == "sg_inbound"


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"instance_id": "i-123"}, ("instance_id",), "id_invalid"),
        ({"region": "Guangzhou"}, ("region",), "id_invalid"),
        ({"account": {"region": ""}}, ("account", "region"), "id_invalid"),
        ({"account": {"read_at": "yesterday"}}, ("account", "read_at"), "time_invalid"),
        ({"account": {"network_acl": {"IngressEntries": []}}}, ("account", "network_acl", "EgressEntries"), "missing"),
        ({"account": {"address_templates": {"office": []}}}, ("account", "address_templates", "office"), None),
        ({"account": {"secret": "x"}}, ("account", "secret"), "unknown_field"),
        (
            {"evidence": [{"kind": "security_groups", "format": "tencent_json", "groups": [WEB], "origin": "x"}]},
            ("evidence", 0, "origin"),
            "choice_invalid",
        ),
    ],
)
def test_a_bad_account_part_of_a_case_is_refused_naming_the_field(
    diagnoser: Diagnoser, change: dict[str, Any], loc: tuple[Any, ...], kind: str | None
) -> None:
    stored = step(diagnoser, None, "ssh to ins-web00001 times out", Reader(reading())).case.to_json()
    for key, value in change.items():
        stored[key] = {**stored[key], **value} if key == "account" else value
    with pytest.raises(CaseValidationError) as caught:
        diagnoser.read_case(stored)
    found = {(p.loc, p.type) for p in caught.value.problems}
    assert any(p_loc == loc and (kind is None or p_type == kind) for p_loc, p_type in found), found


def test_old_cases_without_the_new_fields_still_read(diagnoser: Diagnoser) -> None:
    stored = diagnoser.step(Case(), "ssh times out").case.to_json()
    assert not {"instance_id", "region", "account"} & set(stored)
    assert diagnoser.read_case(stored) == diagnoser.step(Case(), "ssh times out").case
