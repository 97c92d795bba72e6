"""Which FAQ entry each verdict rests on, read from ``rules/data/references.yaml``.

The file names FAQ *questions* (not ids), so it reads like the FAQ; they are resolved
to entry ids against the knowledge base when the engine is built, and a question the
knowledge base does not have stops the engine from starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml

from knowledge import KnowledgeBase
from knowledge.models import normalize_question
from rules.errors import RuleDataError

ReferenceKind = Literal["open", "blocked", "restricted", "rule_order", "implicit_deny", "traffic_path", "deletion"]
REFERENCE_KINDS: tuple[ReferenceKind, ...] = get_args(ReferenceKind)
DEFAULT_REFERENCES_FILE = Path(__file__).resolve().parent / "data" / "references.yaml"


@dataclass(frozen=True)
class FaqReferences:
    """FAQ entry id for each kind of verdict."""

    ids: dict[ReferenceKind, str]

    def __getitem__(self, kind: ReferenceKind) -> str:
        return self.ids[kind]


def load_references(kb: KnowledgeBase, path: Path = DEFAULT_REFERENCES_FILE) -> FaqReferences:
    """Read the references file and resolve each question to its entry id.

    Raises:
        RuleDataError: the file is unreadable, a kind is missing, a question is not in
            the knowledge base, or the blocked/restricted entry differs from the one the
            port facts were extracted from.
    """
    shown = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RuleDataError(shown, f"cannot read the file ({e})", "restore it from git") from e
    refs = data.get("references") if isinstance(data, dict) else None
    if not isinstance(refs, dict):
        raise RuleDataError(shown, "no 'references:' mapping", "write 'references:' with one question per kind")
    by_question = {normalize_question(e.question): e.id for e in kb.entries}
    ids: dict[ReferenceKind, str] = {}
    for kind in REFERENCE_KINDS:
        question = refs.get(kind)
        if not isinstance(question, str):
            raise RuleDataError(shown, f"no question for {kind!r}", f"add '{kind}: <FAQ question>' under references")
        entry_id = by_question.get(normalize_question(question))
        if entry_id is None:
            raise RuleDataError(
                shown,
                f"{kind}: no FAQ entry has the question {question!r}",
                "copy the question exactly from the FAQ file",
            )
        ids[kind] = entry_id
    _check_fact_entries(kb, ids, shown)
    return FaqReferences(ids)


def _check_fact_entries(kb: KnowledgeBase, ids: dict[ReferenceKind, str], shown: str) -> None:
    """The blocked/restricted references must be the entries the facts come from."""
    checks: tuple[tuple[ReferenceKind, set[str]], ...] = (
        ("blocked", {b.faq_id for b in kb.blocked_ports}),
        ("restricted", {r.faq_id for r in kb.restricted_ports}),
    )
    for kind, fact_ids in checks:
        if fact_ids and ids[kind] not in fact_ids:
            raise RuleDataError(
                shown,
                f"{kind} names entry {ids[kind]} but the port facts come from {sorted(fact_ids)}",
                "name the FAQ question that knowledge/data/facts.yaml uses",
            )
