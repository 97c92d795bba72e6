"""Add an accepted phrasing to ``alternates.yaml``, keeping the file as people wrote it.

The file is edited as text (one ``- "phrasing"`` line inserted at the end of the
question's block, or a new block at the end), so its header comment, order and
quoting stay as they are. The result is loaded with ``knowledge.load_knowledge``
in a copy of the knowledge folder before it replaces the real file atomically;
the knowledge checksum changes, so the next start rebuilds the index with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml

from deflection.errors import SuggestionConflictError
from knowledge import KnowledgeError, load_knowledge
from knowledge.alternates import ALTERNATES_FILE
from knowledge.models import normalize_question

_BLOCK = re.compile(r"^  - question:\s*(?P<value>.+?)\s*$")
_ITEM = re.compile(r"^      - ")
_PHRASINGS = re.compile(r"^    phrasings:\s*(\[\s*\])?\s*$")
_HEADER = (
    '# Curated alternate phrasings of FAQ questions (QnA Maker\'s "alternate questions").\n'
    "# Key each block by the FAQ question exactly as written in the .md file.\n"
    "alternates:\n"
)
_lock = threading.Lock()


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def with_alternate(source: str, question: str, phrasing: str) -> str:
    """``source`` (alternates.yaml text) with ``phrasing`` added under ``question``."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if not any(line.startswith("alternates:") for line in lines):
        lines.append("alternates:\n")
    key = normalize_question(question)
    start = None
    for i, line in enumerate(lines):
        m = _BLOCK.match(line)
        if m and _scalar(m.group("value")) is not None and normalize_question(_scalar(m.group("value")) or "") == key:
            start = i
            break
    item = f"      - {_quoted(phrasing)}\n"
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        return "".join([*lines, f"  - question: {_quoted(question)}\n", "    phrasings:\n", item])
    end = next((j for j in range(start + 1, len(lines)) if _BLOCK.match(lines[j])), len(lines))
    last_item = max((j for j in range(start + 1, end) if _ITEM.match(lines[j])), default=None)
    if last_item is not None:
        lines.insert(last_item + 1, item)
        return "".join(lines)
    header = next((j for j in range(start + 1, end) if _PHRASINGS.match(lines[j])), None)
    if header is None:
        lines[start + 1 : start + 1] = ["    phrasings:\n", item]
    else:
        lines[header] = "    phrasings:\n"
        lines.insert(header + 1, item)
    return "".join(lines)


def _scalar(value: str) -> str | None:
    try:
        loaded = yaml.safe_load(value)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, str) else None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise writers of one file across threads and processes (lock file outside the knowledge folder)."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"cvm-helpdesk-alternates-{digest}.lock"
    with _lock, open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def add_alternate(knowledge_dir: Path, faq_id: str, phrasing: str) -> bool:
    """Write ``phrasing`` as an alternate of entry ``faq_id``; False if it already is one.

    Raises:
        SuggestionConflictError: no entry has this id, the phrasing belongs to another
            entry, or the FAQ would not load with it (the message says why); the file is unchanged.
    """
    phrasing = " ".join(phrasing.split())
    path = knowledge_dir / ALTERNATES_FILE
    with _file_lock(path):
        try:
            kb = load_knowledge(knowledge_dir)
        except KnowledgeError as e:
            raise SuggestionConflictError(f"the knowledge folder does not load as it is: {e}") from e
        entry = next((e for e in kb.entries if e.id == faq_id), None)
        if entry is None:
            raise SuggestionConflictError(f"no FAQ entry has id {faq_id!r} any more; reject this suggestion")
        wanted = normalize_question(phrasing)
        if wanted in {normalize_question(t) for t in (entry.question, *entry.alternates)}:
            return False
        for other in kb.entries:
            if other.id != faq_id and wanted in {normalize_question(t) for t in (other.question, *other.alternates)}:
                raise SuggestionConflictError(
                    f"{phrasing!r} is already a phrasing of another entry ({other.id}: {other.question!r})"
                )
        source = path.read_text(encoding="utf-8") if path.exists() else _HEADER
        updated = with_alternate(source, entry.question, phrasing)
        _check(knowledge_dir, updated, faq_id, wanted)
        _replace(path, updated)
    return True


def _check(knowledge_dir: Path, updated: str, faq_id: str, wanted: str) -> None:
    """Load the knowledge folder with ``updated`` as its alternates file, in a scratch copy."""
    with tempfile.TemporaryDirectory(prefix="alternates-check-") as scratch:
        copy = Path(scratch) / "knowledge"
        shutil.copytree(knowledge_dir, copy)
        (copy / ALTERNATES_FILE).write_text(updated, encoding="utf-8")
        try:
            kb = load_knowledge(copy)
        except KnowledgeError as e:
            raise SuggestionConflictError(f"the FAQ refuses this phrasing: {e}") from e
        entry = next((e for e in kb.entries if e.id == faq_id), None)
        if entry is None or wanted not in {normalize_question(a) for a in entry.alternates}:
            raise SuggestionConflictError("the phrasing did not land under its entry; alternates.yaml left unchanged")


def _replace(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
