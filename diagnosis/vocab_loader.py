"""Read and validate the troubleshooting data files into a :class:`~diagnosis.vocabulary.Vocabulary`.

Every problem stops the load with the file, the item and what to do: a missing field, an
unknown placeholder in a template, a check or symptom named in the ranking that does not
exist, a cause of the stable vocabulary missing, an item without a source, an FAQ
question the knowledge base does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, get_args

from diagnosis.errors import VocabularyError
from diagnosis.texts import Text
from diagnosis.vocab_file import DataFile
from diagnosis.vocabulary import (
    CAUSE_IDS,
    COMMAND_KEYS,
    LABEL_KEYS,
    USED_CHECKS,
    USED_CLAIMS,
    USED_SYMPTOMS,
    CauseDef,
    CauseId,
    CheckDef,
    CheckDirection,
    CheckEvidence,
    Claim,
    CommandBuilder,
    CommandDef,
    Direction,
    DirectionHint,
    FixDef,
    Grammar,
    PortSpec,
    Protocol,
    Ranking,
    Region,
    Service,
    SourceHint,
    SourceKind,
    Symptom,
    Vocabulary,
)
from knowledge import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase
from knowledge.models import normalize_question

DEFAULT_DIR = DEFAULT_KNOWLEDGE_DIR / "troubleshooting"
REGION_ID = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")  # as account/config.py checks a region
T = TypeVar("T")


def load_vocabulary(kb: KnowledgeBase, directory: Path | None = None) -> Vocabulary:
    """Load every troubleshooting data file and check it against ``kb``.

    The files are read from ``directory``, by default ``troubleshooting/`` in ``kb``'s own
    folder (so a knowledge base loaded from elsewhere brings its vocabulary along).

    Raises:
        VocabularyError: naming the file, the item and what to do.
    """
    faq = {normalize_question(e.question): e.id for e in kb.entries}
    folder = directory if directory is not None else kb.directory / "troubleshooting"

    def open_file(name: str) -> DataFile:
        return DataFile(folder, name, faq)

    services = _services(open_file("services.yaml"))
    phrases = open_file("phrases.yaml")
    symptoms = _symptoms(phrases)
    checks = _checks(open_file("checks.yaml"))
    claims = _claims(phrases, checks)
    directions = _directions(phrases, services)
    sources = _source_hints(phrases)
    progress = phrases.strings(phrases.get(phrases.data, "progress", "progress").get("phrases"), "progress.phrases")
    grammar = _grammar(open_file("grammar.yaml"))
    causes_file = open_file("causes.yaml")
    causes = _causes(causes_file)
    labels = _labels(causes_file)
    commands_file = open_file("commands.yaml")
    commands = _commands(commands_file)
    pastes = _pastes(commands_file)
    ranking = _ranking(open_file("ranking.yaml"), symptoms, checks)
    regions = _regions(open_file("regions.yaml"))
    for name, used, found in (
        ("phrases.yaml symptoms", USED_SYMPTOMS, symptoms),
        ("phrases.yaml claims", USED_CLAIMS, claims),
        ("checks.yaml checks", USED_CHECKS, checks),
    ):
        missing = [i for i in used if i not in found]
        if missing:
            raise VocabularyError(name, "ids", f"the engine reads {missing}; keep these ids (diagnosis/vocabulary.py)")
    return Vocabulary(
        services,
        symptoms,
        claims,
        progress,
        directions,
        sources,
        grammar,
        checks,
        causes,
        labels,
        commands,
        pastes,
        ranking,
        regions,
    )


def _keyed(f: DataFile, key: str, build: Callable[[dict[str, Any], str], T]) -> dict[str, T]:
    items = f.items(key)
    ids = f.ids(items, key)
    return {item_id: build(item, f"{key}[{i}]") for i, (item_id, item) in enumerate(zip(ids, items, strict=True))}


def _port(f: DataFile, raw: object, where: str) -> PortSpec:
    text = f.string(raw, where)
    protocol, _, number = text.partition("/")
    if protocol not in ("tcp", "udp") or not number.isdigit() or not 1 <= int(number) <= 65535:
        raise f.fail(where, f"{text!r} is not <tcp|udp>/<port 1-65535>")
    return PortSpec("tcp" if protocol == "tcp" else "udp", int(number))


def _services(f: DataFile) -> dict[str, Service]:
    def build(item: dict[str, Any], where: str) -> Service:
        listen = item.get("listen")
        listen_text = None
        if listen is not None:
            listen_text = f.text(f.get(listen, "text", f"{where}.listen"), f"{where}.listen.text")
            f.source(f.get(listen, "source", f"{where}.listen"), f"{where}.listen.source")
        ports = f.get(item, "ports", where)
        if not isinstance(ports, list) or not ports:
            raise f.fail(f"{where}.ports", "list at least one port as <tcp|udp>/<port>")
        return Service(
            id=item["id"],
            name=f.text(f.get(item, "name", where), f"{where}.name"),
            phrases=tuple(p.lower() for p in f.strings(f.get(item, "phrases", where), f"{where}.phrases")),
            ports=tuple(_port(f, p, f"{where}.ports[{i}]") for i, p in enumerate(ports)),
            alternatives=bool(item.get("alternatives", False)),
            generic=bool(item.get("generic", False)),
            listen=listen_text,
            note=f.text(item["note"], f"{where}.note") if "note" in item else None,
            sources=f.sources(item, where),
        )

    return _keyed(f, "services", build)


def _symptoms(f: DataFile) -> dict[str, Symptom]:
    def build(item: dict[str, Any], where: str) -> Symptom:
        priority = f.get(item, "priority", where)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise f.fail(f"{where}.priority", "must be a whole number")
        phrases = f.strings(f.get(item, "phrases", where), f"{where}.phrases", empty=False)
        return Symptom(item["id"], priority, phrases, f.sources(item, where))

    return _keyed(f, "symptoms", build)


def _claims(f: DataFile, checks: Mapping[str, CheckDef]) -> dict[str, Claim]:
    def check_ids(value: object, where: str) -> tuple[str, ...]:
        found = f.strings(value, where)
        unknown = [c for c in found if c not in checks]
        if unknown:
            raise f.fail(where, f"unknown check(s) {unknown}; checks are {sorted(checks)}")
        return found

    def build(item: dict[str, Any], where: str) -> Claim:
        replace = item.get("replace", {})
        if not isinstance(replace, dict):
            raise f.fail(f"{where}.replace", "must be a mapping {check: check}")
        check_ids(list(replace) + list(replace.values()), f"{where}.replace")
        return Claim(
            item["id"],
            f.strings(f.get(item, "phrases", where), f"{where}.phrases", empty=False),
            check_ids(item.get("demote", []), f"{where}.demote"),
            check_ids(item.get("promote", []), f"{where}.promote"),
            {str(k): str(v) for k, v in replace.items()},
            f.sources(item, where),
        )

    return _keyed(f, "claims", build)


def _directions(f: DataFile, services: Mapping[str, Service]) -> tuple[DirectionHint, ...]:
    def build(item: dict[str, Any], where: str) -> DirectionHint:
        service = item.get("service")
        if service is not None and service not in services:
            raise f.fail(f"{where}.service", f"unknown service {service!r}")
        direction: Direction = f.choice(f.get(item, "direction", where), ("ingress", "egress"), f"{where}.direction")
        phrases = f.strings(f.get(item, "phrases", where), f"{where}.phrases", empty=False)
        return DirectionHint(item["id"], direction, service, phrases, f.sources(item, where))

    return tuple(_keyed(f, "directions", build).values())


def _source_hints(f: DataFile) -> tuple[SourceHint, ...]:
    kinds: tuple[SourceKind, ...] = get_args(SourceKind)

    def build(item: dict[str, Any], where: str) -> SourceHint:
        kind: SourceKind = f.choice(f.get(item, "kind", where), kinds, f"{where}.kind")
        phrases = f.strings(f.get(item, "phrases", where), f"{where}.phrases", empty=False)
        return SourceHint(item["id"], kind, phrases, f.sources(item, where))

    return tuple(_keyed(f, "sources", build).values())


def _regions(f: DataFile) -> dict[str, Region]:
    def build(item: dict[str, Any], where: str) -> Region:
        region_id = f.string(item["id"], f"{where}.id")
        if not REGION_ID.match(region_id):
            raise f.fail(f"{where}.id", f"{region_id!r} is not a region id such as ap-guangzhou")
        phrases = f.strings(f.get(item, "phrases", where), f"{where}.phrases", empty=False)
        if region_id not in phrases:
            raise f.fail(f"{where}.phrases", f"list the id {region_id} itself among the phrases")
        return Region(region_id, f.text(f.get(item, "name", where), f"{where}.name"), phrases, f.sources(item, where))

    return _keyed(f, "regions", build)


def _grammar(f: DataFile) -> Grammar:
    def words(key: str) -> tuple[str, ...]:
        section = f.get(f.data, key, key)
        f.sources(section, key)
        return f.strings(f.get(section, "phrases", key), f"{key}.phrases", empty=False)

    protocols_raw = f.get(f.data, "protocols", "protocols")
    f.sources(protocols_raw, "protocols")
    protocols: dict[Protocol, tuple[str, ...]] = {}
    for name in get_args(Protocol):
        protocols[name] = f.strings(f.get(protocols_raw, name, "protocols"), f"protocols.{name}", empty=False)
    return Grammar(
        words("port_words"), words("units"), words("ordinals"), words("change_to"), words("own_address"), protocols
    )


def _checks(f: DataFile) -> dict[str, CheckDef]:
    evidence_kinds: tuple[CheckEvidence, ...] = get_args(CheckEvidence)
    directions: tuple[CheckDirection, ...] = get_args(CheckDirection)

    def build(item: dict[str, Any], where: str) -> CheckDef:
        return CheckDef(
            id=item["id"],
            evidence=f.choice(f.get(item, "evidence", where), evidence_kinds, f"{where}.evidence"),
            direction=f.choice(f.get(item, "direction", where), directions, f"{where}.direction"),
            title=f.text(f.get(item, "title", where), f"{where}.title"),
            why=f.text(f.get(item, "why", where), f"{where}.why"),
            how=f.text(f.get(item, "how", where), f"{where}.how"),
            paste=f.text(f.get(item, "paste", where), f"{where}.paste", empty=True),
            sources=f.sources(item, where),
        )

    return _keyed(f, "checks", build)


def _causes(f: DataFile) -> dict[str, CauseDef]:
    builders: tuple[CommandBuilder, ...] = get_args(CommandBuilder)

    def build(item: dict[str, Any], where: str) -> CauseDef:
        fix = f.get(item, "fix", where)
        steps = f.get(fix, "console_steps", f"{where}.fix")
        if not isinstance(steps, list):
            raise f.fail(f"{where}.fix.console_steps", "must be a list of {zh, en}")
        faq = f.strings(f.get(item, "faq", where), f"{where}.faq")
        cause_id: CauseId = f.choice(item["id"], CAUSE_IDS, f"{where}.id")
        return CauseDef(
            id=cause_id,
            title=f.text(f.get(item, "title", where), f"{where}.title"),
            description=f.text(f.get(item, "description", where), f"{where}.description"),
            summary=f.text(f.get(item, "summary", where), f"{where}.summary"),
            summary_statement=(
                f.text(item["summary_statement"], f"{where}.summary_statement") if "summary_statement" in item else None
            ),
            fix=FixDef(
                f.text(f.get(fix, "summary", f"{where}.fix"), f"{where}.fix.summary"),
                tuple(f.text(s, f"{where}.fix.console_steps[{i}]") for i, s in enumerate(steps)),
                f.choice(f.get(fix, "commands", f"{where}.fix"), builders, f"{where}.fix.commands"),
            ),
            faq_ids=tuple(f.faq_id(q, f"{where}.faq[{i}]") for i, q in enumerate(faq)),
            sources=f.sources(item, where),
        )

    causes = _keyed(f, "causes", build)
    missing = [c for c in CAUSE_IDS if c not in causes]
    if missing:
        raise f.fail("causes", f"the stable cause vocabulary needs {missing}; add them (docs/troubleshooting.md)")
    return causes


def _labels(f: DataFile) -> dict[str, Text]:
    raw = f.get(f.data, "labels", "labels")
    missing = [k for k in LABEL_KEYS if k not in raw]
    if missing:
        raise f.fail("labels", f"missing {missing}")
    return {key: f.text(raw[key], f"labels.{key}") for key in LABEL_KEYS}


def _commands(f: DataFile) -> dict[str, CommandDef]:
    raw = f.get(f.data, "commands", "commands")
    missing = [k for k in COMMAND_KEYS if k not in raw]
    if missing:
        raise f.fail("commands", f"missing {missing}")
    found: dict[str, CommandDef] = {}
    for key in COMMAND_KEYS:
        item, where = raw[key], f"commands.{key}"
        template = f.string(f.get(item, "template", where), f"{where}.template")
        f.template(template, f"{where}.template")
        found[key] = CommandDef(
            key, f.string(f.get(item, "tool", where), f"{where}.tool"), template, f.sources(item, where)
        )
    return found


def _pastes(f: DataFile) -> dict[str, Text]:
    raw = f.get(f.data, "pastes", "pastes")
    if not isinstance(raw, dict) or "unknown" not in raw:
        raise f.fail("pastes", "a mapping of evidence format to {zh, en, sources}, with 'unknown'")
    found: dict[str, Text] = {}
    for key, item in raw.items():
        where = f"pastes.{key}"
        f.sources(item, where)
        found[str(key)] = f.text({"zh": f.get(item, "zh", where), "en": f.get(item, "en", where)}, where)
    return found


def _ranking(f: DataFile, symptoms: Mapping[str, Symptom], checks: Mapping[str, CheckDef]) -> Ranking:
    f.sources(f.data, "ranking")

    def check_list(value: object, where: str, direction: Direction) -> tuple[str, ...]:
        found = f.strings(value, where)
        for check in found:
            if check not in checks:
                raise f.fail(where, f"unknown check {check!r}")
            if not checks[check].applies(direction):
                raise f.fail(where, f"check {check!r} does not apply to {direction} traffic")
        return found

    def by_symptom(key: str, direction: Direction) -> dict[str, tuple[str, ...]]:
        raw = f.get(f.data, key, key)
        if not isinstance(raw, dict):
            raise f.fail(key, "must map symptom ids to lists of checks")
        unknown = [s for s in raw if s not in symptoms]
        if unknown:
            raise f.fail(key, f"unknown symptom(s) {unknown}")
        return {str(s): check_list(v, f"{key}.{s}", direction) for s, v in raw.items()}

    defaults_raw = f.get(f.data, "defaults", "defaults")
    defaults: dict[Direction, tuple[str, ...]] = {
        "ingress": check_list(f.get(defaults_raw, "ingress", "defaults"), "defaults.ingress", "ingress"),
        "egress": check_list(f.get(defaults_raw, "egress", "defaults"), "defaults.egress", "egress"),
    }
    return Ranking(defaults, by_symptom("symptoms", "ingress"), by_symptom("egress", "egress"))
