"""Read the filter table of ``iptables-save`` output (a documented subset).

Understood: the ``*filter`` table's chain policies (``:INPUT DROP [0:0]``), user
chains, and in ``-A`` rules: ``-p`` (names or numbers), ``-s``/``-d`` (address or
CIDR, comma lists), ``--dport``/``--sport`` (port or ``a:b``), ``-m tcp``/``-m udp``,
``-m multiport --dports/--sports``, ``-m comment --comment``, ``-i``/``-o`` (only
``lo`` can be decided: it carries loopback traffic only), ``!`` negation, and
targets ``ACCEPT``, ``DROP``, ``REJECT`` (with ``--reject-with``), ``RETURN``, ``LOG``
(no effect on the verdict) and jumps to user chains. Counters (``[n:m]``, ``-c n m``)
are ignored. Other tables (``*nat``, ``*mangle``…) are skipped.

Anything else (``-m state``/``conntrack``, ``--tcp-flags``, ``-g``, other targets…)
is kept as *unsupported*: the evaluator never guesses what it does, and reports the
rule when it could affect the flow. Malformed input (a rule for an undeclared chain,
a bad port or address, a jump loop, unbalanced quotes) is rejected at load with the
line number.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rules.addresses import IPNetwork, parse_cidr
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.services import PortSet, parse_port_number

BUILTIN_CHAINS = ("INPUT", "FORWARD", "OUTPUT")
TERMINAL_TARGETS = ("ACCEPT", "DROP", "REJECT")
KNOWN_TARGETS = (*TERMINAL_TARGETS, "RETURN", "LOG")
SUPPORTED_MODULES = ("tcp", "udp", "multiport", "comment")
PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "47": "gre", "ipv6-icmp": "icmpv6"}
_COUNTERS = re.compile(r"^\[\d+:\d+\]\s*")

ConditionKind = Literal["protocol", "source", "destination", "dport", "sport", "in_interface", "out_interface"]


@dataclass(frozen=True)
class Condition:
    """One test of a rule, e.g. ``! -s 10.0.0.0/8``."""

    kind: ConditionKind
    negated: bool
    value: str | PortSet | tuple[IPNetwork, ...]


@dataclass(frozen=True)
class IptablesRule:
    """One ``-A`` line: its tests, its target and whatever the checker does not understand."""

    line: int
    chain: str
    text: str
    conditions: tuple[Condition, ...]
    target: str | None
    unsupported: tuple[str, ...]

    def label(self) -> str:
        """How messages quote the rule."""
        return f"line {self.line} `{self.text}`"


@dataclass(frozen=True)
class Chain:
    """A chain's policy (built-in chains only) and rules in order."""

    name: str
    policy: str | None
    rules: tuple[IptablesRule, ...]


@dataclass(frozen=True)
class IptablesRuleset:
    """The filter table; ``family`` is 4 or 6 when the addresses in it tell, else None."""

    chains: Mapping[str, Chain]
    family: int | None


def parse_iptables_save(text: str, loc: Loc = ("iptables_save",)) -> IptablesRuleset:
    """Parse ``iptables-save`` (or ``ip6tables-save``) output.

    Raises:
        RuleValidationError: every malformed line, located as ``(*loc, line_number)``.
    """
    problems = ProblemCollector()
    policies: dict[str, str | None] = {}
    pending: list[tuple[int, str, str]] = []
    table: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COUNTERS.sub("", raw.strip())
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:].strip()
        elif line == "COMMIT":
            table = None
        elif table != "filter":
            continue
        elif line.startswith(":"):
            name, _, rest = line[1:].partition(" ")
            policy = rest.split()[0] if rest.split() else "-"
            policies[name] = None if policy == "-" else policy.upper()
        elif line.startswith(("-A ", "--append ")):
            _, chain, *_ = [*line.split(maxsplit=2), ""]
            pending.append((number, chain, line))
        elif line.startswith(("-N ", "--new-chain ")):
            policies.setdefault(line.split()[1], None)
        else:
            problems.add(
                (*loc, number), f"cannot read {line!r}; pass the output of iptables-save unchanged", "iptables_syntax"
            )
    chains = _build_chains(policies, pending, loc, problems)
    problems.raise_if_any()
    _check_loops(chains, loc)
    return IptablesRuleset(chains, _family(chains, loc))


def _build_chains(
    policies: dict[str, str | None], pending: list[tuple[int, str, str]], loc: Loc, problems: ProblemCollector
) -> dict[str, Chain]:
    for name in BUILTIN_CHAINS:
        policies.setdefault(name, "ACCEPT")  # no filter table: the kernel's default is ACCEPT
    rules: dict[str, list[IptablesRule]] = {name: [] for name in policies}
    for number, chain, line in pending:
        if chain not in policies:
            problems.add(
                (*loc, number),
                f"rule for chain {chain!r}, which is not declared (':{chain} - [0:0]')",
                "iptables_chain",
            )
            continue
        try:
            rules[chain].append(_parse_rule(line, number, chain, set(policies), (*loc, number)))
        except RuleValidationError as e:
            problems.extend(e.problems)
    return {name: Chain(name, policies[name], tuple(rules[name])) for name in policies}


