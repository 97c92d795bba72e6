"""Split a message into the user's prose and what they pasted, and keep pastes in the case.

The evidence readers say which lines of a text they read and which they skipped (prose
around the output, a shell prompt). A message is read once; lines before the first and
after the last line read are read again, so one message can carry two pastes (``ss``
output and ``iptables -S`` output) with a sentence around them. What no reader
recognises is prose. A paste that looks like a format but cannot be read is reported
with its lines (:class:`Unreadable`), never guessed.

Stored evidence is compact: security groups as their canonical JSON; other kinds as the
lines that were read, re-read on demand (:func:`reread`, cached by text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from diagnosis.case import MAX_EVIDENCE_CHARS, MAX_EVIDENCE_ITEMS, Case, StoredEvidence
from evidence import Reading, SecurityGroupsEvidence, UnreadableEvidenceError, read_evidence
from evidence.models import EvidenceFormat
from evidence.registry import readers

MAX_PASTES = 4  # pastes read from one message
MAX_HOST_FIREWALLS = 2  # host-firewall pastes kept (e.g. firewalld and iptables views)
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_OUTPUT = re.compile(
    r"\S {2,}\S"  # columns
    r"|\d+\.\d+\.\d+\.\d+:(?:\d+|\*)|\]:(?:\d+|\*)|\*:\d+"  # address:port
    r"|^\s*(?:tcp6?|udp6?|TCP|UDP|-[AIPN] |Chain |target |num )"  # socket and rule rows
    r"|[{}]"
)


@dataclass(frozen=True)
class Paste:
    """One paste read from a message.

    Attributes:
        reading: What the reader made of it (line numbers counted from ``reading_offset``).
        text: The lines that were read (first to last), as pasted.
        line_offset: Lines of the message before ``text``.
        reading_offset: Lines of the message before the text the reader was given.
    """

    reading: Reading
    text: str
    line_offset: int
    reading_offset: int = 0

    @property
    def delta(self) -> int:
        """Added to a line of ``reading``, gives the line in ``text``."""
        return self.reading_offset - self.line_offset


@dataclass(frozen=True)
class Unreadable:
    """A paste that looked like a format but could not be read (line numbers in the message)."""

    error: UnreadableEvidenceError
    line_offset: int

    def lines(self) -> list[tuple[int | None, str]]:
        """(line in the message, problem) for each problem."""
        return [(p.line + self.line_offset if p.line is not None else None, p.problem) for p in self.error.problems]


@dataclass(frozen=True)
class Message:
    """A message split into prose and pastes."""

    prose: str
    pastes: tuple[Paste, ...]
    unreadable: tuple[Unreadable, ...]


def split_message(text: str) -> Message:
    """Split ``text`` into prose, readable pastes and unreadable ones.

    Raises:
        Nothing for a paste: an unreadable one is returned in ``unreadable``.
    """
    prose: list[str] = []
    pastes: list[Paste] = []
    unreadable: list[Unreadable] = []
    _split(text.splitlines(), 0, prose, pastes, unreadable, beside_paste=False)
    pastes.sort(key=lambda p: p.line_offset)
    return Message("\n".join(prose), tuple(pastes), tuple(unreadable))


def _split(
    lines: Sequence[str],
    offset: int,
    prose: list[str],
    pastes: list[Paste],
    unreadable: list[Unreadable],
    beside_paste: bool,
) -> None:
    if not any(line.strip() for line in lines):
        return
    if len(pastes) + len(unreadable) >= MAX_PASTES:
        prose.extend(line for line in lines if not looks_like_output(line))
        return
    text = "\n".join(lines)
    try:
        reading = read_evidence(text)
    except UnreadableEvidenceError as e:
        unreadable.append(Unreadable(e, offset))
        first = min((p.line for p in e.problems if p.line is not None), default=len(lines) + 1)
        prose.extend(line for line in lines[: first - 1] if looks_like_prose(line))
        return
    if reading is None:
        # Around a paste, rows of output the reader skipped (connections in netstat) are not prose.
        prose.extend(line for line in lines if not (beside_paste and looks_like_output(line)))
        return
    skipped = {s.line for s in reading.skipped}
    read = [i for i, line in enumerate(lines, start=1) if i not in skipped and line.strip()]
    if not read:  # a reading that skipped everything: no paste here
        prose.extend(line for line in lines if not (beside_paste and looks_like_output(line)))
        return
    first, last = read[0], read[-1]
    pastes.append(Paste(reading, "\n".join(lines[first - 1 : last]), offset + first - 1, offset))
    _split(lines[: first - 1], offset, prose, pastes, unreadable, beside_paste=True)
    _split(lines[last:], offset + last, prose, pastes, unreadable, beside_paste=True)


def looks_like_output(line: str) -> bool:
    """A row of command output: columns, an address with a port, or a rule or socket row."""
    return bool(_OUTPUT.search(line)) or "\t" in line


def looks_like_prose(line: str) -> bool:
    """A sentence rather than a row of output: Chinese, or words without column layout."""
    if "\t" in line or "  " in line.strip() or any(c in line for c in "{}[]"):
        return False
    return bool(_CJK.search(line)) or len(_WORD.findall(line)) >= 3


@lru_cache(maxsize=128)
def reread(format: EvidenceFormat, text: str) -> Reading:
    """Read stored ``text`` again with the reader of ``format`` (cached: follow-up turns carry it).

    Raises:
        UnreadableEvidenceError: the stored text no longer reads (it was changed by hand).
    """
    for reader in readers():
        if reader.format == format:
            return reader.read(text)
    raise UnreadableEvidenceError(format, [], f"no reader for {format}")


def store(case: Case, paste: Paste) -> Case:
    """``case`` with ``paste`` kept as evidence (replacing what it supersedes)."""
    reading = paste.reading
    value = reading.value
    evidence = list(case.evidence)
    if isinstance(value, SecurityGroupsEvidence):
        evidence = _merge_groups(evidence, reading.format, value)
    else:
        item = StoredEvidence(reading.kind, reading.format, text=paste.text, line_offset=paste.line_offset)
        same = [e for e in evidence if e.kind == item.kind and (item.kind == "listeners" or e.format == item.format)]
        evidence = [e for e in evidence if e not in same] + [item]
        if item.kind == "host_firewall":
            kept = [e for e in evidence if e.kind == "host_firewall"][-MAX_HOST_FIREWALLS:]
            evidence = [e for e in evidence if e.kind != "host_firewall" or e in kept]
    return case.with_(evidence=tuple(_within_budget(evidence)))


def _merge_groups(
    evidence: list[StoredEvidence], format: EvidenceFormat, value: SecurityGroupsEvidence
) -> list[StoredEvidence]:
    """New groups replace stored groups of the same id (per direction pasted); others are added."""
    old = next((e for e in evidence if e.kind == "security_groups"), None)
    groups = [dict(g) for g in old.groups] if old else []
    keys = {"ingress": "Ingress", "egress": "Egress"}
    for new in value.canonical:
        group_id = new.get("SecurityGroupId")
        at = next((i for i, g in enumerate(groups) if g.get("SecurityGroupId") == group_id), None)
        if at is None:
            groups.append(dict(new))
            continue
        merged = dict(groups[at])
        policy_set = dict(merged.get("SecurityGroupPolicySet") or {})
        new_set = new.get("SecurityGroupPolicySet") or {}
        for direction in value.directions:
            policy_set[keys[direction]] = new_set.get(keys[direction], [])
        merged["SecurityGroupPolicySet"] = policy_set
        groups[at] = merged
    item = StoredEvidence("security_groups", format, groups=tuple(groups[-10:]))
    return [e for e in evidence if e.kind != "security_groups"] + [item]


def _within_budget(evidence: list[StoredEvidence]) -> list[StoredEvidence]:
    """Drop the oldest items until the case's evidence fits its budget."""
    while evidence and (len(evidence) > MAX_EVIDENCE_ITEMS or sum(e.size for e in evidence) > MAX_EVIDENCE_CHARS):
        evidence = evidence[1:]
    return evidence
