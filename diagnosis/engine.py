"""The diagnosis engine: a case in, a conclusion or the next checks out.

Steps of :meth:`Diagnoser.diagnose`:

1. Read the stored evidence back (security groups through the rule engine's loader,
   host pastes with their reader; cached by text).
2. Turn the target into legs (protocol and port) and pick the remote addresses to try.
3. Ask every hop on the traffic path for a finding, each through the rule engine: the
   carrier and TCP 25 (:meth:`rules.RuleEngine.port_verdict`), the subnet's network ACL
   when the account was read (:func:`rules.evaluate_network_acl`), the security groups
   (:meth:`rules.RuleEngine.evaluate`, with the account's templates), the instance's firewall
   (:func:`rules.evaluate_iptables`), the listener (:func:`evidence.sockets.port_listening`).
   Without pasted groups, "I only allowed my own IP" and "I changed networks" settle the
   source mismatch from the user's words.
4. The first hop in traffic order that fails is the conclusion: its cause, what decided
   it, the fix (console steps and a ready command) and the FAQ entries behind it.
   Inbound the order is carrier, network ACL, security group, instance firewall, listener;
   outbound it is instance firewall, security group, network ACL, then TCP 25 and the carrier.

Before step 1, :meth:`Diagnoser.step` reads the case's instance from the account when the
caller gives it a reader (:mod:`diagnosis.account_step`): the groups, templates and ACL
become evidence, so the checks left to ask are what no API can see (the instance's own
firewall, its listening sockets, the user's address).
5. Otherwise the checks ranked for the symptoms say what to do next, and ``needs`` what
   to paste; with every check made and nothing found, the cause is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from contract.language import Language
from diagnosis.account_evidence import InstanceReader
from diagnosis.account_step import read_instance
from diagnosis.acl_hop import acl_finding
from diagnosis.case import Case, CheckState
from diagnosis.errors import CaseProblem, CaseValidationError
from diagnosis.facts import label_text, template_fields
from diagnosis.findings import Finding, SgFixPlan
from diagnosis.fixes import DIRECTION_KEYS, build_fix, needs_group_id
from diagnosis.host_hop import HostPaste, firewall_finding
from diagnosis.lexicon import Lexicon
from diagnosis.listener_hop import listener_finding
from diagnosis.matcher import fold
from diagnosis.models import CheckResult, DecidedBy, Diagnosis
from diagnosis.paste import Paste, reread
from diagnosis.probes import Leg, Probes, legs_of, probes_of
from diagnosis.ranking import RankedCheck, rank_checks
from diagnosis.sg_hop import sg_finding
from diagnosis.texts import render
from diagnosis.understanding import understand
from diagnosis.upstream_hop import upstream_findings
from diagnosis.vocab_loader import load_vocabulary
from diagnosis.vocabulary import CheckEvidence, Vocabulary
from evidence import UnreadableEvidenceError
from evidence.models import EvidenceFormat
from knowledge import KnowledgeBase
from rules import Lookups, NetworkAcl, RuleEngine, RuleValidationError, SecurityGroup, parse_security_groups

TRAFFIC_ORDER: dict[str, tuple[CheckEvidence, ...]] = {
    "ingress": ("port_blocked", "network_acl", "security_groups", "host_firewall", "listeners"),
    "egress": ("host_firewall", "security_groups", "network_acl", "port_restricted", "port_blocked"),
}


class Diagnoser:
    """Reads messages into cases and diagnoses them, over one rule engine and vocabulary.

    Build it once (``Diagnoser.from_knowledge(kb)``); it holds no per-case state.
    """

    def __init__(self, rules: RuleEngine, vocab: Vocabulary) -> None:
        self.rules = rules
        self.vocab = vocab
        self.lexicon = Lexicon.of(vocab)

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase, rules: RuleEngine | None = None) -> Diagnoser:
        """A diagnoser over ``kb`` (and its rule engine, when one is built already).

        Raises:
            VocabularyError: a troubleshooting data file is wrong.
            RuleDataError: the rule engine's references do not match ``kb``.
        """
        return cls(rules or RuleEngine.from_knowledge(kb), load_vocabulary(kb))

    def read_case(self, data: object) -> Case:
        """A case from JSON (None starts a new one), checked against the vocabulary.

        Raises:
            CaseValidationError: naming every bad field.
        """
        if data is None:
            return Case()
        case = Case.from_json(data)
        problems: list[CaseProblem] = []
        vocab = self.vocab
        if case.target.service is not None and case.target.service not in vocab.services:
            problems.append(
                CaseProblem(("target", "service"), f"unknown service {case.target.service!r}", "unknown_id")
            )
        for field, known in (("symptoms", vocab.symptoms), ("claims", vocab.claims)):
            for i, item in enumerate(getattr(case, field)):
                if item not in known:
                    problems.append(
                        CaseProblem((field, i), f"unknown id {item!r}; one of {', '.join(known)}", "unknown_id")
                    )
        for i, check in enumerate(case.checks):
            if check.id not in vocab.checks:
                problems.append(CaseProblem(("checks", i, "id"), f"unknown check {check.id!r}", "unknown_id"))
        if case.cause is not None and case.cause not in vocab.causes:
            problems.append(CaseProblem(("cause",), f"unknown cause {case.cause!r}", "unknown_id"))
        if problems:
            raise CaseValidationError(problems)
        return case

    def step(
        self,
        case: Case,
        text: str | None,
        language: Language | None = None,
        *,
        region: str | None = None,
        account: InstanceReader | None = None,
    ) -> Diagnosis:
        """Read the user's ``text`` (if any) into ``case`` and diagnose it.

        The updated case is ``Diagnosis.case``.

        Args:
            case: The case so far.
            text: The user's new message.
            language: Answer in this language (default: the message's).
            region: The region the caller names (wins over one named in earlier messages).
            account: Reads the case's instance from the account (None: the account is not read).

        Raises:
            PasteTooLongError: ``text`` is longer than the engine reads.
            CaseValidationError: stored evidence no longer reads.
        """
        pastes: tuple[Paste, ...] = ()
        needs: tuple[str, ...] = ()
        problem = True
        if text is not None and text.strip():
            understood = understand(case, text, self.vocab, self.lexicon)
            case, pastes, needs, problem = understood.case, understood.pastes, understood.needs, understood.problem
        if language is not None:
            case = case.with_(language=language)
        if region is not None:
            case = case.with_(region=region)
        case, note, groups = read_instance(case, account, self.vocab)
        diagnosis = self.diagnose(case, pastes, needs, groups)
        return replace(diagnosis, problem=problem, account=note)

    def region_in(self, text: str) -> str | None:
        """The first region ``text`` names (ap-guangzhou, 广州, Guangzhou), or None."""
        found = self.lexicon.regions.find(fold(text))
        return found[0] if found else None

    def diagnose(
        self,
        case: Case,
        fresh: Sequence[Paste] = (),
        needs: Sequence[str] = (),
        account_groups: Sequence[Mapping[str, object]] | None = None,
    ) -> Diagnosis:
        """Diagnose ``case`` (``fresh``: pastes of the last message, already read;
        ``account_groups``: groups read from the account this turn, when too large to keep in the case).

        Raises:
            CaseValidationError: stored evidence no longer reads.
        """
        groups, group_format = self._groups(case, account_groups)
        lookups = self._lookups(case)
        hosts = self._host_pastes(case, fresh, "host_firewall")
        listeners = self._host_pastes(case, fresh, "listeners")
        legs = legs_of(case.target, self.vocab.services)
        probes = probes_of(case, groups)
        findings: dict[CheckEvidence, Finding] = {}
        if legs:
            for finding in upstream_findings(self.rules, legs, probes, case):
                findings[finding.evidence] = finding
            if case.account is not None:
                findings["network_acl"] = acl_finding(self._acl(case), legs, probes, case)
            if groups:
                findings["security_groups"] = sg_finding(self.rules, groups, group_format, legs, probes, case, lookups)
            elif "own_ip_only" in case.claims and "changed_network" in case.symptoms and case.direction == "ingress":
                findings["security_groups"] = _statement_finding(legs, probes)
            if hosts:
                findings["host_firewall"] = firewall_finding(hosts, legs, probes, case)
            if listeners and case.direction == "ingress":
                found = listener_finding(listeners[-1], legs, probes, case)
                if found is not None:
                    findings["listeners"] = found
        ranked = rank_checks(case, legs, findings, len(groups), self.vocab)
        conclusion = next(
            (findings[k] for k in TRAFFIC_ORDER[case.direction] if k in findings and findings[k].status == "failed"),
            None,
        )
        return self._answer(case, legs, probes, ranked, conclusion, list(needs))

    def _lookups(self, case: Case) -> Lookups | None:
        """The templates read from the account, for the groups' rules that name them."""
        if case.account is None:
            return None
        try:
            return case.account.lookups()
        except RuleValidationError as e:
            raise CaseValidationError([CaseProblem(("account", *p.loc), p.msg, p.type) for p in e.problems]) from e

    def _acl(self, case: Case) -> NetworkAcl | None:
        assert case.account is not None
        try:
            return case.account.acl()
        except RuleValidationError as e:
            raise CaseValidationError([CaseProblem(("account", *p.loc[1:]), p.msg, p.type) for p in e.problems]) from e

    def _groups(
        self, case: Case, account_groups: Sequence[Mapping[str, object]] | None = None
    ) -> tuple[tuple[SecurityGroup, ...], EvidenceFormat]:
        """The pasted (or read) groups, when they show the rules of the case's direction."""
        if account_groups is not None and not any(e.origin == "account" for e in case.evidence):
            try:
                return parse_security_groups([dict(g) for g in account_groups]), "tencent_json"
            except RuleValidationError:
                return (), "tencent_json"  # read_instance checked them: not reached
        stored = case.evidence_of("security_groups")
        if not stored:
            return (), "tencent_json"
        item = stored[-1]
        key = DIRECTION_KEYS[case.direction]
        if not all(key in (g.get("SecurityGroupPolicySet") or {}) for g in item.groups):
            return (), item.format  # e.g. only the inbound table was pasted for an outbound problem
        at = case.evidence.index(item)
        try:
            return parse_security_groups([dict(g) for g in item.groups], ("evidence", at, "groups")), item.format
        except RuleValidationError as e:
            raise CaseValidationError([CaseProblem(tuple(p.loc), p.msg, p.type) for p in e.problems]) from e

    def _host_pastes(self, case: Case, fresh: Sequence[Paste], kind: str) -> list[HostPaste]:
        found: list[HostPaste] = []
        for at, item in enumerate(case.evidence):
            if item.kind != kind:
                continue
            match = next((p for p in fresh if p.text == item.text and p.reading.format == item.format), None)
            if match is not None:  # read a moment ago: no second read
                found.append(HostPaste(item, match.reading, match.delta))
                continue
            try:
                found.append(HostPaste(item, reread(item.format, item.text)))
            except UnreadableEvidenceError as e:
                raise CaseValidationError.single(
                    ("evidence", at, "text"), f"the stored paste no longer reads: {e}", "evidence_unreadable"
                ) from e
        return found

    def _answer(
        self,
        case: Case,
        legs: Sequence[Leg],
        probes: Probes,
        ranked: Sequence[RankedCheck],
        conclusion: Finding | None,
        needs: list[str],
    ) -> Diagnosis:
        vocab, lang = self.vocab, case.language
        fields = template_fields(case, legs, probes, conclusion, vocab)
        checks = tuple(_worded(r, fields, lang) for r in ranked)
        states = tuple(CheckState(c.id, c.status) for c in checks)
        if conclusion is not None and conclusion.cause is not None:
            return self._concluded(case.with_(checks=states), conclusion, checks, fields, needs)
        if not legs and not case.evidence:
            needs.insert(0, vocab.label("need_target").get(lang))
        todo = next((c for c in checks if c.status == "todo"), None)
        if todo is None and legs:
            cause = vocab.causes["unknown"]
            return Diagnosis(
                lang,
                "unknown",
                cause.title.get(lang),
                cause.summary.render(lang, fields),
                None,
                checks,
                build_fix(cause, None, fields, vocab, lang),
                cause.faq_ids,
                tuple(needs),
                case.with_(checks=states, cause="unknown"),
            )
        if todo is not None and todo.paste:
            needs.append(todo.paste)
        # Evidence that could not settle its check says what would (e.g. `iptables -L -n -v`).
        needs += [r.detail for r in ranked if r.status == "unknown" and r.detail and not r.source_dependent][:1]
        summary = render(vocab.label("next_checks").get(lang), {"title": todo.title if todo else ""})
        faq = tuple(dict.fromkeys(s.faq_id for s in (vocab.checks[todo.id].sources if todo else ()) if s.faq_id))
        updated = case.with_(checks=states, cause=None)
        return Diagnosis(lang, None, None, summary, None, checks, None, faq, tuple(dict.fromkeys(needs)), updated)

    def _concluded(
        self,
        case: Case,
        conclusion: Finding,
        checks: tuple[CheckResult, ...],
        fields: Mapping[str, str],
        needs: list[str],
    ) -> Diagnosis:
        vocab, lang = self.vocab, case.language
        assert conclusion.cause is not None
        cause = vocab.causes[conclusion.cause]
        summary = cause.summary
        if conclusion.source == "statement" and cause.summary_statement is not None:
            summary = cause.summary_statement
        fix = build_fix(cause, conclusion, fields, vocab, lang)
        if needs_group_id(conclusion.plan):
            needs.append(vocab.label("placeholder_group").get(lang))
        if isinstance(conclusion.plan, SgFixPlan) and not conclusion.plan.complete and conclusion.plan.policies:
            needs.append(vocab.checks["source_ip"].paste.get(lang))  # the command needs the user's address
        decided = DecidedBy(
            conclusion.source or "",
            label_text(conclusion, dict(fields), vocab, case),
            conclusion.text,
            conclusion.reason,
            conclusion.flow,
        )
        faq = tuple(dict.fromkeys((*cause.faq_ids, *conclusion.faq_ids)))
        return Diagnosis(
            lang,
            cause.id,
            cause.title.get(lang),
            summary.render(lang, fields),
            decided,
            checks,
            fix,
            faq,
            tuple(needs),
            case.with_(cause=cause.id),
        )


def _worded(ranked: RankedCheck, fields: Mapping[str, str], lang: Language) -> CheckResult:
    check = ranked.check
    return CheckResult(
        check.id,
        ranked.status,
        check.title.render(lang, fields),
        check.why.render(lang, fields),
        check.how.render(lang, fields),
        check.paste.render(lang, fields),
        ranked.detail,
    )


def _statement_finding(legs: Sequence[Leg], probes: Probes) -> Finding:
    """ "I only allowed my own IP" and "I changed networks": the source no longer matches."""
    leg = legs[0]
    cidr = f"{probes.preferred}/{probes.preferred.max_prefixlen}" if probes.known else None
    policy: dict[str, str] = {"Protocol": leg.protocol.upper()}
    if leg.port is not None:
        policy["Port"] = str(leg.port)
    if cidr:
        policy["CidrBlock" if probes.preferred.version == 4 else "Ipv6CidrBlock"] = cidr
    policy["Action"] = "ACCEPT"
    fields = {"target": leg.label(), "proto": leg.protocol.upper(), "port": str(leg.port or "")}
    if cidr:
        fields["cidr"] = cidr
    return Finding(
        "security_groups",
        "failed",
        cause="sg_source_mismatch",
        source="statement",
        label=("statement", {}),
        reason="You said the rule allows only your own address, and that you connect from another network now.",
        flow=leg.flow("ingress", probes.preferred),
        fields=fields,
        plan=SgFixPlan("sg-pasted0", "ingress", 0, (policy,), complete=cidr is not None),
    )
