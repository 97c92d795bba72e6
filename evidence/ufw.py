"""Reader of ``ufw status`` / ``ufw status verbose`` / ``ufw status numbered``.

ufw checks its rules in the order listed (the first match decides), after its own
``before.rules`` and before the default policy. Read:

* ``Status: inactive``: ufw filters nothing (one ruleset accepting everything).
* Rows ``To  Action  From`` (``[ n]`` numbered too): ports ``22``, ``22/tcp``,
  ``80,443/tcp``, ``6000:6007/tcp``, ``Anywhere``, an address or block before the port,
  ``on eth0``, ``(v6)``; actions ``ALLOW``, ``DENY``, ``REJECT``, ``LIMIT`` with ``IN``,
  ``OUT`` or ``FWD`` (none means IN), ``(log)``/``(log-all)``; a source port in From
  (``203.0.113.7 53/udp``); ``# comment``. IPv4 rows and ``(v6)`` rows are two rulesets.
* ``Default: deny (incoming), allow (outgoing), disabled (routed)`` (verbose only) as the
  chain policies. Without it the default is not known: the end of each chain is an
  opaque rule, so a verdict that depends on the default is UNKNOWN, and the notes ask
  for ``ufw status verbose``.

Assumed and said in the notes: ``LIMIT`` is read as ALLOW (ufw denies an address that
opens 6 connections in 30 seconds); ufw's default ``before.rules`` (not shown by
``ufw status``) accept loopback traffic and ICMP echo (ping): these are rules whose effect
the evaluator reports as unknown when they would change the verdict. Application
profiles (``OpenSSH``, ``Nginx Full``) name ports the paste does not show: their rows
are kept as unsupported rules.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from evidence._host_lines import Line, not_output, numbered, problem
from evidence._host_rules import SourceRule, build_ruleset, quoted
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import HostFirewallEvidence, Reading, Skipped
from rules import IptablesRuleset

UFW_NEEDS = "Paste the whole output of `ufw status verbose`, unchanged."
_STATUS = re.compile(r"^\s*Status:\s*(?P<status>active|inactive)\s*$")
_DEFAULT = re.compile(
    r"^\s*Default:\s*(?P<incoming>\w+) \(incoming\),\s*(?P<outgoing>\w+) \(outgoing\)"
    r"(?:,\s*(?P<routed>\w+) \(routed\))?"
)
_HEADER = re.compile(r"^\s*To\s+Action\s+From\s*$")
_ROW = re.compile(
    r"^\s*(?:\[\s*\d+\]\s*)?(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?:\s+(?P<direction>IN|OUT|FWD))?"
    r"(?:\s+\((?P<log>log|log-all)\))?\s+(?P<from>.+?)\s*$"
)
_INFO = re.compile(r"^\s*(?:Logging:|New profiles:|--\s+-+\s+--)")
_POLICIES = {"deny": "DROP", "reject": "REJECT", "allow": "ACCEPT", "disabled": "DROP"}
_TARGETS = {"ALLOW": "ACCEPT", "LIMIT": "ACCEPT", "DENY": "DROP", "REJECT": "REJECT"}
_PORTS = re.compile(r"^(?P<ports>[\d,:]+)?(?:/(?P<proto>[a-z0-9-]+))?$")


def looks_like_ufw(text: str) -> bool:
    """``Status: active`` or ``Status: inactive`` on a line of its own."""
    return any(_STATUS.match(line) for line in text.splitlines())


@dataclass(frozen=True)
class _Row:
    line: Line
    chain: str
    target: str
    args: tuple[str, ...]
    unsupported: tuple[str, ...]
    v6: bool
    limit: bool


def read_ufw(text: str) -> Reading:
    """Read ``ufw status [verbose|numbered]`` output.

    Raises:
        UnreadableEvidenceError: a rule row that cannot be read.
    """
    lines = numbered(text)
    status_line = next((line for line in lines if _STATUS.match(line.text)), None)
    if status_line is None:  # text stored as ufw's that is not (it was changed by hand)
        raise UnreadableEvidenceError("ufw", [LineProblem(None, "", "no 'Status: active' line")], UFW_NEEDS)
    defaults: dict[str, str] | None = None
    default_line = status_line
    rows: list[_Row] = []
    skips: list[Skipped] = []
    problems: list[LineProblem] = []
    in_table = False
    for line in lines:
        stripped = line.text.strip()
        if not stripped or line is status_line or _INFO.match(line.text):
            continue
        if match := _DEFAULT.match(line.text):
            default_line = line
            defaults = {
                "INPUT": _POLICIES.get(match.group("incoming"), "?"),
                "OUTPUT": _POLICIES.get(match.group("outgoing"), "?"),
                "FORWARD": _POLICIES.get(match.group("routed") or "disabled", "?"),
            }
        elif _HEADER.match(line.text):
            in_table = True
        elif in_table and (match := _ROW.match(line.text)):
            try:
                rows.append(_row(line, match))
            except ValueError as e:
                problems.append(problem(line, str(e)))
        else:
            skips.append(not_output(line, "ufw status"))
    if problems:
        raise UnreadableEvidenceError("ufw", problems, UFW_NEEDS)
    if _STATUS.match(status_line.text) and "inactive" in status_line.text:
        return _inactive(status_line, skips)
    if defaults is not None and "?" in defaults.values():
        raise UnreadableEvidenceError(
            "ufw", [problem(status_line, "a default policy this reader does not know")], UFW_NEEDS
        )
    tables = tuple(_ruleset(rows, defaults, status_line, default_line, family) for family in (4, 6))
    return Reading("ufw", HostFirewallEvidence(tables), tuple(skips), _notes(rows, defaults))


def _inactive(status_line: Line, skips: Sequence[Skipped]) -> Reading:
    ruleset = build_ruleset([], [], format="ufw", needs=UFW_NEEDS, tool="ufw")
    note = f"line {status_line.number}: ufw is inactive, so it filters nothing (another firewall still may)"
    return Reading("ufw", HostFirewallEvidence((ruleset,)), tuple(skips), (note,))


def _row(line: Line, match: re.Match[str]) -> _Row:
    """One rule row. To is the destination and From the source, in both directions."""
    to, source = match.group("to"), re.sub(r"\s+(?:#.*|\(out\))$", "", match.group("from")).strip()
    direction = match.group("direction") or "IN"
    args: list[str] = []
    unsupported: list[str] = []
    protocol: str | None = None
    for flags, text in ((("-d", "--dport"), to), (("-s", "--sport"), source)):
        address, ports, proto, interface, app = _endpoint(text)
        protocol = protocol or proto
        if address:
            args += [flags[0], address]
        if ports:
            args += [flags[1], ports]
        if interface:
            args += ["-o" if direction == "OUT" else "-i", interface]
        if app:
            unsupported.append(f"the application profile {app!r}, whose ports `ufw status` does not show")
    if protocol:
        args = ["-p", protocol, *args]
    chain = {"IN": "INPUT", "OUT": "OUTPUT", "FWD": "FORWARD"}[direction]
    v6 = "(v6)" in to or "(v6)" in source or any(":" in a for a in args if _is_address(a))
    action = match.group("action")
    return _Row(line, chain, _TARGETS[action], tuple(args), tuple(unsupported), v6, action == "LIMIT")


def _endpoint(text: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """(address, ports, protocol, interface, application) of a To or From cell.

    Raises:
        ValueError: a port or address that cannot be read.
    """
    text = text.replace("(v6)", " ").strip()
    interface = None
    if match := re.search(r"\s+on\s+(\S+)$", text):
        interface, text = match.group(1), text[: match.start()].strip()
    words = text.split()
    if not words:
        raise ValueError("an empty To or From column")
    address: str | None = None
    head, slash, proto_any = words[0].partition("/")
    if head == "Anywhere":
        words = words[1:]
        if slash:
            words = [f"/{proto_any}", *words]
    elif _is_address(words[0]):
        address, words = words[0], words[1:]
    if not words:
        return address, None, None, interface, None
    if len(words) >= 2 and words[-1].startswith("(") and words[-1].endswith(")") and _PORTS.match(words[0]):
        words = words[:1]  # `ufw status verbose` shows an application's ports before its name: 80,443/tcp (WebApp)
    ports_match = _PORTS.match(words[0]) if len(words) == 1 else None
    if ports_match is None:
        return address, None, None, interface, " ".join(words)
    ports = ports_match.group("ports")
    return address, ports, ports_match.group("proto"), interface, None


def _is_address(word: str) -> bool:
    """An address or block (``10.0.0.0/8``, ``2001:db8::/32``), not a port (``23``, ``6000:6007``)."""
    try:
        ipaddress.ip_network(word, strict=False)
    except ValueError:
        return False
    return "." in word or ":" in word


def _ruleset(
    rows: Sequence[_Row], defaults: dict[str, str] | None, status: Line, default_line: Line, family: int
) -> IptablesRuleset:
    icmp = "icmp" if family == 4 else "ipv6-icmp"
    before = [
        SourceRule(
            Line(status.number, "(ufw before.rules, not shown by `ufw status`: -i lo -j ACCEPT)"),
            "INPUT",
            "-i lo -j ACCEPT",
            ("ufw's default before.rules, which `ufw status` does not show",),
        ),
        SourceRule(
            Line(status.number, f"(ufw before.rules, not shown by `ufw status`: -p {icmp} echo-request -j ACCEPT)"),
            "INPUT",
            f"-p {icmp} -j ACCEPT",
            ("ufw's default before.rules (accept ping), which `ufw status` does not show",),
        ),
    ]
    rules = list(before)
    for row in rows:
        if row.v6 != (family == 6):
            continue
        args = " ".join(quoted(a) for a in (*row.args, "-j", row.target))
        rules.append(SourceRule(row.line, row.chain, args, row.unsupported))
    if defaults is None:
        rules += [
            SourceRule(
                Line(status.number, f"(the default {word} policy, which `ufw status` shows only with verbose)"),
                chain,
                "",
                (f"the default {word} policy, which `ufw status` shows only with verbose",),
                opaque=True,
            )
            for chain, word in (("INPUT", "incoming"), ("OUTPUT", "outgoing"))
        ]
    # The default as a last rule citing the `Default:` line (ufw's "reject" is no iptables policy either).
    rules += [SourceRule(default_line, chain, f"-j {policy}") for chain, policy in (defaults or {}).items()]
    return build_ruleset([], rules, format="ufw", needs=UFW_NEEDS, tool="ufw", family=family)


def _notes(rows: Sequence[_Row], defaults: dict[str, str] | None) -> tuple[str, ...]:
    notes = ["rules without (v6) are read as IPv4's, rules with (v6) as IPv6's"]
    if defaults is None:
        notes.append(
            "the default policies are not in `ufw status` without verbose: verdicts that depend on them are "
            "unknown; paste `ufw status verbose`"
        )
    if any(row.limit for row in rows):
        lines = ", ".join(str(row.line.number) for row in rows if row.limit)
        notes.append(
            f"LIMIT rules (line {lines}) are read as ALLOW: ufw denies an address that opens 6 or more "
            "connections in 30 seconds"
        )
    notes.append("ufw's before.rules are not shown by `ufw status`; by default they accept loopback traffic and ping")
    return tuple(notes)
