"""``iptables -L -n [-v] [--line-numbers]`` listings, translated rule by rule.

A listing is a run of ``Chain NAME (policy P …)`` / ``Chain NAME (N references)``
blocks, each with a column header (``[num] [pkts bytes] target prot opt [in out]
source destination``) and rows. Rows are translated into ``iptables-save`` options
and parsed by the rule engine (:mod:`evidence._host_rules`).

What differs between versions and is read either way: the protocol column as names
(``all``, ``tcp``; iptables before 1.8.9 and without ``-n``) or numbers (``0``, ``6``,
``17``; 1.8.9), ``anywhere`` and port names without ``-n`` (``tcp dpt:ssh``, read from
the system's services table), ip6tables' empty ``opt`` column, rows without a target.

The match text after the destination column is read for ``tcp``/``udp`` ports
(``dpt:22``, ``dpts:8000:8010``, ``dpt:!22``, ``spt:53``), ``multiport dports|sports``,
``state …`` and ``ctstate …`` (negated too), comments and target options
(``reject-with …``, ``LOG flags … prefix …``). Anything else (``tcp flags:…``,
``limit: …``, ``recent: …``, ``ADDRTYPE match …``, ``icmptype 8``, ``match-set …``)
is kept as an unsupported part of the rule, so the evaluator answers UNKNOWN when it
could change the verdict.

Without ``-v`` the listing hides interface tests: a rule that shows no test at all
(``ACCEPT all -- 0.0.0.0/0 0.0.0.0/0``) is usually ``-i lo`` (loopback only), so such
a rule that lets traffic through is read as testing something unknown; other rules
are read as for any interface, which the notes say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evidence._host_lines import Line, family_from_commands, not_output, problem, prompt_command, skipped
from evidence._host_ports import port_number
from evidence._host_rules import ChainSpec, SourceRule, build_ruleset, missing_chains, quoted
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import Skipped
from rules import IptablesRuleset
from rules.iptables import BUILTIN_CHAINS

LIST_NEEDS = "Paste the whole output of `iptables -L -n -v` (or `iptables-save`), unchanged."
_CHAIN = re.compile(
    r"^Chain (?P<name>\S+) \((?:policy (?P<policy>[A-Z]+)(?: \S+ packets, \S+ bytes)?|(?P<refs>\d+) references)\)\s*$"
)
_HEADER = re.compile(r"^\s*(?:num\s+)?(?:pkts\s+bytes\s+)?target\s+prot\s+opt\s+(?:in\s+out\s+)?source\s+destination")
_ADDRESS = re.compile(r"^!?(?:anywhere|\d{1,3}(?:\.\d{1,3}){3}(?:/[0-9.]+)?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:/\d+)?)$")
_OPT = ("--", "-f", "!f")
_WORD = re.compile(r"\S+")
_SYN = ("0x17/0x02", "FIN,SYN,RST,ACK/SYN")  # how -L prints --syn (with and without -n)
_NAT_CHAINS = ("PREROUTING", "POSTROUTING")
FAMILY_UNKNOWN = (
    "the paste does not show whether these are iptables (IPv4) or ip6tables (IPv6) rules; they were read as "
    "filtering both"
)


def looks_like_listing(text: str) -> bool:
    """A chain header line and a column header line."""
    return any(_CHAIN.match(line.strip()) for line in text.splitlines()) and any(
        _HEADER.match(line) for line in text.splitlines()
    )


@dataclass
class _Listing:
    """One command's output: its chains, rows, and what it says about itself."""

    chains: list[ChainSpec] = field(default_factory=list)
    rules: list[SourceRule] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    verbose: bool = False
    families: set[int] = field(default_factory=set)
    command: str | None = None


def read_listing_groups(lines: Sequence[Line]) -> tuple[list[IptablesRuleset], list[Skipped], list[str]]:
    """Every filter listing in ``lines`` as a ruleset, the skipped lines, and notes.

    Raises:
        UnreadableEvidenceError: a row that cannot be read, or no filter-table listing.
    """
    listings, skips, problems = _split(lines)
    if problems:
        raise UnreadableEvidenceError("iptables_list", problems, LIST_NEEDS)
    tables: list[IptablesRuleset] = []
    notes: list[str] = []
    for listing in listings:
        names = {c.name for c in listing.chains}
        if names & set(_NAT_CHAINS):
            skips += [
                skipped(line, "the nat/mangle/raw table; only the filter table is checked") for line in listing.lines
            ]
            continue
        tables.append(_ruleset(listing, notes))
    if not tables:
        raise UnreadableEvidenceError(
            "iptables_list", [LineProblem(None, "", "no listing of the filter table (INPUT, OUTPUT)")], LIST_NEEDS
        )
    return tables, sorted(skips, key=lambda s: s.line), notes


