"""What the routes need, loaded once when the app starts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from deflection import DeflectionStore, WebhookDeliverer
from deflection.handoffs import HandoffDesk
from helpdesk.settings import Settings
from index import Retriever, make_embedder, open_or_build
from knowledge import KnowledgeBase, load_knowledge
from rules import RuleEngine

log = logging.getLogger("helpdesk")


@dataclass
class Services:
    """The loaded knowledge base, retriever and stores of one process."""

    settings: Settings
    kb: KnowledgeBase
    retriever: Retriever
    rules: RuleEngine
    deflection: DeflectionStore
    handoffs: HandoffDesk
    started_at: float = field(default_factory=time.time)

    def close(self) -> None:
        """Stop the webhook worker and close the database."""
        self.handoffs.stop()
        self.deflection.close()


def load_services(settings: Settings) -> Services:
    """Load knowledge and open (or, if allowed, rebuild) the index.

    A stale or corrupt index is never served: it is rebuilt when ``auto_build`` is
    set, otherwise start-up fails with the reason and the command to run.
    """
    kb = load_knowledge(settings.knowledge_dir)
    embedder = make_embedder(settings.model, settings.threads)
    retriever, rebuilt = open_or_build(kb, embedder, settings.index_dir, rebuild=settings.auto_build)
    if rebuilt:
        log.warning("index rebuilt at start: %s", rebuilt)
    # Warm the model so the first request does not pay for lazy loading.
    retriever.embedder.encode(["warm-up"])
    # Records, tickets and suggestions: migrated to the latest schema before serving.
    deflection = DeflectionStore(settings.effective_database_url)
    deliverer = None
    if settings.handoff_webhook_url:
        deliverer = WebhookDeliverer(
            deflection.tickets,
            settings.handoff_webhook_url,
            attempts=settings.handoff_webhook_attempts,
            backoff_s=settings.handoff_webhook_backoff_s,
            timeout_s=settings.handoff_webhook_timeout_s,
        )
    handoffs = HandoffDesk(deflection.tickets, deliverer)
    handoffs.start()
    return Services(settings, kb, retriever, RuleEngine.from_knowledge(kb), deflection, handoffs)
