"""Which checks a case needs, in which order, and the status of each.

Order (ranking.yaml): the checks the engine settles itself (the carrier, TCP 25) first,
then those settled from the account (the subnet's network ACL, when it was read);
then the ranking of the symptom with the highest priority, the other symptoms' rankings,
the direction's default; checks the user pasted evidence for are added. Claims replace,
promote or demote checks (phrases.yaml): "I already added the rule" moves the
security-group check behind the others while nothing pasted shows the rule, so the next
check asked is another one — never "add the rule" again.

Status: what the evidence shows (passed / failed / unknown), else what the conversation
said (a check the user reported done stays unknown), else todo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from diagnosis.case import Case, CheckStatus
from diagnosis.findings import Finding
from diagnosis.probes import Leg
from diagnosis.vocabulary import CheckDef, CheckEvidence, Vocabulary

AUTO: tuple[CheckEvidence, ...] = ("port_blocked", "port_restricted")
# Settled from the account, never asked: right after the automatic checks.
READ: tuple[CheckEvidence, ...] = ("network_acl",)
MECHANISM_PRIORITY = 2  # phrases.yaml: symptoms saying how the connection fails


@dataclass(frozen=True)
class RankedCheck:
    """A check with its status and, when evidence settled it, the engine's reason."""

    check: CheckDef
    status: CheckStatus
    detail: str = ""
    source_dependent: bool = False


def rank_checks(
    case: Case, legs: Sequence[Leg], findings: Mapping[CheckEvidence, Finding], groups: int, vocab: Vocabulary
) -> list[RankedCheck]:
    """The case's checks in the order to make them, with their status."""
    checks = vocab.checks
    direction = case.direction
    ported = any(leg.port is not None for leg in legs)
    icmp_only = bool(legs) and not ported
    order: list[str] = [c.id for c in checks.values() if c.evidence in AUTO and c.applies(direction) and ported]
    symptoms = sorted((s for s in case.symptoms if s in vocab.symptoms), key=lambda s: -vocab.symptoms[s].priority)
    for symptom in symptoms:
        order += vocab.ranking.for_symptom(symptom, direction)
    order += vocab.ranking.defaults[direction]
    for evidence in findings:
        # Pasted evidence brings its check along (the first check of that kind that applies).
        if evidence not in AUTO and not any(checks[c].evidence == evidence for c in order if c in checks):
            order += [c.id for c in checks.values() if c.evidence == evidence and c.applies(direction)][:1]
    claims = [vocab.claims[c] for c in case.claims if c in vocab.claims]
    for claim in claims:
        order = [claim.replace.get(c, c) for c in order]
    dependent = [e for e, f in findings.items() if f.source_dependent]
    if dependent:
        # The verdict depends on the user's address: ask for it right after that check.
        at = next((i for i, c in enumerate(order) if checks[c].evidence in dependent), len(order) - 1)
        order.insert(at + 1, "source_ip")
    order = [c for c in dict.fromkeys(order) if checks[c].applies(direction)]
    if icmp_only:
        order = [c for c in order if checks[c].evidence not in ("listeners", "symptom")]
    auto = [c for c in order if checks[c].evidence in AUTO]
    auto += [c for c in order if checks[c].evidence in READ]
    rest = [c for c in order if c not in auto]
    promoted = [c for claim in claims for c in claim.promote if c in rest]
    rest = list(dict.fromkeys(promoted + rest))
    ranked = [_status(checks[c], case, findings, groups, vocab) for c in auto + rest]
    demoted = {c for claim in claims for c in claim.demote}
    keep = [r for r in ranked if not (r.status == "todo" and r.check.id in demoted)]
    return keep + [r for r in ranked if r not in keep]


def _status(
    check: CheckDef, case: Case, findings: Mapping[CheckEvidence, Finding], groups: int, vocab: Vocabulary
) -> RankedCheck:
    evidence = check.evidence
    finding = findings.get(evidence)
    if finding is not None:
        return RankedCheck(check, finding.status, finding.reason, finding.source_dependent)
    if evidence == "bound_groups":
        sg = findings.get("security_groups")
        if sg is not None and sg.cause == "sg_other_group":
            return RankedCheck(check, "failed", sg.reason)
        if case.account is not None and sg is not None:
            order = ", ".join(case.account.group_ids)
            return RankedCheck(check, "passed", f"read from the account, in binding order: {order}")
        if sg is not None and groups >= 2:
            return RankedCheck(check, sg.status, sg.reason)
    if evidence == "address" and case.source.address:
        return RankedCheck(check, "passed", case.source.address)
    if evidence == "symptom":
        said = [s for s in case.symptoms if s in vocab.symptoms and vocab.symptoms[s].priority == MECHANISM_PRIORITY]
        if said:
            return RankedCheck(check, "passed", ", ".join(said))
    if case.status_of(check.id) == "unknown":
        return RankedCheck(check, "unknown")
    return RankedCheck(check, "todo")