def _split(lines: Sequence[Line]) -> tuple[list[_Listing], list[Skipped], list[LineProblem]]:
    listings: list[_Listing] = []
    skips: list[Skipped] = []
    problems: list[LineProblem] = []
    current: _Listing | None = None
    chain: str | None = None
    columns: list[str] | None = None
    command: str | None = None
    for line in lines:
        stripped = line.text.strip()
        header = _CHAIN.match(stripped)
        if header:
            name = header.group("name")
            seen = {c.name for c in current.chains} if current else set()
            if current is None or name in seen or (command is not None and current.command != command):
                current = _Listing(command=command)
                listings.append(current)
            current.chains.append(ChainSpec(name, header.group("policy")))
            current.lines.append(line)
            chain, columns = name, None
        elif chain is not None and current is not None and columns is None and _HEADER.match(line.text):
            columns = line.text.split()
            current.verbose = current.verbose or "pkts" in columns
            current.lines.append(line)
        elif chain is not None and current is not None and columns is not None and stripped:
            try:
                current.rules.append(_row(line, chain, columns, current))
                current.lines.append(line)
            except _RowError as e:
                problems.append(problem(line, str(e)))
        else:
            chain, columns = None, None
            if stripped:
                command = prompt_command(stripped) or command
                skips.append(not_output(line, "iptables -L"))
    return listings, skips, problems


class _RowError(ValueError):
    """A row of a chain that cannot be read."""


def _row(line: Line, chain: str, columns: list[str], listing: _Listing) -> SourceRule:
    """One row as a rule in ``iptables-save`` syntax."""
    words = line.text.split()
    lead = int("num" in columns) + 2 * int("pkts" in columns)
    if len(words) < lead + 3:
        raise _RowError("too few columns for a rule")
    words = words[lead:]
    at = next((i for i in range(1, len(words) - 1) if _ADDRESS.match(words[i]) and _ADDRESS.match(words[i + 1])), None)
    if at is None:
        raise _RowError("no source and destination columns (run iptables with -n)")
    before = words[:at]
    if "in" in columns:
        if len(before) < 3:
            raise _RowError("no in/out interface columns")
        before, interfaces = before[:-2], before[-2:]
    else:
        interfaces = ["*", "*"]
    if before and before[-1] in _OPT:
        opt, before = before[-1], before[:-1]
    else:
        opt = "--"
    if len(before) not in (1, 2):
        raise _RowError("cannot tell the target and protocol columns apart")
    target, protocol = (before[0], before[1]) if len(before) == 2 else (None, before[0])
    source, destination = words[at], words[at + 1]
    rest = _rest_of(line.text, at + lead + 2)
    for address in (source, destination):
        if address.lstrip("!") != "anywhere":
            listing.families.add(6 if ":" in address else 4)
    return _translate(line, chain, target, protocol, opt, interfaces, source, destination, rest, listing.verbose)


def _rest_of(text: str, count: int) -> str:
    """The text after the first ``count`` words (the match text, with its spacing and comments)."""
    position = 0
    for _ in range(count):
        match = _WORD.search(text, position)
        if match is None:
            return ""
        position = match.end()
    return text[position:].strip()


def _translate(
    line: Line,
    chain: str,
    target: str | None,
    protocol: str,
    opt: str,
    interfaces: list[str],
    source: str,
    destination: str,
    rest: str,
    verbose: bool,
) -> SourceRule:
    args: list[str] = []
    unsupported: list[str] = []
    name = protocol.lstrip("!")
    if name not in ("all", "0"):
        args += (["!"] if protocol.startswith("!") else []) + ["-p", name]
    if opt != "--":
        unsupported.append(f"fragments only ({opt})")
    for flag, value in zip(("-i", "-o"), interfaces, strict=True):
        if value != "*":
            args += ["!", flag, value[1:]] if value.startswith("!") else [flag, value]
    for flag, value in (("-s", source), ("-d", destination)):
        bare = value.lstrip("!")
        if bare not in ("anywhere", "0.0.0.0/0", "::/0"):
            args += ["!", flag, bare] if value.startswith("!") else [flag, bare]
    match_args, match_unsupported = read_match_text(rest, name)
    args += match_args
    unsupported += match_unsupported
    shows_nothing = not args and not unsupported
    if target:
        args += ["-j", target]
    if not verbose and shows_nothing and target not in (None, "DROP", "REJECT", "LOG"):
        # `-i lo -j ACCEPT` prints as an accept-everything row without -v.
        unsupported.append("a test `iptables -L` shows only with -v (often `-i lo`: loopback traffic only)")
    return SourceRule(line, chain, " ".join(quoted(a) if a != "!" else a for a in args), tuple(unsupported))


# --- the match text --------------------------------------------------------------------------

_Reader = Callable[[re.Match[str], str], tuple[list[str], list[str]]]


