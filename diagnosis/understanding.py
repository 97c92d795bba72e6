"""Update a case from one user message.

The message is split into prose and pastes (:mod:`diagnosis.paste`). The prose says what
fails (a named service, ports, a protocol), which way (outbound hints), from where (the
user's own address, "from my laptop", "from another instance"), how (symptoms), what
the user already did (claims), and which instance (``ins-xxxxxxxx``) in which region
(``ap-guangzhou``, 广州, Guangzhou: regions.yaml), for reading the account; the pastes
become evidence. "Still doesn't work" after a
check or a conclusion moves the case on: the check asked is marked done, and evidence a
conclusion rested on is dropped as stale (the user changed what it showed), so the next
check is asked rather than the same fix again.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from contract.language import Language, detect_language
from diagnosis.case import MAX_TEXT_CHARS, Case, CheckState, Source, Target
from diagnosis.errors import PasteTooLongError
from diagnosis.lexicon import Lexicon
from diagnosis.matcher import fold
from diagnosis.numbers import Numbers, read_numbers
from diagnosis.paste import Message, Paste, Unreadable, split_message, store
from diagnosis.texts import render
from diagnosis.vocabulary import PortProtocol, Protocol, SourceKind, Vocabulary
from evidence import detect
from evidence.models import KIND_OF
from rules.addresses import is_internal

# Tencent Cloud's CVM instance ids: ins- and 8 lowercase letters or digits.
INSTANCE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z-])ins-[0-9a-z]{8}(?![0-9A-Za-z])", re.IGNORECASE)


@dataclass(frozen=True)
class Understanding:
    """What one message changed.

    Attributes:
        case: The updated case.
        pastes: The pastes read from this message (used at once, without reading them again).
        needs: What could not be read, and what to paste instead (in the case's language).
        problem: Whether the message describes a connection problem (symptom, service, port
            or evidence), for the bot to tell a problem from another question.
    """

    case: Case
    pastes: tuple[Paste, ...]
    needs: tuple[str, ...]
    problem: bool


def check_length(text: str, vocab: Vocabulary, language: Language, target_port: int | None) -> None:
    """Refuse a message the engine does not read, saying how to shorten it.

    Raises:
        PasteTooLongError: longer than :data:`~diagnosis.case.MAX_TEXT_CHARS`.
    """
    if len(text) <= MAX_TEXT_CHARS:
        return
    found = detect(text[:MAX_TEXT_CHARS])
    advice = vocab.pastes.get(found or "unknown", vocab.pastes["unknown"])
    raise PasteTooLongError(len(text), MAX_TEXT_CHARS, advice.render(language, {"port": str(target_port or 22)}))


def understand(case: Case, text: str, vocab: Vocabulary, lexicon: Lexicon) -> Understanding:
    """``case`` updated from the user's ``text``.

    Raises:
        PasteTooLongError: the text is longer than the engine reads.
    """
    language = detect_language(text) or case.language
    check_length(text, vocab, language, case.target.ports[0] if case.target.ports else None)
    message = split_message(text)
    folded = fold(message.prose)
    language = detect_language(message.prose) or (case.language if case.turns else language)
    numbers = read_numbers(folded.spaced, lexicon)
    symptoms = lexicon.symptoms.find(folded)
    claims = lexicon.claims.find(folded)
    directions = [h for h in vocab.directions if h.id in lexicon.directions.find(folded)]
    source_hints = [h for h in vocab.sources if h.id in lexicon.sources.find(folded)]
    protocols = [p for p in lexicon.protocols.find(folded) if p in ("tcp", "udp", "icmp")]
    services = _services(lexicon.services.find(folded), vocab)
    if not services:
        services = [s for s in (h.service for h in directions) if s is not None][:1]

    updated = case.with_(language=language, turns=case.turns + 1)
    if lexicon.progress.find(folded) and not message.pastes:
        updated = _progress(updated)
    target = _target(updated.target, services, numbers, protocols, symptoms, vocab)
    direction = directions[-1].direction if directions else updated.direction
    instance = INSTANCE_IN_TEXT.search(message.prose)
    regions = lexicon.regions.find(folded)
    updated = updated.with_(
        target=target,
        direction=direction,
        source=_source(updated.source, numbers, [h.kind for h in source_hints], symptoms),
        symptoms=tuple(dict.fromkeys((*updated.symptoms, *symptoms))),
        claims=tuple(dict.fromkeys((*updated.claims, *claims))),
        instance_id=instance.group().lower() if instance else updated.instance_id,
        region=regions[0] if regions else updated.region,
    )
    for paste in message.pastes:
        updated = store(updated, paste)
    needs = tuple(_unreadable_needs(message, vocab, updated))
    problem = bool(symptoms or services or numbers.ports or message.pastes or message.unreadable or claims or instance)
    return Understanding(updated, message.pastes, needs, problem)


def _services(found: list[str], vocab: Vocabulary) -> list[str]:
    specific = [s for s in found if not vocab.services[s].generic]
    return specific or found[:1]


def _target(
    old: Target, services: list[str], numbers: Numbers, words: list[str], symptoms: list[str], vocab: Vocabulary
) -> Target:
    """The new target: explicit ports win, a named service fixes the protocol."""
    ports = (numbers.new_port,) if numbers.new_port is not None else numbers.ports
    service = vocab.services[services[0]] if services else None
    protocols: tuple[Protocol, ...]
    if "ping_fails" in symptoms or (words == ["icmp"] and not ports):
        return Target(None, (), ("icmp",), False)
    if service is not None:
        service_protocols = tuple(dict.fromkeys(p.protocol for s in services for p in vocab.services[s].ports))
        chosen = [p for p in (*words, *numbers.suffix_protocols) if p in service_protocols]
        protocols = tuple(dict.fromkeys(chosen)) if chosen else service_protocols
        if ports:
            return Target(service.id, ports, protocols, False)
        service_ports = tuple(
            dict.fromkeys(p.port for s in services for p in vocab.services[s].ports if p.protocol in protocols)
        )
        return Target(service.id, service_ports, protocols, service.alternatives and len(services) == 1)
    if ports:
        said = ["udp"] if "udp_fails" in symptoms else [*words, *numbers.suffix_protocols]
        return Target(None, ports, _port_protocols(said) or ("tcp",), False)
    if "udp_fails" in symptoms and old.ports:
        return Target(old.service, old.ports, ("udp",), old.alternatives)
    return old


def _port_protocols(words: list[str]) -> tuple[Protocol, ...]:
    found: list[PortProtocol] = []
    for word in words:
        if word == "tcp":
            found.append("tcp")
        elif word == "udp":
            found.append("udp")
    return tuple(dict.fromkeys(found))


def _source(old: Source, numbers: Numbers, kinds: list[str], symptoms: list[str]) -> Source:
    """The user's address when a word marks it as theirs (or the traffic's, for unexpected access)."""
    own = [a for a, is_own in numbers.addresses if is_own]
    # "Other IPs get in although I allowed only 1.2.3.4": that address is the allowed one, not the user's.
    if not own and "client" in kinds and len(numbers.addresses) == 1 and "unexpected_access" not in symptoms:
        own = [numbers.addresses[0][0]]
    if own:
        address = own[0]
        return Source("vpc" if is_internal(ipaddress.ip_address(address)) else "client", address)
    hinted: tuple[SourceKind, ...] = ("vpc", "client", "internet")
    for kind in hinted:
        if kind in kinds:
            return Source(kind, old.address if old.kind == kind else None)
    return old


def _progress(case: Case) -> Case:
    """ "Still doesn't work": the check asked is done; evidence behind a conclusion is stale."""
    checks = list(case.checks)
    asked = next((i for i, c in enumerate(checks) if c.status == "todo"), None)
    evidence = case.evidence
    if case.cause is not None and case.cause != "unknown":
        failed = [c.id for c in checks if c.status == "failed"]
        stale = {_stale_kind(c) for c in failed[:1]} - {None}
        evidence = tuple(e for e in evidence if e.kind not in stale)
        checks = [CheckState(c.id, "unknown") if c.id in failed[:1] else c for c in checks]
    elif asked is not None:
        checks[asked] = CheckState(checks[asked].id, "unknown")
    return case.with_(checks=tuple(checks), evidence=evidence, cause=None)


def _stale_kind(check: str) -> str | None:
    if check.startswith("sg_"):
        return "security_groups"
    if check.startswith(("host_firewall", "iptables")):
        return "host_firewall"
    if check == "listener":
        return "listeners"
    return None


def _unreadable_needs(message: Message, vocab: Vocabulary, case: Case) -> list[str]:
    needs: list[str] = []
    lang = case.language
    port = str(case.target.ports[0]) if case.target.ports else "22"
    for bad in message.unreadable:
        needs.append(_unreadable_text(bad, vocab, lang, port))
    return needs


def _unreadable_text(bad: Unreadable, vocab: Vocabulary, lang: Language, port: str) -> str:
    fmt = bad.error.format
    advice = vocab.pastes.get(fmt or "unknown", vocab.pastes["unknown"]).render(lang, {"port": port})
    needs = bad.error.needs if fmt not in KIND_OF or lang == "en" else f"{advice} ({bad.error.needs})"
    lines = bad.lines()
    line, problem = lines[0] if lines else (None, str(bad.error))
    key = "unreadable" if line is not None else "unreadable_whole"
    more = f" (+{len(lines) - 1})" if len(lines) > 1 else ""
    return render(vocab.label(key).get(lang), {"line": str(line), "problem": problem + more, "needs": needs or advice})
