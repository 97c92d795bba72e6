"""Read the case's instance from the account, and keep what was read as evidence of the case.

Each step of a case that names an instance reads it again (the account's client caches
answers for a short time, so quick turns cost no call, and a change the user has just
made in the console is seen on a later turn). A successful read replaces the case's
security groups with the account's (in binding order, ``origin: account``) and its
``account`` record; a failed one keeps the last reading, if any, and says why in the
case's language so the user can paste instead. A reading whose rules the rule engine
refuses is not kept (the user is asked to paste, and the problem is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from diagnosis.account_evidence import (
    AccountEvidence,
    AccountNote,
    AccountReading,
    AccountUnavailable,
    InstanceReader,
    check_account,
    iso,
)
from diagnosis.case import MAX_EVIDENCE_CHARS, Case, StoredEvidence
from diagnosis.paste import _within_budget
from diagnosis.texts import render
from diagnosis.vocabulary import Vocabulary
from rules import RuleValidationError, parse_security_groups

log = logging.getLogger(__name__)
FAILURE_LABELS = {
    "credentials": "account_credentials",
    "permission": "account_permission",
    "not_found": "account_not_found",
    "throttled": "account_throttled",
    "unreachable": "account_unreachable",
    "failed": "account_failed",
}


def read_instance(
    case: Case, reader: InstanceReader | None, vocab: Vocabulary
) -> tuple[Case, AccountNote | None, tuple[Mapping[str, Any], ...] | None]:
    """The case with the account's reading of its instance, the note for the reply, and the
    groups to evaluate this turn (None: the case's stored evidence)."""
    instance_id = case.instance_id
    if instance_id is None:
        return case, None, None
    if case.account is not None and case.account.instance_id != instance_id:
        case = forget_account(case)  # another instance now: the old reading is not its
    if reader is None:
        return case, (_note(case.account, vocab, case, old=False) if case.account else None), None
    outcome = reader(instance_id, case.region)
    if isinstance(outcome, AccountReading):
        problems = _problems(outcome)
        if not problems:
            return attach(case, outcome, vocab)
        log.warning("the account's reading of %s is not usable: %s", instance_id, problems[0])
        outcome = AccountUnavailable("failed", instance_id, outcome.evidence.region)
    error = failure_text(outcome, case, vocab)
    summary = _note(case.account, vocab, case, old=True) if case.account is not None else None
    read_at = iso(case.account.read_at) if case.account is not None else None
    note = AccountNote(summary.summary if summary else None, read_at, outcome.region, instance_id, error)
    return case, note, None


def attach(
    case: Case, reading: AccountReading, vocab: Vocabulary
) -> tuple[Case, AccountNote, tuple[Mapping[str, Any], ...]]:
    """``case`` with the reading as its account record and its security groups."""
    item = StoredEvidence("security_groups", "tencent_json", groups=tuple(reading.groups), origin="account")
    kept = [e for e in case.evidence if e.kind != "security_groups"]
    if reading.groups and item.size <= MAX_EVIDENCE_CHARS:
        kept = _within_budget([*kept, item])
    # Too large to carry in the case: used this turn, read again on the next (the cache answers).
    updated = case.with_(evidence=tuple(kept), account=reading.evidence)
    note = _note(reading.evidence, vocab, updated, old=False)
    return updated, note, tuple(reading.groups)


def forget_account(case: Case) -> Case:
    """``case`` without the account's reading and the groups read from it."""
    evidence = tuple(e for e in case.evidence if e.origin != "account")
    return case.with_(evidence=evidence, account=None)


def failure_text(failure: AccountUnavailable, case: Case, vocab: Vocabulary) -> str:
    """Why the account could not be read, in the case's language."""
    fields = {"instance": failure.instance_id, "region": failure.region, "policy": failure.policy or "CAM"}
    return render(vocab.label(FAILURE_LABELS[failure.kind]).get(case.language), fields)


def _note(evidence: AccountEvidence | None, vocab: Vocabulary, case: Case, old: bool) -> AccountNote:
    assert evidence is not None
    lang = case.language
    count = len(evidence.group_ids)
    groups = vocab.label("account_group_one" if count == 1 else "account_groups").render(lang, {"count": str(count)})
    acl = (
        vocab.label("account_acl").get(lang).replace("{acl}", evidence.acl_id or "")
        if evidence.network_acl is not None
        else vocab.label("account_no_acl").get(lang)
    )
    fields = {
        "instance": evidence.instance_id,
        "region": evidence.region,
        "time": evidence.stamp,
        "groups_read": groups,
        "acl": acl,
    }
    text = vocab.label("account_read_old" if old else "account_read").get(lang).format_map(fields)
    return AccountNote(text, iso(evidence.read_at), evidence.region, evidence.instance_id)


def _problems(reading: AccountReading) -> Sequence[str]:
    try:
        parse_security_groups([dict(g) for g in reading.groups])
    except RuleValidationError as e:
        return [str(e)]
    return [f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in check_account(reading.evidence)]
