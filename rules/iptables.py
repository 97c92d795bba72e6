"""Host firewall rules: the public model, and a reader for ``iptables-save`` output.

The model (:class:`IptablesRuleset` of :class:`Chain` of :class:`IptablesRule` with
:class:`Condition` tests) is public and can be built directly, e.g. by readers of other
tools' output (ufw, firewalld, nft, ``iptables -L``); ``IptablesRuleset.tool`` names the
tool, and explanations quote rules as ``<tool> rule line <n> `<text>```.

The ``iptables-save`` reader understands (a documented subset): the ``*filter``
table's chain policies (``:INPUT DROP [0:0]``), user chains, and in ``-A`` rules:
``-p`` (names or numbers), ``-s``/``-d`` (address or CIDR, comma lists),
``--dport``/``--sport`` (port or ``a:b``), ``-m tcp``/``-m udp`` (and ``--syn``),
``-m multiport --dports/--sports/--ports``, ``-m state --state`` and ``-m conntrack
--ctstate`` (evaluated for the first packet of a new connection: state NEW),
``-m comment --comment``, ``-i``/``-o`` (only ``lo`` can be decided: it carries loopback
traffic only), ``!`` negation, targets ``ACCEPT``, ``DROP``, ``REJECT`` (with
``--reject-with``), ``RETURN``, jumps (``-j``) and gotos (``-g``) to user chains, and the
non-terminating targets in ``CONTINUE_TARGETS`` (``LOG``, ``MARK``…), after which the walk
goes on. Counters (``[n:m]``, ``-c n m``) are ignored. Other tables (``*nat``…) are skipped.

Anything else (``--tcp-flags``, ``-m iprange``, other targets…) is kept as *unsupported*:
the evaluator never guesses what it does, and reports the rule when it could affect
the flow. Malformed input (a rule for an undeclared chain, a bad port, address or
state, a built-in chain policy other than ACCEPT/DROP, a jump loop, unbalanced
quotes) is rejected at load with the line number.
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
CONTINUE_TARGETS = ("LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TCPMSS", "CLASSIFY", "DSCP", "TOS")
KNOWN_TARGETS = (*TERMINAL_TARGETS, "RETURN", *CONTINUE_TARGETS)
SUPPORTED_MODULES = ("tcp", "udp", "multiport", "comment", "state", "conntrack")
STATES = {"state": frozenset({"INVALID", "ESTABLISHED", "NEW", "RELATED", "UNTRACKED"})}
STATES["conntrack"] = STATES["state"] | {"SNAT", "DNAT"}
PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "47": "gre", "ipv6-icmp": "icmpv6"}
_COUNTERS = re.compile(r"^\[\d+:\d+\]\s*")

ConditionKind = Literal[
    "protocol", "source", "destination", "dport", "sport", "ports", "in_interface", "out_interface", "state", "syn"
]


@dataclass(frozen=True)
class Condition:
    """One test of a rule, e.g. ``! -s 10.0.0.0/8``.

    Attributes:
        kind: What is tested: ``protocol`` (value: a name such as ``tcp``), ``source`` /
            ``destination`` (value: blocks), ``dport`` / ``sport`` / ``ports`` (value: a
            :class:`PortSet`; ``ports`` is either port), ``in_interface`` /
            ``out_interface`` (value: a name), ``state`` (value: connection states such as
            ``frozenset({"NEW"})``), ``syn`` (a TCP SYN; value unused).
        negated: True for ``!``.
        value: See ``kind``.
    """

    kind: ConditionKind
    negated: bool
    value: str | PortSet | tuple[IPNetwork, ...] | frozenset[str]


@dataclass(frozen=True)
class IptablesRule:
    """One rule: its tests, its target and whatever the checker does not understand.

    Attributes:
        line: 1-based line of the rule in the tool's output.
        chain: The chain it belongs to.
        text: The rule as written, quoted in explanations.
        conditions: Tests that must all hold.
        target: What a match does: ``ACCEPT``, ``DROP``, ``REJECT``, ``RETURN``, a
            non-terminating target, a chain name, or None (no target: counting only).
        unsupported: Parts the checker does not evaluate (then the rule may or may not match).
        goto: True for ``-g`` (go to the chain, without coming back here).
    """

    line: int
    chain: str
    text: str
    conditions: tuple[Condition, ...]
    target: str | None
    unsupported: tuple[str, ...]
    goto: bool = False

    def label(self, tool: str = "iptables") -> str:
        """How messages quote the rule, e.g. ``iptables rule line 12 `-A INPUT -j DROP```."""
        return f"{tool} rule line {self.line} `{self.text}`"


@dataclass(frozen=True)
class Chain:
    """A chain's policy (built-in chains: ``ACCEPT`` or ``DROP``; user chains: None) and rules in order."""

    name: str
    policy: str | None
    rules: tuple[IptablesRule, ...]


