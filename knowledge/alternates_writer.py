"""Add an accepted phrasing to ``alternates.yaml``, keeping the file as people wrote it.

The file is read and written as a YAML round trip (ruamel.yaml): comments, order, blank
lines and quoting stay as they are, and only the new phrasing is added, at the end of its
question's block (or in a new block at the end). The result is loaded with
:func:`knowledge.load_knowledge` in a copy of the knowledge folder before it replaces the
real file atomically; the knowledge checksum changes, so the next start rebuilds the index.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from knowledge.alternates import ALTERNATES_FILE
from knowledge.catalog import load_knowledge
from knowledge.errors import AlternateRefusedError, KnowledgeError
from knowledge.files import exclusive, replace_atomically
from knowledge.models import normalize_question

_HEADER = (
    '# Curated alternate phrasings of FAQ questions (QnA Maker\'s "alternate questions").\n'
    "# Key each block by the FAQ question exactly as written in the .md file.\n"
    "alternates:\n"
)


def _yaml() -> YAML:
    """The round-trip reader/writer, with the file's own layout (2-space maps, dashes indented 2)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long phrasing
    return yaml


def with_alternate(source: str, question: str, phrasing: str) -> str:
    """``source`` (alternates.yaml text) with ``phrasing`` added under ``question``."""
    yaml = _yaml()
    data: Any = yaml.load(source) or CommentedMap()
    blocks = data.get("alternates")
    if blocks is None:
        blocks = data["alternates"] = CommentedSeq()
    key = normalize_question(question)
    block = next(
        (b for b in blocks if isinstance(b, dict) and normalize_question(str(b.get("question", ""))) == key), None
    )
    if block is None:
        block = CommentedMap()
        block["question"] = DoubleQuotedScalarString(question)
        blocks.append(block)
    phrasings = block.get("phrasings")
    if not isinstance(phrasings, CommentedSeq):  # absent, or written as an empty flow list "[]"
        phrasings = block["phrasings"] = CommentedSeq()
    _append_keeping_trailing_lines(phrasings, DoubleQuotedScalarString(phrasing))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _append_keeping_trailing_lines(items: CommentedSeq, value: Any) -> None:
    """Append ``value``; what followed the old last item (blank lines, comments) now follows the new one.

    ruamel.yaml attaches the blank line that ends a block to the block's last item, so a
    plain append would put the new item after that blank line.
    """
    trailing = items.ca.items.pop(len(items) - 1, None) if items else None
    items.append(value)
    if trailing is not None:
        items.ca.items[len(items) - 1] = trailing


def add_alternate(knowledge_dir: Path, faq_id: str, phrasing: str) -> bool:
    """Write ``phrasing`` as an alternate of entry ``faq_id``; False if it already is one.

    Raises:
        AlternateRefusedError: no entry has this id, the phrasing belongs to another entry,
            or the FAQ would not load with it (the message says why); the file is unchanged.
    """
    phrasing = " ".join(phrasing.split())
    path = knowledge_dir / ALTERNATES_FILE
    with exclusive(path):
        try:
            kb = load_knowledge(knowledge_dir)
        except KnowledgeError as e:
            raise AlternateRefusedError(f"the knowledge folder does not load as it is: {e}") from e
        entry = next((e for e in kb.entries if e.id == faq_id), None)
        if entry is None:
            raise AlternateRefusedError(f"no FAQ entry has id {faq_id!r} any more; reject this suggestion")
        wanted = normalize_question(phrasing)
        if wanted in {normalize_question(t) for t in (entry.question, *entry.alternates)}:
            return False
        for other in kb.entries:
            if other.id != faq_id and wanted in {normalize_question(t) for t in (other.question, *other.alternates)}:
                raise AlternateRefusedError(
                    f"{phrasing!r} is already a phrasing of another entry ({other.id}: {other.question!r})"
                )
        source = path.read_text(encoding="utf-8") if path.exists() else _HEADER
        updated = with_alternate(source, entry.question, phrasing)
        _check(knowledge_dir, updated, faq_id, wanted)
        replace_atomically(path, updated)
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
            raise AlternateRefusedError(f"the FAQ refuses this phrasing: {e}") from e
        entry = next((e for e in kb.entries if e.id == faq_id), None)
        if entry is None or wanted not in {normalize_question(a) for a in entry.alternates}:
            raise AlternateRefusedError("the phrasing did not land under its entry; alternates.yaml left unchanged")