def _ports(match: re.Match[str], protocol: str) -> tuple[list[str], list[str]]:
    args = ["-m", match.group("proto")]
    unsupported: list[str] = []
    for item in re.finditer(r"(?P<side>[sd])pts?:(?P<neg>!)?(?P<value>\S+)", match.group("items") or ""):
        ports = _port_text(item.group("value"), match.group("proto"))
        if ports is None:
            unsupported.append(f"{match.group('proto')} {item.group(0)}")
            continue
        option = "--dport" if item.group("side") == "d" else "--sport"
        args += ["!", option, ports] if item.group("neg") else [option, ports]
    for flags in re.finditer(r"(?:flags|option)[:=](?P<neg>!)?(?P<value>\S+)", match.group("items") or ""):
        if flags.group(0).startswith("flags") and flags.group("value") in _SYN:
            args += ["!", "--syn"] if flags.group("neg") else ["--syn"]
        else:
            unsupported.append(f"{match.group('proto')} {flags.group(0)}")
    del protocol
    return args, unsupported


def _multiport(match: re.Match[str], protocol: str) -> tuple[list[str], list[str]]:
    side, negated, value = match.group("side"), match.group("neg"), match.group("value")
    ports = _port_text(value, protocol)
    if ports is None:
        return [], [match.group(0)]
    option = {"dports": "--dports", "sports": "--sports", "ports": "--ports"}[side]
    return ["-m", "multiport", *(["!"] if negated else []), option, ports], []


def _state(match: re.Match[str], protocol: str) -> tuple[list[str], list[str]]:
    del protocol
    negated = bool(match.group("neg1") or match.group("neg2"))
    states = match.group("states")
    if match.group("kind") == "state":
        return ["-m", "state", *(["!"] if negated else []), "--state", states], []
    return ["-m", "conntrack", *(["!"] if negated else []), "--ctstate", states], []


def _nothing(match: re.Match[str], protocol: str) -> tuple[list[str], list[str]]:
    del match, protocol
    return [], []


_MATCHERS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (re.compile(r"/\*.*?\*/"), _nothing),
    (re.compile(r"(?P<proto>tcp|udp)(?P<items>(?:\s+(?:[sd]pts?:!?\S+|flags:!?\S+|option=!?\d+))*)(?=\s|$)"), _ports),
    (re.compile(r"multiport (?P<side>dports|sports|ports)\s+(?P<neg>!)?\s*(?P<value>\S+)"), _multiport),
    (re.compile(r"(?P<neg1>!\s+)?(?P<kind>state|ctstate)\s+(?P<neg2>!\s*)?(?P<states>[A-Z,]+)"), _state),
    (re.compile(r"reject-with \S+"), _nothing),
    (re.compile(r'LOG (?:flags \d+ )?level \S+(?: prefix ".*?")?(?: uid)?'), _nothing),
)


def read_match_text(rest: str, protocol: str) -> tuple[list[str], list[str]]:
    """``iptables-save`` options for the match text, and the parts that could not be read."""
    args: list[str] = []
    unsupported: list[str] = []
    position = 0
    while position < len(rest):
        if rest[position].isspace():
            position += 1
            continue
        for pattern, reader in _MATCHERS:
            match = pattern.match(rest, position)
            if match:
                more, left = reader(match, protocol)
                args += more
                unsupported += left
                position = match.end()
                break
        else:
            unsupported.append(rest[position:].strip())
            break
    return args, unsupported


def _port_text(value: str, protocol: str) -> str | None:
    """``8000:8010`` / ``80,443`` / ``ssh`` as numbers in iptables syntax, or None for an unknown name."""
    parts: list[str] = []
    for part in value.split(","):
        ends = [port_number(end, protocol if protocol in ("tcp", "udp") else "tcp") for end in part.split(":")]
        if any(end is None for end in ends):
            return None
        parts.append(":".join(str(end) for end in ends))
    return ",".join(parts)


def _ruleset(listing: _Listing, notes: list[str]) -> IptablesRuleset:
    family = family_from_commands(listing.lines) or (
        next(iter(listing.families)) if len(listing.families) == 1 else None
    )
    if listing.command:
        family = family_from_commands([Line(0, f"# {listing.command}")]) or family
    names = [c.name for c in listing.chains]
    missing = [n for n in BUILTIN_CHAINS if n not in names]
    rules = listing.rules + missing_chains(missing, listing.lines[0], "iptables -L")
    tool = "ip6tables" if family == 6 else "iptables"
    ruleset = build_ruleset(listing.chains, rules, format="iptables_list", needs=LIST_NEEDS, tool=tool, family=family)
    if missing:
        notes.append(f"chains {', '.join(missing)} are not in the paste: traffic they filter is unknown")
    if family is None:
        notes.append(FAMILY_UNKNOWN)
    if not listing.verbose:
        notes.append(
            "listed without -v, which hides interface tests: rules with other tests were read as for any "
            "interface; paste `iptables -L -n -v` to be sure"
        )
    return ruleset
