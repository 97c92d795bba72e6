"""Reader of ``nft list ruleset`` (native nft rule sets and iptables-nft ones).

Each filter base chain hooked where the instance's own traffic passes (``input``,
``prerouting``, netdev ``ingress`` on the way in; ``output``, ``postrouting`` on the way
out; ``forward``) is read as the INPUT, OUTPUT or FORWARD chain of a
:class:`rules.IptablesRuleset`, with the table's regular chains for its jumps. Tables
are in series: a packet must pass every table that sees it, so each table (and each
further base chain on the same hook) is one ruleset of
:attr:`~evidence.models.HostFirewallEvidence.tables`. An ``inet`` (or ``netdev``) table
is two rulesets, one for IPv4 and one for IPv6 (``ip saddr`` rules only in the first,
``ip6 saddr`` rules only in the second); ``ip`` tables are IPv4's, ``ip6`` tables IPv6's.

Skipped, with the line: ``nat``/``route`` chains, ``arp`` and ``bridge`` tables, and
objects other than sets (flowtables, counters…). Rules are read by
:mod:`evidence._host_nft_rule`; what it cannot read stays in the rule as unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence._host_lines import Line, not_output, numbered, problem, skipped
from evidence._host_nft_rule import NftSyntaxError, RuleReader, elements, tokenize
from evidence._host_rules import ChainSpec, SourceRule, build_ruleset, quoted
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import HostFirewallEvidence, Reading, Skipped
from rules import IptablesRuleset
from rules.iptables import BUILTIN_CHAINS

NFT_NEEDS = "Paste the whole output of `nft list ruleset`, unchanged."
_TABLE = re.compile(r"^\s*table\s+(?P<family>ip|ip6|inet|arp|bridge|netdev)\s+(?P<name>\S+)\s*\{\s*$")
_CHAIN = re.compile(r"^\s*chain\s+(?P<name>\S+)\s*\{\s*$")
_OBJECT = re.compile(
    r"^\s*(?P<kind>set|map|flowtable|counter|quota|limit|ct\s+\S+|secmark|synproxy)\s+(?P<name>\S+)\s*\{"
)
_BASE = re.compile(
    r"^\s*type\s+(?P<type>\w+)\s+hook\s+(?P<hook>\w+)(?:\s+device\s+\S+)?\s+priority\s+(?P<priority>[^;]+);"
    r"(?:\s*policy\s+(?P<policy>\w+);)?\s*$"
)
_HOOKS = {
    "input": "INPUT",
    "prerouting": "INPUT",
    "ingress": "INPUT",
    "output": "OUTPUT",
    "postrouting": "OUTPUT",
    "egress": "OUTPUT",
    "forward": "FORWARD",
}
_PRIORITIES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}
_VIEWS = {"ip": (4,), "ip6": (6,), "inet": (4, 6), "netdev": (4, 6)}


def looks_like_nft(text: str) -> bool:
    """A ``table <family> <name> {`` line and a ``chain <name> {`` line."""
    return any(_TABLE.match(line) for line in text.splitlines()) and any(
        _CHAIN.match(line) for line in text.splitlines()
    )


@dataclass
class _Chain:
    name: str
    line: Line
    hook: str | None = None
    kind: str | None = None
    priority: int = 0
    policy: str = "ACCEPT"
    rules: list[tuple[Line, str]] = field(default_factory=list)


@dataclass
class _Table:
    family: str
    name: str
    line: Line
    chains: list[_Chain] = field(default_factory=list)
    sets: dict[str, list[str] | None] = field(default_factory=dict)


def read_nft(text: str) -> Reading:
    """Read ``nft list ruleset`` output.

    Raises:
        UnreadableEvidenceError: unbalanced braces, a rule that cannot be split into words,
            or no filter chain on the instance's traffic.
    """
    lines = numbered(text)
    tables, skips, problems = _structure(lines)
    if problems:
        raise UnreadableEvidenceError("nft", problems, NFT_NEEDS)
    rulesets: list[IptablesRuleset] = []
    notes: list[str] = []
    for table in tables:
        rulesets += _table_rulesets(table, skips, notes)
    if not rulesets:
        raise UnreadableEvidenceError(
            "nft", [LineProblem(None, "", "no filter chain hooked on input, output or forward")], NFT_NEEDS
        )
    if any("xt " in s for r in rulesets for c in r.chains.values() for rule in c.rules for s in rule.unsupported):
        notes.append("rules shown as `xt match`/`xt target` were made by iptables-nft; `iptables-save` shows them")
    return Reading(
        "nft", HostFirewallEvidence(tuple(rulesets)), tuple(sorted(skips, key=lambda s: s.line)), tuple(notes)
    )


def _structure(lines: Sequence[Line]) -> tuple[list[_Table], list[Skipped], list[LineProblem]]:
    """Tables, chains, sets and rule lines, by braces."""
    tables: list[_Table] = []
    skips: list[Skipped] = []
    problems: list[LineProblem] = []
    table: _Table | None = None
    chain: _Chain | None = None
    block: tuple[str, str, Line, list[str]] | None = None  # a set/map/object being read
    depth = 0  # open braces of that object
    for line in lines:
        stripped = line.text.strip()
        if block is not None and table is not None:
            block[3].append(stripped)
            depth += stripped.count("{") - stripped.count("}")
            if depth <= 0:
                _close_object(table, block, skips)
                block = None
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if table is None:
            match = _TABLE.match(line.text)
            if match:
                table = _Table(match.group("family"), match.group("name"), line)
                tables.append(table)
            else:
                skips.append(not_output(line, "nft list ruleset"))
        elif chain is None:
            if stripped == "}":
                table = None
            elif match := _CHAIN.match(line.text):
                chain = _Chain(match.group("name"), line)
                table.chains.append(chain)
            elif match := _OBJECT.match(line.text):
                block = (match.group("kind"), match.group("name"), line, [stripped])
                depth = stripped.count("{") - stripped.count("}")
                if depth <= 0:
                    _close_object(table, block, skips)
                    block = None
            else:
                problems.append(problem(line, "expected a chain, a set or } inside a table"))
        elif stripped == "}":
            chain = None
        elif match := _BASE.match(line.text):
            chain.kind, chain.hook = match.group("type"), match.group("hook")
            chain.priority = _priority(match.group("priority"))
            chain.policy = (match.group("policy") or "accept").upper()
        elif stripped.startswith("comment "):
            continue
        else:
            chain.rules.append((line, stripped))
    if table is not None:
        problems.append(problem(table.line, "this table is not closed with }: the paste may be cut short"))
    return tables, skips, problems


def _close_object(table: _Table, block: tuple[str, str, Line, list[str]], skips: list[Skipped]) -> None:
    kind, name, line, text = block
    if kind != "set":
        skips.append(skipped(line, f"an nft {kind} object; rules that use it are read as unsupported"))
        return
    joined = " ".join(text)
    match = re.search(r"elements\s*=\s*(\{[^{}]*\})", joined)
    if not match:
        table.sets[name] = None  # a set filled at run time: its members are not in the paste
        return
    try:
        tokens = tokenize(match.group(1))
    except NftSyntaxError:
        table.sets[name] = None
        return
    members = elements(tokens[0]) if tokens else []
    table.sets[name] = [str(e[0]) for e in members if len(e) == 1 and isinstance(e[0], str)]


def _priority(text: str) -> int:
    """``filter``, ``filter + 10``, ``-150`` as a number (unknown words count as 0)."""
    match = re.fullmatch(r"\s*(?P<base>[\w-]+)\s*(?:(?P<sign>[+-])\s*(?P<offset>\d+))?\s*", text)
    if not match:
        return 0
    base = match.group("base")
    value = _PRIORITIES.get(base, int(base) if base.lstrip("-").isdigit() else 0)
    offset = int(match.group("offset") or 0)
    return value + (offset if match.group("sign") == "+" else -offset)


def _table_rulesets(table: _Table, skips: list[Skipped], notes: list[str]) -> list[IptablesRuleset]:
    views = _VIEWS.get(table.family)
    if views is None:
        skips.append(skipped(table.line, f"an nft {table.family} table: it does not filter the instance's IP traffic"))
        return []
    bases = [c for c in table.chains if c.hook is not None]
    filters = [c for c in bases if c.kind == "filter" and c.hook in _HOOKS]
    for chain in bases:
        if chain not in filters:
            skips.append(skipped(chain.line, f"a {chain.kind} chain on hook {chain.hook}: it does not filter"))
    if not filters:
        return []
    regular = [c for c in table.chains if c.hook is None]
    layers = _layers(filters)
    found: list[IptablesRuleset] = []
    for layer in layers:
        for chain in layer.values():
            notes.append(
                f"table {table.family} {table.name}, chain {chain.name} (line {chain.line.number}, hook "
                f"{chain.hook}, policy {chain.policy.lower()}) is read as {_HOOKS[str(chain.hook)]}"
            )
        for family in views:
            found.append(_ruleset(table, layer, regular, family))
    return found


def _layers(filters: list[_Chain]) -> list[dict[str, _Chain]]:
    """Base chains grouped so that each group has at most one chain per hook, by priority."""
    by_hook: dict[str, list[_Chain]] = {}
    for chain in sorted(filters, key=lambda c: c.priority):
        by_hook.setdefault(_HOOKS[str(chain.hook)], []).append(chain)
    depth = max(len(chains) for chains in by_hook.values())
    return [{hook: chains[k] for hook, chains in by_hook.items() if k < len(chains)} for k in range(depth)]


def _ruleset(table: _Table, layer: dict[str, _Chain], regular: list[_Chain], family: int) -> IptablesRuleset:
    keys = {c.name: (c.name if c.name not in BUILTIN_CHAINS else f"{c.name}_") for c in regular}
    reader = RuleReader(table.sets, lambda name: keys.get(name, name))
    specs = [ChainSpec(hook, chain.policy) for hook, chain in layer.items()]
    specs += [ChainSpec(keys[c.name], None) for c in regular]
    rules: list[SourceRule] = []
    problems: list[LineProblem] = []
    for hook, chain in layer.items():
        rules += _chain_rules(reader, chain, hook, family, problems)
    for chain in regular:
        rules += _chain_rules(reader, chain, keys[chain.name], family, problems)
    if problems:
        raise UnreadableEvidenceError("nft", problems, NFT_NEEDS)
    return build_ruleset(specs, rules, format="nft", needs=NFT_NEEDS, tool="nft", family=family)


def _chain_rules(
    reader: RuleReader, chain: _Chain, key: str, family: int, problems: list[LineProblem]
) -> list[SourceRule]:
    rules: list[SourceRule] = []
    for line, text in chain.rules:
        try:
            translated = reader.read(tokenize(text))
        except NftSyntaxError as e:
            problems.append(problem(line, str(e)))
            continue
        for rule in translated:
            if rule.family not in (None, family):
                continue  # an `ip saddr` rule never matches in the IPv6 view of an inet table
            args = [*rule.args, *(["-j", rule.target] if rule.target else [])]
            text_args = " ".join(a if a == "!" else quoted(a) for a in args)
            rules.append(SourceRule(line, key, text_args, tuple(rule.unsupported), shown_chain=chain.name))
    return rules
