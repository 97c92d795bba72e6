"""What the routes need, loaded once when the app starts."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

from account import (
    AccountError,
    AccountService,
    AccountStatus,
    ApiCall,
    CallLog,
    PermissionDeniedError,
    problem_kind,
)
from api.problems import ApiError
from api.regions import region_names, resolve_region
from api.schemas_account import call_record
from deflection import DeflectionStore, StoreGate, WebhookDeliverer
from deflection.handoff_outbox import HandoffOutbox
from deflection.handoffs import HandoffDesk
from diagnosis import Diagnoser
from diagnosis.account_evidence import (
    AccountEvidence,
    AccountReading,
    AccountUnavailable,
    InstanceReader,
)
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
    account: AccountService = field(default_factory=lambda: AccountService(None))
    started_at: float = field(default_factory=time.time)

    @property
    def deflection(self) -> DeflectionStore:
        """The deflection store; raises StoreUnavailableError (503) while its database has not answered."""
        return self.store.get()

    def close(self) -> None:
        """Stop the webhook worker and close the database."""
        self.handoffs.stop()
        self.store.close()

    def account_status(self, wait: bool = False) -> AccountStatus:
        """The account's state as every worker's recorded calls show it (this process's own view
        while the database is not available). ``wait``: read the store now (the admin view);
        otherwise the last read is used and refreshed in the background (/readyz waits for the
        store only once per worker, for its first read)."""
        if not self.account.configured or not self.store.ready:
            return self.account.status()
        calls = self.store.store.account_calls
        try:
            records = None if wait else calls.cached_recent_sent()
            if records is None:  # the admin view, or this worker's first look: read now
                records = calls.recent_sent()
        except Exception as e:  # the database went away: what this process met
            log.debug("account status from this process only: %s", e)
            records = None
        if records is None:
            return self.account.status()
        recent = [
            ApiCall(
                r.action,
                r.service,
                r.region,
                r.resource_ids,
                r.result,
                r.request_id,
                r.duration_ms,
                r.at.replace(tzinfo=UTC),
                r.cached,
                r.attempt,
            )
            for r in records
        ]
        return self.account.status(recent)

    def region_named(self, value: str) -> str | None:
        """A region id from an id (``ap-guangzhou``) or a name the region vocabulary knows (广州, Guangzhou)."""
        return resolve_region(value, region_names(self.diagnoser.vocab))

    def region_of(self, value: str, loc: tuple[str, ...] = ("body", "region")) -> str:
        """:meth:`region_named`, or a 422 at ``loc`` listing the regions known."""
        region = self.region_named(value)
        if region is None:
            known = ", ".join(sorted(self.diagnoser.vocab.regions))
            raise ApiError.of(
                422, f"{value!r} is not a region id or name I know; use one of {known}", "region_invalid", loc=loc
            )
        return region

    def instance_reader(self, calls: CallLog) -> InstanceReader | None:
        """Reads an instance for the diagnosis engine, its calls given to ``calls``; None when the account is off."""
        if not self.account.configured:
            return None
        account = self.account

        def read(instance_id: str, region: str | None) -> AccountReading | AccountUnavailable:
            try:
                facts = account.read_reachability(instance_id, region, calls)
            except AccountError as e:
                policy = e.policy if isinstance(e, PermissionDeniedError) else None
                return AccountUnavailable(problem_kind(e), instance_id, region or account.region or "", policy)
            evidence = AccountEvidence(
                instance_id=facts.instance_id,
                region=facts.region,
                read_at=facts.read.at,
                state=facts.instance_state,
                public_ips=facts.public_ips,
                private_ips=facts.private_ips,
                group_ids=tuple(str(g["SecurityGroupId"]) for g in facts.security_groups),
                address_templates=dict(facts.address_templates),
                service_templates=dict(facts.service_templates),
                network_acl=dict(facts.network_acl) if facts.network_acl is not None else None,
                unknown_members=facts.unknown_members,
                missing_templates=facts.missing_templates,
            )
            return AccountReading(evidence, tuple(facts.security_groups))

        return read

    def record_account_calls(self, calls: Sequence[ApiCall], conversation_id: str | None, purpose: str) -> None:
        """Keep a question's API calls with its conversation (best effort: a database that is down loses them,
        and says so in the log)."""
        if not calls:
            return
        records = [call_record(c, conversation_id, purpose) for c in calls]
        if not self.store.ready:
            log.warning("%d account call(s) of %s not recorded: the database is not available", len(calls), purpose)
            return
        try:
            self.store.store.account_calls.add(records)
        except Exception as e:  # the records must never fail the answer
            log.warning("%d account call(s) of %s not recorded: %s", len(calls), purpose, e)


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
    # Off unless TENCENTCLOUD_SECRET_ID, _KEY and _REGION are set (validated with the settings).
    account = AccountService(settings.account_config)
    if account.configured:
        status = account.status()
        log.info("reading the Tencent Cloud account: region %s at %s (read-only)", status.region, status.endpoint)
    return Services(settings, kb, retriever, rules, store, desk, batcher, diagnoser, account)
