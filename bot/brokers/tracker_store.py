"""Rasa's SQL tracker store, made to keep conversations and their records through a database outage.

Three things stock Rasa 3.6 does not do well, fixed here:

* **Streaming to the event broker.** ``TrackerStore.stream_events`` re-reads the whole
  tracker from the database on every save only to diff it by length. This store remembers
  how many events of each conversation it has already streamed (set when the tracker is
  retrieved), so a save streams exactly the new events without a query (measured: the
  re-read cost +4.9 ms p50 per turn with SQLite, benchmarks/deflection_bench.py).
* **The database down.** Stock Rasa's fail-safe wrapper then starts every turn as a new
  conversation (the context is lost), saves into an in-memory store that is never read,
  and its length-based diff streams nothing for the second turn on: those turns' records
  are lost. Here, a tracker that cannot be written is kept in memory and served to the
  next turn of its conversation (the context is kept), its events are streamed as usual
  (the broker spools what the app cannot take), and it is written to the database when the
  database answers again (on that conversation's next save, or another's). A tracker that
  cannot be read is rebuilt from what this process last saved of it (brokers/recent.py:
  the events' JSON, bounded in conversations and in bytes, not live trackers: those were
  most of Rasa's memory growth, 150 KB a conversation). A conversation whose tracker
  could not be read at all starts a new session; when written later, its events follow
  the old ones, as a new session does.
* **SQLite, the default store, opened on every read and write.** SQLAlchemy 1.4 gives a
  file-based SQLite database no connection pool (``NullPool``): each retrieve and each save
  opened the file again, and every commit waited for the rollback journal to be synced
  two or three times. Here the connection is kept (``QueuePool``, what SQLAlchemy 2.0 does
  for SQLite files) and the database is in write-ahead-log mode (``journal_mode=WAL``),
  with the same durability (``synchronous=FULL``: a commit is on disk when it returns) at one
  sync per commit. On the event loop that was about a quarter of a turn (py-spy,
  benchmarks/bot_bench.py). PostgreSQL is pooled by Rasa already and is left as it is.

Limits: what is kept in memory belongs to this Rasa process (another process serving the
same conversation during the outage does not see it, and a restart before the database is
back loses those tracker events; their records are on the broker's spool, not lost).

Configured in bot/endpoints.yml as ``tracker_store: type: brokers.tracker_store.HelpdeskSQLTrackerStore``
with the usual SQL options (dialect, db, url, username, password...).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable

import rasa_compat
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from .recent import Lru, RecentTrackers

logger = logging.getLogger(__name__)


def is_outage(error: DBAPIError) -> bool:
    """What a database that is down or restarting raises (not a constraint or a query error)."""
    return isinstance(error, OperationalError | InterfaceError) or bool(error.connection_invalidated)


def is_sqlite_file(url: sa.engine.URL) -> bool:
    """Whether ``url`` is an SQLite database in a file (not in memory)."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # kept by the file; readers do not block the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a commit returns once it is on disk, as before
    finally:
        cursor.close()


def sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine for the SQLite file at ``url`` that keeps its connection open (see the module docstring).

    Connections may move between threads (``check_same_thread=False``, as SQLAlchemy 2.0 sets for
    a pooled SQLite file); the pool hands each to one user at a time.
    """
    engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


MAX_KEPT = 10_000  # conversations kept unsaved in memory; past it the oldest is given up (logged)
# Conversations remembered to keep their context when the database cannot be read (brokers/recent.py),
# and at most this many characters of their events' JSON (about as many bytes): 10 to 40 KB a conversation.
MAX_RECENT = 10_000
MAX_RECENT_CHARS = 32 * 1024 * 1024
# Conversations whose streamed-event count is remembered: needed from a turn's retrieve to its
# save (a save without one asks the database), so far more than the turns ever in flight at once.
MAX_STREAMED = 10_000
FLUSH_PER_SAVE = 20  # kept trackers written after each successful save


class HelpdeskSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that streams without re-reading and rides out a database outage."""

    engine: sa.engine.Engine  # made by SQLTrackerStore; replaced for an SQLite file

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if is_sqlite_file(self.engine.url):
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._streamed: Lru[str, int] = Lru(MAX_STREAMED)
        self._recent = RecentTrackers(MAX_RECENT, MAX_RECENT_CHARS)
        # sender -> (tracker, written_whole): trackers the database has not taken yet. written_whole:
        # the tracker was started without reading the database, so all its events are new to it.
        self._kept: Lru[str, tuple[DialogueStateTracker, bool]] = Lru(MAX_KEPT)
        self._unread: set[str] = set()
        self._last_warning = 0.0

    # --- reading -------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.get(sender_id)
        if kept is not None:
            tracker = kept[0]
        else:
            try:
                tracker = await super().retrieve(sender_id)
            except DBAPIError as e:
                if not is_outage(e):
                    raise
                tracker = self._recent.tracker(sender_id, self.domain.slots if self.domain else None)
                self._warn(f"cannot read conversation trackers ({e.__class__.__name__})", tracker is not None)
                if tracker is None:
                    self._unread.add(sender_id)
            else:
                self._unread.discard(sender_id)
        self._streamed.set(sender_id, len(tracker.events) if tracker is not None else 0)
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve_full_tracker(conversation_id)
        self._streamed.set(conversation_id, len(tracker.events) if tracker is not None else 0)
        return tracker

    # --- writing -------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender = tracker.sender_id
        kept = self._kept.pop(sender)
        whole = kept[1] if kept is not None else sender in self._unread
        self._unread.discard(sender)
        try:
            written = self._write(tracker, whole)
        except DBAPIError as e:
            if not is_outage(e):
                raise
            self._keep(sender, tracker, whole)
            self._warn(f"cannot write conversation trackers ({e.__class__.__name__})", True)
            return
        self._recent.remember(tracker, written)
        self._flush_kept()

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            return
        sender = tracker.sender_id
        start = self._streamed.get(sender)
        if start is None or start > len(tracker.events):
            start = self._stored_count(tracker)
        new_events = list(tracker.events)[start:]
        self._streamed.set(sender, len(tracker.events))
        await rasa_compat.stream_new_events(self, self.event_broker, new_events, sender)

    def _stored_count(self, tracker: DialogueStateTracker) -> int:
        """Events of this tracker already stored (and so streamed): a save without a retrieve first."""
        try:
            with self.session_scope() as session:
                return len(tracker.events) - len(list(rasa_compat.unsaved_events(self, session, tracker)))
        except DBAPIError as e:
            if not is_outage(e):
                raise
            logger.warning("cannot tell which events of %s are new; streaming them all", tracker.sender_id)
            return 0

    def _write(self, tracker: DialogueStateTracker, whole: bool) -> list[str]:
        """Store the events the database lacks (all of them for a tracker started without reading it);
        returns their JSON, as stored."""
        written: list[str] = []
        with self.session_scope() as session:
            events: Iterable[Event] = tracker.events if whole else rasa_compat.unsaved_events(self, session, tracker)
            for event in events:
                data = event.as_dict()
                written.append(json.dumps(data))
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=written[-1],
                    )
                )
            session.commit()
        return written

    def _keep(self, sender: str, tracker: DialogueStateTracker, whole: bool) -> None:
        pushed = self._kept.set(sender, (tracker, whole))
        if pushed is not None:
            logger.error(
                "more than %d conversations wait for the tracker database: the tracker of %s is given up "
                "(its turns' records were streamed to the event broker)",
                MAX_KEPT,
                pushed[0],
            )

    def _flush_kept(self) -> None:
        """Write some kept trackers now that the database answers (stop at the first failure)."""
        for sender in self._kept.keys()[:FLUSH_PER_SAVE]:
            kept = self._kept.pop(sender)
            if kept is None:
                continue
            try:
                written = self._write(*kept)
            except DBAPIError as e:
                self._kept.set(sender, kept)
                if is_outage(e):
                    return
                raise
            self._recent.remember(kept[0], written)
            logger.info("conversation tracker %s written after the database came back", sender)

    def _warn(self, what: str, context_kept: bool) -> None:
        now = time.monotonic()
        if now - self._last_warning > 10:
            self._last_warning = now
            logger.warning(
                "%s: the database is down; chat goes on (%s), trackers are kept in memory and "
                "written when it is back (%d waiting)",
                what,
                "context kept" if context_kept else "a new session where no tracker is known",
                len(self._kept),
            )
