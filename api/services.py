"""What the routes need, loaded once when the app starts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from deflection import DeflectionStore, StoreGate, WebhookDeliverer
from deflection.handoff_outbox import HandoffOutbox
from deflection.handoffs import HandoffDesk
from diagnosis import Diagnoser
from helpdesk.settings import Settings
from index import EncodeBatcher, Retriever, make_embedder, open_or_build
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
    store: StoreGate
    handoffs: HandoffDesk  # stores tickets, or keeps them on disk while the database is down
    batcher: EncodeBatcher
    diagnoser: Diagnoser
    started_at: float = field(default_factory=time.time)

    @property
    def deflection(self) -> DeflectionStore:
        """The deflection store; raises StoreUnavailableError (503) while its database has not answered."""
        return self.store.get()

    def close(self) -> None:
        """Stop the webhook worker and close the database."""
        self.handoffs.stop()
        self.store.close()


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
    # Records, tickets and suggestions: migrated to the latest schema before they are used. A
    # database that does not answer yet does not stop the app: answers and rules need none,
    # and the gate keeps trying (the bot spools its records meanwhile).
    store = StoreGate(settings.effective_database_url)
    deliverer = None
    if settings.handoff_webhook_url:
        deliverer = WebhookDeliverer(
            store.store.tickets,
            settings.handoff_webhook_url,
            attempts=settings.handoff_webhook_attempts,
            backoff_s=settings.handoff_webhook_backoff_s,
            timeout_s=settings.handoff_webhook_timeout_s,
        )
    outbox = HandoffOutbox(settings.data_dir / "handoff-outbox")
    desk = HandoffDesk(store.store.tickets, deliverer, outbox, store_ready=lambda: store.ready)
    store.open(on_ready=desk.start)
    batcher = EncodeBatcher(retriever.embedder)  # questions asked together share one forward pass
    rules = RuleEngine.from_knowledge(kb)
    # The troubleshooting data is checked at start: bad data stops the app with file and item named.
    diagnoser = Diagnoser.from_knowledge(kb, rules)
    return Services(settings, kb, retriever, rules, store, desk, batcher, diagnoser)
