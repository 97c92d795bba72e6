"""Knowledge base: FAQ files, their provenance, alternates and extracted facts."""

from knowledge.catalog import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase, checksum, load_knowledge
from knowledge.errors import AlternateRefusedError, EntryNotFoundError, FaqFormatError, KnowledgeError
from knowledge.models import BlockedPort, Entry, RestrictedPort, SourceRef, Table

__all__ = [
    "DEFAULT_KNOWLEDGE_DIR",
    "AlternateRefusedError",
    "BlockedPort",
    "Entry",
    "EntryNotFoundError",
    "FaqFormatError",
    "KnowledgeBase",
    "KnowledgeError",
    "RestrictedPort",
    "SourceRef",
    "Table",
    "checksum",
    "load_knowledge",
]
