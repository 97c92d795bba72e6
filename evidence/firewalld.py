"""Reader of ``firewall-cmd --list-all`` (one zone) and ``--list-all-zones``.

A zone is read into one chain, in firewalld's order (firewalld.richlanguage(5)): rich
rules with a negative priority; rich rules that reject or drop, and ``icmp-blocks``;
what the zone allows (``services`` through firewalld's own service definitions,
``ports``, ``protocols``, ``source-ports``, rich rules that accept); rich rules with a
positive priority; then the zone's ``target``: ``ACCEPT``, ``DROP``, ``REJECT`` /
``%%REJECT%%``, or ``default``, which rejects what matched nothing "but implicitly allows
ICMP packets" (firewall-cmd(1)). firewalld accepts loopback traffic before any zone.

Zones bound to ``sources`` take traffic from those addresses first; the other traffic
goes to the zone of the interface it arrives on. With several zones, the source zones
come first and the one zone with interfaces (or marked default) takes the rest; a
single zone bound to sources only takes only their traffic, and the rest is unknown.

IPv4 and IPv6 are two rulesets (rich rules with ``family`` go to theirs). Skipped with
the line: ``masquerade``, ``forward-ports``, ``forward`` (forwarded traffic), rich
``masquerade``/``forward-port`` rules, zones that are not active.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence._host_firewalld_rich import ICMP, RichRule, RichRuleError, parse_rich_rule, service_matches
from evidence._host_lines import Line, not_output, numbered, problem, skipped
from evidence._host_rules import ChainSpec, SourceRule, build_ruleset, quoted
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import HostFirewallEvidence, Reading, Skipped
from rules import IptablesRuleset

FIREWALLD_NEEDS = "Paste the whole output of `firewall-cmd --list-all` (or `--list-all-zones`), unchanged."
_ZONE = re.compile(r"^(?P<name>[\w.-]+)(?:\s+\((?P<marks>[a-z, ]+)\))?\s*$")
_FIELD = re.compile(r"^\s+(?P<key>[a-z -]+):\s?(?P<value>.*)$")
_KEYS = (
    "target",
    "icmp-block-inversion",
    "interfaces",
    "sources",
    "services",
    "ports",
    "protocols",
    "forward",
    "masquerade",
    "forward-ports",
    "source-ports",
    "icmp-blocks",
    "rich rules",
)
_TARGETS = {"ACCEPT": "ACCEPT", "DROP": "DROP", "REJECT": "REJECT", "%%REJECT%%": "REJECT", "default": "default"}


def looks_like_firewalld(text: str) -> bool:
    """Indented ``target:`` and ``services:`` lines of a zone listing."""
    return re.search(r"^\s+target:\s", text, re.MULTILINE) is not None and (
        re.search(r"^\s+services:", text, re.MULTILINE) is not None
    )


@dataclass
class _Zone:
    name: str
    line: Line
    marks: set[str]
    fields: dict[str, Line] = field(default_factory=dict)
    rich: list[Line] = field(default_factory=list)

    def words(self, key: str) -> list[str]:
        line = self.fields.get(key)
        return line.text.split(":", 1)[1].split() if line else []


def read_firewalld(text: str) -> Reading:
    """Read ``firewall-cmd --list-all`` / ``--list-all-zones`` output.

    Raises:
        UnreadableEvidenceError: an unknown target, a rich rule that cannot be split, no zone.
    """
    lines = numbered(text)
    zones, skips = _zones(lines)
    if not zones:
        raise UnreadableEvidenceError("firewalld", [LineProblem(None, "", "no zone in the paste")], FIREWALLD_NEEDS)
    used, notes = _choose(zones, skips)
    problems: list[LineProblem] = []
    for zone in used:
        target = zone.words("target")
        if not target or target[0] not in _TARGETS:
            problems.append(problem(zone.fields.get("target", zone.line), "no target this reader knows"))
        for key in ("masquerade", "forward"):
            if zone.words(key) == ["yes"]:
                skips.append(skipped(zone.fields[key], f"{key}: applies to forwarded traffic, not checked"))
        if zone.words("forward-ports"):
            skips.append(skipped(zone.fields["forward-ports"], "port forwarding is not checked"))
    if problems:
        raise UnreadableEvidenceError("firewalld", problems, FIREWALLD_NEEDS)
    tables = tuple(_ruleset(used, family, skips) for family in (4, 6))
    unique = {(s.line, s.reason): s for s in skips}
    return Reading(
        "firewalld", HostFirewallEvidence(tables), tuple(sorted(unique.values(), key=lambda s: s.line)), tuple(notes)
    )


def _zones(lines: Sequence[Line]) -> tuple[list[_Zone], list[Skipped]]:
    zones: list[_Zone] = []
    skips: list[Skipped] = []
    zone: _Zone | None = None
    in_rich = False
    for line in lines:
        if not line.text.strip():
            continue
        header = _ZONE.match(line.text)
        entry = _FIELD.match(line.text)
        if header and not line.text[0].isspace():
            zone, in_rich = (
                _Zone(header.group("name"), line, set((header.group("marks") or "").replace(" ", "").split(","))),
                False,
            )
            zones.append(zone)
        elif zone is not None and entry and entry.group("key") in _KEYS:
            zone.fields[entry.group("key")] = line
            in_rich = entry.group("key") == "rich rules"
            if in_rich and entry.group("value").strip():
                zone.rich.append(Line(line.number, entry.group("value")))
        elif zone is not None and entry and entry.group("key") not in _KEYS:
            in_rich = False
            skips.append(skipped(line, f"the {entry.group('key')!r} setting is not read"))
        elif zone is not None and in_rich and line.text.strip().startswith("rule"):
            zone.rich.append(line)
        elif zone is not None and line.text[0].isspace() and zone.fields.get("forward-ports") and not in_rich:
            skips.append(skipped(line, "port forwarding is not checked"))
        else:
            skips.append(not_output(line, "firewall-cmd --list-all"))
    return [z for z in zones if "target" in z.fields], skips


def _choose(zones: list[_Zone], skips: list[Skipped]) -> tuple[list[_Zone], list[str]]:
    """The zones that take traffic, source zones first."""
    if len(zones) == 1:
        zone = zones[0]
        return zones, [
            f"traffic is read as arriving in zone {zone.name} (line {zone.line.number}); a zone bound to "
            "the client's address would take it first (`firewall-cmd --get-active-zones`)"
        ]
    used = [z for z in zones if z.words("sources")]
    rest = [z for z in zones if not z.words("sources") and ("active" in z.marks or "default" in z.marks)]
    main = [z for z in rest if "default" in z.marks] or rest
    used += main[:1]
    for zone in zones:
        if zone not in used:
            skips.append(skipped(zone.line, f"zone {zone.name} takes no traffic here (not active, or not the first)"))
    names = ", ".join(z.name for z in used)
    return used, [f"zones read, in the order firewalld picks them: {names}"]


def _ruleset(zones: list[_Zone], family: int, skips: list[Skipped]) -> IptablesRuleset:
    first = zones[0]
    rules = [
        SourceRule(
            Line(first.line.number, "(firewalld accepts loopback traffic before any zone)"), "INPUT", "-i lo -j ACCEPT"
        )
    ]
    specs = [ChainSpec("INPUT", "ACCEPT"), ChainSpec("OUTPUT", "ACCEPT")]
    for zone in zones:
        key = f"zone_{zone.name}"
        specs.append(ChainSpec(key, None))
        sources = [s for s in zone.words("sources") if (":" in s) == (family == 6) and not s.startswith("ipset:")]
        if zone.words("sources"):
            if sources:
                rules.append(SourceRule(zone.fields["sources"], "INPUT", f"-s {quoted(','.join(sources))} -j {key}"))
        else:
            rules.append(SourceRule(zone.fields.get("interfaces", zone.line), "INPUT", f"-j {key}"))
        rules += _zone_rules(zone, key, family, skips)
    if zones[-1].words("sources"):
        rules.append(
            SourceRule(
                Line(zones[-1].line.number, "(traffic from other addresses goes to another zone, not in the paste)"),
                "INPUT",
                "",
                ("the zone of the interface, which the paste does not show",),
                opaque=True,
            )
        )
    return build_ruleset(specs, rules, format="firewalld", needs=FIREWALLD_NEEDS, tool="firewalld", family=family)


def _zone_rules(zone: _Zone, key: str, family: int, skips: list[Skipped]) -> list[SourceRule]:
    rich: list[tuple[Line, RichRule]] = []
    for line in zone.rich:
        try:
            rule = parse_rich_rule(line.text.strip())
        except RichRuleError as e:
            raise UnreadableEvidenceError("firewalld", [problem(line, str(e))], FIREWALLD_NEEDS) from e
        if rule.skip:
            skips.append(skipped(line, rule.skip))
        elif rule.family in (None, family):
            rich.append((line, rule))
    placed = {place: [(ln, r) for ln, r in rich if r.place == place] for place in ("pre", "deny", "allow", "post")}
    placed["pre"].sort(key=lambda item: item[1].priority)
    placed["post"].sort(key=lambda item: item[1].priority)
    out: list[SourceRule] = []
    out += _rich_rules(placed["pre"], key, family)
    out += _rich_rules(placed["deny"], key, family)
    out += _icmp_blocks(zone, key, family)
    out += _rich_rules(placed["allow"], key, family)
    out += _allowed(zone, key, family)
    out += _rich_rules(placed["post"], key, family)
    return out + _target(zone, key, family)


def _rich_rules(rules: list[tuple[Line, RichRule]], key: str, family: int) -> list[SourceRule]:
    out: list[SourceRule] = []
    for line, rule in rules:
        for match in rule.alternatives:
            if match.family not in (None, family):
                continue
            args = [*match.args, *rule.conditions]
            target = rule.action or "LOG"
            out.append(_source(line, key, [*args, "-j", target], (*match.unsupported, *rule.unsupported)))
    return out


def _source(line: Line, key: str, args: Sequence[str], unsupported: Sequence[str] = ()) -> SourceRule:
    text = " ".join(a if a == "!" else quoted(a) for a in args)
    return SourceRule(line, key, text, tuple(unsupported), shown_chain=key.removeprefix("zone_"))


def _icmp_blocks(zone: _Zone, key: str, family: int) -> list[SourceRule]:
    blocks, line = zone.words("icmp-blocks"), zone.fields.get("icmp-blocks")
    inverted = zone.words("icmp-block-inversion") == ["yes"]
    if line is None or not (blocks or inverted):
        return []
    what = (
        f"ICMP types other than {', '.join(blocks) or 'none'} (icmp-block-inversion)"
        if inverted
        else f"ICMP types {', '.join(blocks)}"
    )
    return [_source(line, key, ["-p", ICMP[family], "-j", "REJECT"], (what,))]


def _allowed(zone: _Zone, key: str, family: int) -> list[SourceRule]:
    out: list[SourceRule] = []
    line = zone.fields.get("services")
    for name in zone.words("services"):
        matches = service_matches(name)
        assert line is not None
        if matches is None:
            why = f"the service {name!r}, which is not one of firewalld's own (`firewall-cmd --info-service={name}`)"
            out.append(_source(line, key, ["-j", "ACCEPT"], (why,)))
            continue
        out += [
            _source(line, key, [*m.args, "-j", "ACCEPT"], m.unsupported) for m in matches if m.family in (None, family)
        ]
    for field_name, option in (("ports", "--dport"), ("source-ports", "--sport")):
        for port in zone.words(field_name):
            number, _, protocol = port.partition("/")
            args = ["-p", protocol, option, number.replace("-", ":"), "-j", "ACCEPT"]
            out.append(_source(zone.fields[field_name], key, args))
    for protocol in zone.words("protocols"):
        out.append(_source(zone.fields["protocols"], key, ["-p", protocol, "-j", "ACCEPT"]))
    return out


def _target(zone: _Zone, key: str, family: int) -> list[SourceRule]:
    line = zone.fields["target"]
    target = _TARGETS[zone.words("target")[0]]
    if target != "default":
        return [_source(line, key, ["-j", target])]
    # "default is similar to REJECT, but it implicitly allows ICMP packets" (firewall-cmd(1)).
    return [_source(line, key, ["-p", ICMP[family], "-j", "ACCEPT"]), _source(line, key, ["-j", "REJECT"])]
