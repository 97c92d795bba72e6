"""Knowledge base: FAQ files, their provenance, alternates and extracted facts."""

from knowledge.catalog import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase, checksum, load_knowledge
from knowledge.errors import AlternateRefusedError, EntryNotFoundError, FaqFormatError, KnowledgeError
from knowledge.models import BlockedPort, Entry, RestrictedPort, SourceRef, Table
from knowledge.translations import Translation
from knowledge.views import EntryView, entry_view

__all__ = [
    "DEFAULT_KNOWLEDGE_DIR",
    "AlternateRefusedError",
    "BlockedPort",
    "Entry",
    "EntryNotFoundError",
    "EntryView",
    "FaqFormatError",
    "KnowledgeBase",
    "KnowledgeError",
    "RestrictedPort",
    "SourceRef",
    "Table",
    "Translation",
    "checksum",
    "entry_view",
    "load_knowledge",
]
