"""Properties over generated security groups and flows: the engine never concludes a
security-group cause the rule engine contradicts.

* Concluding ``sg_*`` (or ``outbound_blocked``) for pasted groups: the rule engine drops the
  flow the conclusion names.
* With the user's address known, the groups' cause is concluded exactly when the rule
  engine drops that address's flow.
* When the rule engine accepts the flow from every address tried, no ``sg_*`` cause.
* For "other addresses get in", ``sg_other_group`` / ``sg_broad_allow`` only for a flow the
  rule engine accepts.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnosis import Case, Diagnoser
from diagnosis.case import Source, StoredEvidence, Target
from diagnosis.probes import legs_of, probes_of
from diagnosis.vocabulary import SG_CAUSES
from rules import Flow, parse_security_groups

PORTS = [22, 80, 443, 3306, 8080]  # none of them blocked by the carrier, TCP or UDP
ADDRESSES = ["203.0.113.7", "198.51.100.20", "10.0.0.5", "192.0.2.77"]
BLOCKS = ["0.0.0.0/0", "203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8", "192.0.2.0/25"]


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    protocol = draw(st.sampled_from(["TCP", "UDP", "ALL", "ICMP"]))
    policy: dict[str, Any] = {"Protocol": protocol}
    if protocol in ("TCP", "UDP"):
        policy["Port"] = draw(st.sampled_from(["ALL", "22", "80,443", "3306", "8000-8080"]))
    else:
        policy["Port"] = "ALL"
    policy["CidrBlock"] = draw(st.sampled_from(BLOCKS))
    policy["Action"] = draw(st.sampled_from(["ACCEPT", "DROP"]))
    return policy


@st.composite
def groups(draw: st.DrawFn, direction: str) -> list[dict[str, Any]]:
    key = "Ingress" if direction == "ingress" else "Egress"
    found = []
    for n in range(draw(st.integers(1, 2))):
        rules = draw(st.lists(policies(), max_size=6))
        indexed = [{"PolicyIndex": i, **rule} for i, rule in enumerate(rules)]
        found.append({"SecurityGroupId": f"sg-gen{n}", "SecurityGroupPolicySet": {key: indexed}})
    return found


@st.composite
def cases(draw: st.DrawFn) -> Case:
    direction = draw(st.sampled_from(["ingress", "ingress", "egress"]))
    protocol = draw(st.sampled_from(["tcp", "udp", "icmp"]))
    port = () if protocol == "icmp" else (draw(st.sampled_from(PORTS)),)
    address = draw(st.one_of(st.none(), st.sampled_from(ADDRESSES)))
    source = Source("client", address) if address else Source()
    symptoms = ("timeout",) if direction == "egress" else draw(st.sampled_from([("timeout",), ("unexpected_access",)]))
    evidence = StoredEvidence("security_groups", "tencent_json", groups=tuple(draw(groups(direction))))
    return Case(
        target=Target(None, port, (protocol,)),
        direction=direction,
        source=source,
        symptoms=symptoms,
        evidence=(evidence,),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_security_group_cause_agrees_with_the_rule_engine(diagnoser: Diagnoser, case: Case) -> None:
    diagnosis = diagnoser.diagnose(case)
    rules = diagnoser.rules
    parsed = parse_security_groups([dict(g) for g in case.evidence[0].groups])
    leg = legs_of(case.target, diagnoser.vocab.services)[0]
    probes = probes_of(case, parsed)
    verdicts = {remote: rules.evaluate(parsed, leg.flow(case.direction, remote)).action for remote in probes.all}
    unexpected = "unexpected_access" in case.symptoms
    if diagnosis.cause in SG_CAUSES:
        assert diagnosis.decided_by is not None and diagnosis.decided_by.flow is not None
        flow = diagnosis.decided_by.flow
        action = rules.evaluate(parsed, flow).action
        if unexpected:
            assert diagnosis.cause in ("sg_other_group", "sg_broad_allow") and action == "ACCEPT"
        else:
            assert action == "DROP", (diagnosis.cause, diagnosis.decided_by)
    if not unexpected and set(verdicts.values()) == {"ACCEPT"}:
        assert diagnosis.cause not in SG_CAUSES
    if not unexpected and case.source.address is not None:
        drops = verdicts[ipaddress.ip_address(case.source.address)] == "DROP"
        assert (diagnosis.cause in SG_CAUSES) == drops, (diagnosis.cause, verdicts)


def test_the_witness_flow_is_the_one_evaluated(diagnoser: Diagnoser) -> None:
    # A conclusion names its flow exactly (protocol, port, the address tried).
    case = Case(
        target=Target(None, (8080,), ("tcp",)),
        source=Source("client", "198.51.100.20"),
        symptoms=("timeout",),
        evidence=(
            StoredEvidence(
                "security_groups",
                "tencent_json",
                groups=({"SecurityGroupId": "sg-a", "SecurityGroupPolicySet": {"Ingress": []}},),
            ),
        ),
    )
    diagnosis = diagnoser.diagnose(case)
    assert diagnosis.cause == "sg_no_matching_allow"
    assert diagnosis.decided_by is not None
    flow = diagnosis.decided_by.flow
    assert isinstance(flow, Flow) and (flow.protocol, flow.port, str(flow.remote)) == ("tcp", 8080, "198.51.100.20")
