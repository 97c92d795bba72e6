"""The network-ACL hop: what the subnet's ACL, read from the account, does to the case's flows.

Every verdict comes from the rule engine (:func:`rules.evaluate_network_acl`): the request
in the case's direction and its replies in the other (an ACL is stateless). The ACL is
first inbound and last outbound (:data:`diagnosis.engine.TRAFFIC_ORDER`). A subnet without
an ACL passes; an ACL the engine cannot decide (the replies' ports straddle an entry, a
quintuple ACL) leaves the check unknown with the engine's reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from diagnosis.case import Case
from diagnosis.findings import Finding
from diagnosis.probes import Leg, Probes
from rules import NetworkAcl, NetworkAclDecision, evaluate_network_acl


def acl_finding(acl: NetworkAcl | None, legs: Sequence[Leg], probes: Probes, case: Case) -> Finding:
    """The ACL's verdict on the case's legs (``legs`` must not be empty); None ACL: nothing filters."""
    if acl is None:
        return Finding(
            "network_acl", "passed", source="network_acl", reason="The instance's subnet has no network ACL."
        )
    results = [(leg, evaluate_network_acl(acl, leg.flow(case.direction, probes.preferred))) for leg in legs]
    dropped = [(leg, d) for leg, d in results if d.action == "DROP"]
    passed = [(leg, d) for leg, d in results if d.action == "ACCEPT"]
    if case.target.alternatives:
        if passed:
            return _passed(passed[0][1])
        if len(dropped) == len(results):
            return _dropped(acl, *dropped[0], probes, case)
    else:
        if dropped:
            return _dropped(acl, *dropped[0], probes, case)
        if len(passed) == len(results):
            return _passed(passed[0][1])
    unsure = next(d for _, d in results if d.action == "UNKNOWN")
    return Finding("network_acl", "unknown", source="network_acl", reason=unsure.explanation)


def _passed(decision: NetworkAclDecision) -> Finding:
    return Finding("network_acl", "passed", source="network_acl", reason=decision.explanation)


def _dropped(acl: NetworkAcl, leg: Leg, decision: NetworkAclDecision, probes: Probes, case: Case) -> Finding:
    entry = decision.decided_by
    assert entry is not None  # a DROP is always decided by an entry or the default rule
    dropping = decision.reply if decision.reply is not None and decision.request.action != "DROP" else decision.request
    fields = {
        "acl": acl.name,
        "rules_of": entry.direction,  # whose rules: the request's direction, or the replies'
        "proto": leg.protocol.upper(),
        "port": dropping.ports or "ALL",
    }
    if probes.known:
        fields["cidr"] = f"{probes.preferred}/{probes.preferred.max_prefixlen}"
    values = {"acl": acl.name, "index": str(entry.index) if entry.index is not None else "", "rule": entry.describe()}
    key = "acl_entry" if entry.index is not None else "acl_default"
    shown = {k: v for k, v in entry.raw.items() if v not in (None, "") and k != "ModifyTime"}
    return Finding(
        "network_acl",
        "failed",
        cause="network_acl_drop",
        source="network_acl",
        label=(key, values),
        text=json.dumps(shown, ensure_ascii=False, separators=(", ", ": ")) if entry.index is not None else "",
        reason=decision.explanation,
        flow=leg.flow(case.direction, probes.preferred),
        fields=fields,
        decided=(key, values),
    )
