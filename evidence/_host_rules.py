"""Build :class:`rules.IptablesRuleset` objects from any firewall's rules, citing the user's lines.

Every host-firewall reader (iptables listings, nft, firewalld, ufw) translates each rule
it reads into the option syntax of ``iptables-save`` (``-p tcp --dport 22 -j ACCEPT``)
and hands the whole table to :func:`rules.parse_iptables_save`, so that one parser and
one evaluator (:func:`rules.evaluate_iptables`) decide every firewall, including what
the rule engine learns later (state matches, …). The parsed rules are then given back
the user's own line number and text, so a verdict cites what the user pasted.

What a reader cannot translate is not dropped: the rule keeps an *unsupported* part
naming it, and the evaluator answers UNKNOWN when that part could change the verdict.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from evidence._host_lines import Line, problem
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import EvidenceFormat
from rules import IptablesRuleset, RuleValidationError, parse_iptables_save
from rules.iptables import BUILTIN_CHAINS, Chain, IptablesRule

# A target no chain or extension has: the rule is kept, and only its own reasons are shown.
_OPAQUE_TARGET = "UNDECIDABLE"


@dataclass(frozen=True)
class SourceRule:
    """One rule as read from the paste, in ``iptables-save`` option syntax.

    Attributes:
        line: The user's line (several rules may come from one line, e.g. an nft set).
        chain: The chain the rule belongs to (``INPUT``, ``OUTPUT``, ``FORWARD`` or a user chain).
        args: The options after ``-A CHAIN``, e.g. ``-p tcp --dport 22 -j ACCEPT``.
        unsupported: What the rule also tests or does that could not be translated, in the
            user's words; a rule with any never settles a verdict it could change.
        opaque: The rule stands for something that cannot be evaluated at all (a default
            policy the paste does not show): it matches everything it is not excluded from
            and its effect is unknown.
        shown_chain: How explanations name the chain (nft's ``input``); default ``chain``.
    """

    line: Line
    chain: str
    args: str
    unsupported: tuple[str, ...] = ()
    opaque: bool = False
    shown_chain: str | None = None


@dataclass(frozen=True)
class ChainSpec:
    """A chain to declare: built-in chains have a policy, user chains None."""

    name: str
    policy: str | None


def quoted(word: str) -> str:
    """``word`` quoted for the rule text handed to the parser."""
    return shlex.quote(word)


def build_ruleset(
    chains: Sequence[ChainSpec],
    rules: Sequence[SourceRule],
    *,
    format: EvidenceFormat,
    needs: str,
    tool: str,
    family: int | None = None,
) -> IptablesRuleset:
    """Parse ``rules`` as one filter table, with every rule citing the user's line.

    Built-in chains not in ``chains`` get policy ACCEPT, which is the kernel's default
    when a table has no rules: a reader that does not know a chain's policy must say so
    with an opaque rule instead.

    Raises:
        UnreadableEvidenceError: a rule the parser refuses (a bad port or address, a jump
            loop…), with the user's line.
    """
    declared = {spec.name: spec.policy for spec in chains}
    for name in BUILTIN_CHAINS:
        declared.setdefault(name, "ACCEPT")
    lines = ["*filter"]
    lines += [f":{name} {policy or '-'} [0:0]" for name, policy in declared.items()]
    by_line: dict[int, SourceRule] = {}
    for rule in rules:
        args = f"{rule.args} -j {_OPAQUE_TARGET}" if rule.opaque else rule.args
        lines.append(f"-A {rule.chain} {args}".rstrip())
        by_line[len(lines)] = rule
    lines.append("COMMIT")
    try:
        parsed = parse_iptables_save("\n".join(lines), (format,))
    except RuleValidationError as e:
        raise UnreadableEvidenceError(format, _problems(e, by_line), needs) from e
    chains_out = {
        name: Chain(chain.name, chain.policy, tuple(_cite(rule, by_line[rule.line]) for rule in chain.rules))
        for name, chain in parsed.chains.items()
    }
    ruleset = IptablesRuleset(chains_out, parsed.family if family is None else family)
    return with_tool(ruleset, tool)


def missing_chains(names: Sequence[str], near: Line, command: str) -> list[SourceRule]:
    """Opaque rules standing for built-in chains the paste does not show (``iptables -S INPUT``)."""
    return [
        SourceRule(
            Line(near.number, f"(chain {name} is not in the paste)"),
            name,
            "",
            (f"the {name} chain, which the pasted `{command}` output does not show",),
            opaque=True,
        )
        for name in names
    ]


def with_tool(ruleset: IptablesRuleset, tool: str) -> IptablesRuleset:
    """``ruleset`` naming the tool its rules came from, where the rule engine has that field."""
    if "tool" not in {f.name for f in dataclasses.fields(ruleset)}:
        return ruleset
    changes: dict[str, Any] = {"tool": tool}
    return dataclasses.replace(ruleset, **changes)


def with_family(ruleset: IptablesRuleset, family: int | None) -> IptablesRuleset:
    """``ruleset`` for IP version ``family`` (kept as is when None)."""
    return ruleset if family is None else dataclasses.replace(ruleset, family=family)


def _cite(rule: IptablesRule, source: SourceRule) -> IptablesRule:
    # An opaque rule keeps the parser's `-j UNDECIDABLE`: the evaluator then treats its effect as unknown.
    return dataclasses.replace(
        rule,
        line=source.line.number,
        text=source.line.shown,
        chain=source.shown_chain or source.chain,
        unsupported=(*source.unsupported, *rule.unsupported),
    )


def _problems(error: RuleValidationError, by_line: dict[int, SourceRule]) -> list[LineProblem]:
    found: list[LineProblem] = []
    for p in error.problems:
        where = p.loc[-1] if p.loc else None
        source = by_line.get(where) if isinstance(where, int) else None
        found.append(problem(source.line, p.msg) if source else LineProblem(None, "", p.msg))
    return found


def ruleset_rules(ruleset: IptablesRuleset) -> Iterable[IptablesRule]:
    """Every rule of ``ruleset``, chain by chain."""
    for chain in ruleset.chains.values():
        yield from chain.rules
