"""The values a diagnosis's templates are filled with, in the case's language.

A :class:`~diagnosis.findings.Finding` carries language-free values (group ids, rule
texts, ports); here they are joined with the words of causes.yaml's ``labels``
(directions, "an Internet address", the sentence naming what decided).
"""

from __future__ import annotations

from collections.abc import Sequence

from diagnosis.case import Case
from diagnosis.findings import Finding
from diagnosis.probes import Leg, Probes, target_text
from diagnosis.texts import render
from diagnosis.vocabulary import Vocabulary


def template_fields(
    case: Case, legs: Sequence[Leg], probes: Probes | None, finding: Finding | None, vocab: Vocabulary
) -> dict[str, str]:
    """Every placeholder's value for ``finding`` (or for the case alone)."""
    lang = case.language
    label = vocab.label
    fields: dict[str, str] = {
        "target": target_text(legs) or label("target_unknown").get(lang),
        "port": str(legs[0].port) if legs and legs[0].port is not None else "",
        "proto": legs[0].protocol.upper() if legs else "",
        "protocol": legs[0].protocol if legs else "",
        "direction": label(case.direction).get(lang),
        "direction_rules": label(f"{case.direction}_rules").get(lang),
        "cidr": label("your_ip_cidr").get(lang),
        "group": label("your_group").get(lang),
        "related_group": label("your_group").get(lang),
        "statement": label("statement").get(lang),
    }
    service = vocab.services.get(case.target.service or "")
    if service is not None:
        fields["service"] = service.name.get(lang)
        fields["listen_hint"] = service.listen.get(lang) if service.listen else label("listen_generic").get(lang)
        fields["note"] = service.note.get(lang) if service.note else ""
    else:
        fields["listen_hint"] = label("listen_generic").get(lang)
    if probes is not None:
        fields["remote"] = _remote(case, probes, vocab)
        fields["address"] = str(probes.preferred)
    if case.source.address:
        fields["source_address"] = case.source.address
    if finding is None:
        return fields
    fields |= {k: v for k, v in finding.fields.items() if v}
    rules_of = finding.fields.get("rules_of")  # the rules of another direction decide (a network ACL's replies)
    if rules_of in ("ingress", "egress"):
        fields["direction_rules"] = label(f"{rules_of}_rules").get(lang)
    if lang == "zh" and finding.fields.get("verdict_zh"):
        fields["verdict"] = finding.fields["verdict_zh"]
    if finding.decided is not None:
        key, values = finding.decided
        fields["decided"] = render(label(key).get(lang), {**fields, **values})
    return fields


def _remote(case: Case, probes: Probes, vocab: Vocabulary) -> str:
    lang = case.language
    address = str(probes.preferred)
    if probes.known:
        return render(vocab.label("remote_given").get(lang), {"address": address})
    key = "remote_vpc" if case.source.kind == "vpc" else "remote_internet"
    return render(vocab.label(key).get(lang), {"address": address})


def label_text(finding: Finding, fields: dict[str, str], vocab: Vocabulary, case: Case) -> str:
    """decided_by's label for ``finding``."""
    if finding.label is None:
        return ""
    key, values = finding.label
    return render(vocab.label(key).get(case.language), {**fields, **values})