@dataclass(frozen=True)
class IptablesRuleset:
    """A host's filter rules.

    Attributes:
        chains: By name; ``INPUT`` and ``OUTPUT`` must be present.
        family: 4 or 6 when the rules tell which IP version they filter, else None.
        tool: The tool the rules came from (``iptables``, ``ufw``, ``firewalld``…), used in explanations.
    """

    chains: Mapping[str, Chain]
    family: int | None
    tool: str = "iptables"


def parse_iptables_save(text: str, loc: Loc = ("iptables_save",)) -> IptablesRuleset:
    """Parse ``iptables-save`` (or ``ip6tables-save``) output.

    Raises:
        RuleValidationError: every malformed line, located as ``(*loc, line_number)``.
    """
    problems = ProblemCollector()
    policies: dict[str, str | None] = {}
    pending: list[tuple[int, str, str]] = []
    table: str | None = None
    header_family: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COUNTERS.sub("", raw.strip())
        if line.startswith("# Generated by"):
            header_family = 6 if "ip6tables" in line else 4
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:].strip()
        elif line == "COMMIT":
            table = None
        elif table != "filter":
            continue
        elif line.startswith(":"):
            _declare(line, number, policies, loc, problems)
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
    return IptablesRuleset(chains, _family(chains, loc, header_family))


def _declare(line: str, number: int, policies: dict[str, str | None], loc: Loc, problems: ProblemCollector) -> None:
    name, _, rest = line[1:].partition(" ")
    policy = rest.split()[0] if rest.split() else "-"
    if name in BUILTIN_CHAINS and policy not in ("ACCEPT", "DROP"):
        problems.add(
            (*loc, number),
            f"the policy of built-in chain {name} must be ACCEPT or DROP, got {policy!r}",
            "iptables_policy",
        )
        return
    if name not in BUILTIN_CHAINS and policy != "-":
        problems.add(
            (*loc, number), f"user chain {name} cannot have a policy (write ':{name} - [0:0]')", "iptables_policy"
        )
        return
    policies[name] = None if policy == "-" else policy


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


_SHELL_QUOTING = re.compile(r"[\"'\\]")


def _split(line: str) -> list[str]:
    """A rule's words as the shell would split them; a plain split when nothing is quoted or
    escaped and the line is ASCII (most rules: shlex costs most of the time of reading a dump)."""
    return line.split() if line.isascii() and not _SHELL_QUOTING.search(line) else shlex.split(line)


def _parse_rule(line: str, number: int, chain: str, chains: set[str], loc: Loc) -> IptablesRule:
    try:
        tokens = _split(line)[2:]
    except ValueError as e:
        raise RuleValidationError.single(loc, f"cannot split {line!r}: {e}", "iptables_syntax") from e
    parser = _RuleParser(tokens, chains, loc)
    parser.run()
    return IptablesRule(
        number, chain, line, tuple(parser.conditions), parser.target, tuple(parser.unsupported), parser.goto
    )


