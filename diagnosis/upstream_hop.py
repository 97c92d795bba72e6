"""Upstream of the security group: ports the carrier intercepts, and outbound TCP 25.

Both verdicts come from the rule engine (:meth:`rules.RuleEngine.port_verdict`), which
reads them from the FAQ. They concern traffic over the Internet: with a private (VPC)
remote they do not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from diagnosis.case import Case
from diagnosis.findings import Finding
from diagnosis.probes import Leg, Probes
from diagnosis.vocabulary import CauseId
from rules import PortVerdict, RuleEngine
from rules.addresses import is_internal

UpstreamEvidence = Literal["port_blocked", "port_restricted"]


def upstream_findings(rules: RuleEngine, legs: Sequence[Leg], probes: Probes, case: Case) -> list[Finding]:
    """The carrier's verdict (``port_blocked``) and, outbound, TCP 25's (``port_restricted``)."""
    ported = [leg for leg in legs if leg.protocol in ("tcp", "udp") and leg.port is not None]
    if not ported:
        return []
    internal = is_internal(probes.preferred)
    verdicts = [(leg, rules.port_verdict(leg.protocol, leg.port, case.direction)) for leg in ported]
    findings = [_finding("port_blocked", verdicts, internal, probes, case)]
    if case.direction == "egress":
        unblocked = "port25_unblocked" in case.claims
        findings.append(_finding("port_restricted", verdicts, internal or unblocked, probes, case))
    return findings


def _finding(
    evidence: UpstreamEvidence,
    verdicts: Sequence[tuple[Leg, PortVerdict]],
    exempt: bool,
    probes: Probes,
    case: Case,
) -> Finding:
    kind = "blocked" if evidence == "port_blocked" else "restricted"
    hits = [(leg, v) for leg, v in verdicts if v.verdict == kind and not exempt]
    if not hits or (case.target.alternatives and len(hits) < len(verdicts)):
        return Finding(evidence, "passed", source="port_policy", reason=" ".join(v.reason for _, v in verdicts))
    leg, verdict = hits[0]
    fields = {
        "target": leg.label(),
        "proto": leg.protocol.upper(),
        "port": str(leg.port),
        "verdict": verdict.reason,
        "verdict_zh": verdict.reason_zh,
        "quota": verdict.quota_text or "",
    }
    cause: CauseId = "carrier_blocked" if kind == "blocked" else "tcp25_restricted"
    return Finding(
        evidence,
        "failed",
        cause=cause,
        source="port_policy",
        label=("port_policy" if kind == "blocked" else "tcp25", fields),
        text=verdict.reason_zh if case.language == "zh" else verdict.reason,
        reason=f"{verdict.reason} {verdict.advice}",
        flow=leg.flow(case.direction, probes.preferred),
        fields=fields,
        faq_ids=(verdict.faq_id,),
    )
