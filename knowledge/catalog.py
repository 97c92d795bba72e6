"""Load a knowledge folder: every FAQ file, its provenance, alternates and facts."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from knowledge.alternates import ALTERNATES_FILE, load_alternates
from knowledge.errors import EntryNotFoundError, FaqFormatError
from knowledge.facts import FACTS_FILE, load_facts
from knowledge.markdown_faq import parse_faq
from knowledge.models import BlockedPort, Entry, RestrictedPort, entry_id_for, normalize_question
from knowledge.other_clouds import OTHER_CLOUDS_FILE, OtherClouds, load_other_clouds
from knowledge.out_of_scope import OUT_OF_SCOPE_FILE, load_out_of_scope
from knowledge.translations import Translation, load_translations, translation_files
from knowledge.yaml_data import line_of, load_yaml_mapping

SOURCES_FILE = "sources.yaml"
CALIBRATION_FILE = "calibration.jsonl"
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Source:
    """Where one FAQ file comes from, as ``sources.yaml`` records it.

    Attributes:
        file: The FAQ file's name in the knowledge folder.
        url: The page it is a copy of.
        title: The page's title.
        language: The language it is written in.
        copied: When the copy was taken (None when ``sources.yaml`` does not say).
    """

    file: str
    url: str
    title: str
    language: str
    copied: date | None


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the service knows, loaded and validated.

    ``translations`` holds curated translations by language, then by entry id; the
    Chinese entries in ``entries`` stay the source of truth. ``other_clouds`` names the
    other providers whose questions retrieval declines.
    """

    entries: tuple[Entry, ...]
    blocked_ports: tuple[BlockedPort, ...]
    restricted_ports: tuple[RestrictedPort, ...]
    out_of_scope: tuple[str, ...]
    checksum: str
    directory: Path
    sources: Mapping[str, Source] = field(default_factory=dict)
    translations: Mapping[str, Mapping[str, Translation]] = field(default_factory=dict)
    other_clouds: OtherClouds = field(default_factory=OtherClouds)

    def get(self, entry_id: str) -> Entry:
        """Entry by id.

        Raises:
            EntryNotFoundError: no entry has this id.
        """
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise EntryNotFoundError(entry_id)

    def translation(self, entry_id: str, language: str) -> Translation | None:
        """The curated translation of an entry into ``language``, if there is one."""
        return self.translations.get(language, {}).get(entry_id)

    def untranslated(self, language: str) -> tuple[Entry, ...]:
        """Entries with no curated translation into ``language`` (served in their own language)."""
        done = self.translations.get(language, {})
        return tuple(e for e in self.entries if e.id not in done)

    def source_of(self, entry: Entry) -> Source | None:
        """The provenance of the file ``entry`` comes from."""
        return self.sources.get(Path(entry.source.path).name)


def knowledge_files(directory: Path) -> list[Path]:
    """The files whose content defines the knowledge base (for checksums)."""
    names = sorted(p.name for p in directory.glob("*.md"))
    names += [
        n
        for n in (SOURCES_FILE, ALTERNATES_FILE, FACTS_FILE, OUT_OF_SCOPE_FILE, CALIBRATION_FILE, OTHER_CLOUDS_FILE)
        if (directory / n).exists()
    ]
    return [directory / n for n in names] + translation_files(directory)


def checksum(directory: Path) -> str:
    """SHA-256 over the names and bytes of every knowledge file, in a fixed order."""
    digest = hashlib.sha256()
    for path in knowledge_files(directory):
        name = path.relative_to(directory).as_posix()
        digest.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_knowledge(directory: Path = DEFAULT_KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load and validate every FAQ file in ``directory``, with its provenance, alternates,
    facts, out-of-scope phrasings, translations and other clouds' names.

    Raises:
        FaqFormatError: any file is malformed; the message names file, line and fix.
    """
    directory = directory.resolve()
    if not directory.is_dir():
        raise FaqFormatError(
            directory,
            None,
            "knowledge folder not found",
            "set HELPDESK_KNOWLEDGE_DIR to a folder holding the FAQ files",
        )
    sources = _load_sources(directory)
    entries = _load_entries(directory, sources)
    alternates_path = directory / ALTERNATES_FILE
    alternates = load_alternates(alternates_path, _show(alternates_path), [e.question for e in entries])
    entries = [replace(e, alternates=alternates.get(normalize_question(e.question), ())) for e in entries]
    facts_path = directory / FACTS_FILE
    blocked, restricted = load_facts(facts_path, _show(facts_path), entries)
    oos_path = directory / OUT_OF_SCOPE_FILE
    known = [e.question for e in entries] + [a for e in entries for a in e.alternates]
    out_of_scope = load_out_of_scope(oos_path, _show(oos_path), known)
    return KnowledgeBase(
        tuple(entries),
        tuple(blocked),
        tuple(restricted),
        out_of_scope,
        checksum(directory),
        directory,
        sources,
        load_translations(directory, entries),
        load_other_clouds(directory / OTHER_CLOUDS_FILE, _show(directory / OTHER_CLOUDS_FILE)),
    )


def _load_sources(directory: Path) -> dict[str, Source]:
    """``sources.yaml``: one provenance record per FAQ file, each with its page's URL."""
    path = directory / SOURCES_FILE
    files = load_yaml_mapping(path, _show(path)).get("files") or {}
    md_files = sorted(directory.glob("*.md"))
    if not md_files:
        raise FaqFormatError(directory, None, "no FAQ (*.md) files", "add a FAQ file in the documented format")
    sources: dict[str, Source] = {}
    for md in md_files:
        meta = files.get(md.name) if isinstance(files, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("url"), str):
            raise FaqFormatError(
                _show(path),
                line_of(path, md.name),
                f"{md.name} has no source entry with a 'url'",
                f"add '{md.name}:' with its 'url' under 'files:' in {SOURCES_FILE}",
            )
        copied = meta.get("copied")
        if copied is not None and not isinstance(copied, date):
            raise FaqFormatError(
                _show(path), line_of(path, "copied:"), f"'copied' of {md.name} is not a date", "write it as YYYY-MM-DD"
            )
        sources[md.name] = Source(
            md.name, meta["url"], str(meta.get("title") or md.stem), str(meta.get("language") or "zh"), copied
        )
    return sources


def _load_entries(directory: Path, sources: Mapping[str, Source]) -> list[Entry]:
    """Every question of every FAQ file, in file order; a question asked twice is refused."""
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    for path in sorted(directory.glob("*.md")):
        for raw in parse_faq(path, _show(path)):
            key = normalize_question(raw.question)
            if key in seen:
                raise FaqFormatError(
                    raw.source.path,
                    raw.source.line,
                    f"duplicate question {raw.question!r} (first at {seen[key].source})",
                    "remove one or reword it",
                )
            entry = Entry(
                id=entry_id_for(raw.question),
                section=raw.section,
                question=raw.question,
                answer=raw.answer,
                source_url=sources[path.name].url,
                links=raw.links,
                tables=raw.tables,
                source=raw.source,
            )
            seen[key] = entry
            entries.append(entry)
    return entries


def _show(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when possible."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