def _parse_rule(line: str, number: int, chain: str, chains: set[str], loc: Loc) -> IptablesRule:
    try:
        tokens = shlex.split(line)[2:]
    except ValueError as e:
        raise RuleValidationError.single(loc, f"cannot split {line!r}: {e}", "iptables_syntax") from e
    parser = _RuleParser(tokens, chains, loc)
    parser.run()
    return IptablesRule(number, chain, line, tuple(parser.conditions), parser.target, tuple(parser.unsupported))


class _RuleParser:
    """Walks one rule's tokens; what it does not understand is kept, not guessed."""

    def __init__(self, tokens: list[str], chains: set[str], loc: Loc) -> None:
        self.tokens, self.chains, self.loc = tokens, chains, loc
        self.conditions: list[Condition] = []
        self.unsupported: list[str] = []
        self.target: str | None = None
        self.i = 0

    def value(self, option: str) -> str:
        if self.i >= len(self.tokens):
            raise RuleValidationError.single(self.loc, f"{option} needs a value", "iptables_syntax")
        self.i += 1
        return self.tokens[self.i - 1]

    def run(self) -> None:
        negated = False
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            self.i += 1
            if token == "!":
                negated = True
                continue
            self.option(token, negated)
            negated = False

    def option(self, token: str, negated: bool) -> None:
        bang = "! " if negated else ""
        if token in ("-p", "--protocol"):
            name = self.value(token).lower()
            if name not in ("all", "0"):
                self.conditions.append(Condition("protocol", negated, PROTOCOL_NUMBERS.get(name, name)))
        elif token in ("-s", "--source", "--src", "-d", "--destination", "--dst"):
            kind: ConditionKind = "source" if token in ("-s", "--source", "--src") else "destination"
            blocks = tuple(parse_cidr(part, self.loc) for part in self.value(token).split(","))
            self.conditions.append(Condition(kind, negated, blocks))
        elif token in ("--dport", "--destination-port", "--sport", "--source-port", "--dports", "--sports"):
            kind = "dport" if token.startswith(("--d",)) else "sport"
            self.conditions.append(Condition(kind, negated, self.ports(self.value(token))))
        elif token in ("-i", "--in-interface", "-o", "--out-interface"):
            kind = "in_interface" if token in ("-i", "--in-interface") else "out_interface"
            self.conditions.append(Condition(kind, negated, self.value(token)))
        elif token in ("-m", "--match"):
            module = self.value(token)
            if module not in SUPPORTED_MODULES:
                self.unsupported.append(f"{bang}-m {module}")
        elif token == "--comment":
            self.value(token)
        elif token in ("-c", "--set-counters"):
            self.value(token)
            self.value(token)
        elif token in ("-j", "--jump"):
            self.jump(self.value(token))
        elif token in ("-g", "--goto"):
            self.target = self.value(token)
            self.unsupported.append(f"-g {self.target}")
        else:
            self.unknown(token, bang)

    def jump(self, target: str) -> None:
        self.target = target
        if target not in KNOWN_TARGETS and target not in self.chains:
            self.unsupported.append(f"-j {target}")
        # Target options follow the target (--reject-with, --log-prefix…): they do not change the verdict.
        while self.i < len(self.tokens) and self.tokens[self.i].startswith("--") and target in KNOWN_TARGETS:
            self.i += 1
            if self.i < len(self.tokens) and not self.tokens[self.i].startswith("-"):
                self.i += 1

    def unknown(self, token: str, bang: str) -> None:
        # An option after an unsupported module (-m state --state …) belongs to it: report them together.
        module = self.unsupported.pop() if self.unsupported and self.unsupported[-1].startswith("-m ") else None
        words = [module, bang + token] if module else [bang + token]
        while self.i < len(self.tokens) and not self.tokens[self.i].startswith("-") and self.tokens[self.i] != "!":
            words.append(self.tokens[self.i])
            self.i += 1
        self.unsupported.append(" ".join(words))

    def ports(self, text: str) -> PortSet:
        ranges: list[tuple[int, int]] = []
        for part in text.split(","):
            low, colon, high = part.partition(":")
            first = parse_port_number(low, self.loc) if low else 0
            last = parse_port_number(high, self.loc) if colon and high else (65535 if colon else first)
            if first > last:
                raise RuleValidationError.single(self.loc, f"port range {part!r} runs backwards", "port_invalid")
            ranges.append((first, last))
        return PortSet(tuple(ranges))


def _check_loops(chains: Mapping[str, Chain], loc: Loc) -> None:
    """iptables itself refuses jump loops; a dump with one was edited by hand."""
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for rule in chains[name].rules:
            target = rule.target
            if target is not None and target in chains and target not in BUILTIN_CHAINS:
                if state.get(target) == 1:
                    raise RuleValidationError.single(
                        (*loc, rule.line),
                        f"jump loop {' -> '.join([*path, target])}; iptables would refuse it",
                        "iptables_loop",
                    )
                if target not in state:
                    visit(target, [*path, target])
        state[name] = 2

    for name in chains:
        if name not in state:
            visit(name, [name])


def _family(chains: Mapping[str, Chain], loc: Loc) -> int | None:
    seen: dict[int, int] = {}
    for chain in chains.values():
        for rule in chain.rules:
            for condition in rule.conditions:
                if isinstance(condition.value, tuple):
                    for block in condition.value:
                        seen.setdefault(block.version, rule.line)
    if len(seen) > 1:
        raise RuleValidationError.single(
            (*loc, max(seen.values())),
            "IPv4 and IPv6 addresses in one dump; give iptables-save or ip6tables-save output",
            "iptables_family",
        )
    return next(iter(seen), None)