class _RuleParser:
    """Walks one rule's tokens; what it does not understand is kept, not guessed."""

    STATE_OPTIONS = frozenset({("--state", "state"), ("--ctstate", "conntrack")})

    def __init__(self, tokens: list[str], chains: set[str], loc: Loc) -> None:
        self.tokens, self.chains, self.loc = tokens, chains, loc
        self.conditions: list[Condition] = []
        self.unsupported: list[str] = []
        self.target: str | None = None
        self.goto = False
        self.modules: list[str] = []
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
        has_state = any(c.kind == "state" for c in self.conditions)
        if "state" in self.modules and not has_state:
            raise RuleValidationError.single(self.loc, "-m state needs --state", "iptables_syntax")
        other_options = any(u.startswith("-m conntrack") for u in self.unsupported)
        if "conntrack" in self.modules and not has_state and not other_options:
            raise RuleValidationError.single(
                self.loc, "-m conntrack needs an option such as --ctstate", "iptables_syntax"
            )

    def option(self, token: str, negated: bool) -> None:
        bang = "! " if negated else ""
        if token in ("-p", "--protocol"):
            name = self.value(token).lower()
            protocol = "all" if name == "0" else PROTOCOL_NUMBERS.get(name, name)
            self.conditions.append(Condition("protocol", negated, protocol))
        elif token in ("-s", "--source", "--src", "-d", "--destination", "--dst"):
            kind: ConditionKind = "source" if token in ("-s", "--source", "--src") else "destination"
            blocks = tuple(parse_cidr(part, self.loc) for part in self.value(token).split(","))
            self.conditions.append(Condition(kind, negated, blocks))
        elif token in ("--dport", "--destination-port", "--dports", "--destination-ports"):
            self.conditions.append(Condition("dport", negated, self.ports(self.value(token))))
        elif token in ("--sport", "--source-port", "--sports", "--source-ports"):
            self.conditions.append(Condition("sport", negated, self.ports(self.value(token))))
        elif token == "--ports" and "multiport" in self.modules:
            self.conditions.append(Condition("ports", negated, self.ports(self.value(token))))
        elif (token, "state") in self.STATE_OPTIONS or (token, "conntrack") in self.STATE_OPTIONS:
            module = "state" if token == "--state" else "conntrack"
            if module not in self.modules:
                raise RuleValidationError.single(self.loc, f"{token} needs -m {module} before it", "iptables_syntax")
            self.conditions.append(Condition("state", negated, self.states(self.value(token), module)))
        elif token == "--syn":
            self.conditions.append(Condition("syn", negated, ""))
        elif token in ("-i", "--in-interface", "-o", "--out-interface"):
            kind = "in_interface" if token in ("-i", "--in-interface") else "out_interface"
            self.conditions.append(Condition(kind, negated, self.value(token)))
        elif token in ("-m", "--match"):
            module = self.value(token)
            self.modules.append(module)
            if module not in SUPPORTED_MODULES:
                self.unsupported.append(f"{bang}-m {module}")
        elif token == "--comment":
            self.value(token)
        elif token in ("-c", "--set-counters"):
            self.value(token)
            self.value(token)
        elif token in ("-j", "--jump", "-g", "--goto"):
            self.jump(self.value(token), goto=token in ("-g", "--goto"))
        else:
            self.unknown(token, bang)

    def jump(self, target: str, goto: bool) -> None:
        self.target, self.goto = target, goto
        if target not in KNOWN_TARGETS and target not in self.chains:
            self.unsupported.append(f"{'-g' if goto else '-j'} {target}")
        # Target options follow the target (--reject-with, --log-prefix, --set-mark…): they do
        # not change whether the rule matches.
        while self.i < len(self.tokens) and self.tokens[self.i].startswith("--"):
            self.i += 1
            if self.i < len(self.tokens) and not self.tokens[self.i].startswith("-"):
                self.i += 1

    def unknown(self, token: str, bang: str) -> None:
        # An option after an unsupported module (-m iprange --src-range …) belongs to it: report them together.
        module = self.unsupported.pop() if self.unsupported and self.unsupported[-1].startswith("-m ") else None
        if module is None and self.modules and self.modules[-1] in ("state", "conntrack", "tcp", "udp", "multiport"):
            module = f"-m {self.modules[-1]}"
        words = [module, bang + token] if module else [bang + token]
        while self.i < len(self.tokens) and not self.tokens[self.i].startswith("-") and self.tokens[self.i] != "!":
            words.append(self.tokens[self.i])
            self.i += 1
        self.unsupported.append(" ".join(words))

    def states(self, text: str, module: str) -> frozenset[str]:
        names = frozenset(text.split(","))
        unknown = sorted(names - STATES[module])
        if unknown or not text:
            shown = ", ".join(unknown) or repr(text)
            raise RuleValidationError.single(
                self.loc,
                f"unknown connection state {shown}; -m {module} knows {', '.join(sorted(STATES[module]))}",
                "iptables_state",
            )
        return names

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


def _family(chains: Mapping[str, Chain], loc: Loc, header: int | None) -> int | None:
    seen: dict[int, int] = {}
    for chain in chains.values():
        for rule in chain.rules:
            for condition in rule.conditions:
                if condition.kind in ("source", "destination") and isinstance(condition.value, tuple):
                    for block in condition.value:
                        seen.setdefault(block.version, rule.line)
                if condition.kind == "protocol" and condition.value == "icmpv6":
                    seen.setdefault(6, rule.line)
    if len(seen) > 1:
        raise RuleValidationError.single(
            (*loc, max(seen.values())),
            "IPv4 and IPv6 addresses in one dump; give iptables-save or ip6tables-save output",
            "iptables_family",
        )
    return next(iter(seen), header)
