"""The deflection store when its database may be down: the app starts and answers anyway.

Answers and rules need no database; records, tickets and the dashboard do. ``StoreGate``
opens the store, and when its database does not answer it keeps retrying in the
background (migrating once it does) while the rest of the app serves. Until then the
routes that need the store get ``StoreUnavailableError`` (503) saying so; the bot keeps
its records in its spool meanwhile (bot/brokers/spool.py), so none is lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from deflection.errors import DatabaseUnreachableError, StoreUnavailableError
from deflection.store import DeflectionStore

log = logging.getLogger("helpdesk.deflection")


class StoreGate:
    """A ``DeflectionStore`` that is handed out only once its database is reachable and migrated.

    Args:
        url: the database URL.
        retry_s: seconds between attempts while the database does not answer.

    Raises:
        StoreUnavailableError: the URL is malformed.
    """

    def __init__(self, url: str, *, retry_s: float = 5.0) -> None:
        self.store = DeflectionStore(url, migrate=False)
        self._retry_s = retry_s
        self._on_ready: Callable[[], None] | None = None
        self._ready = threading.Event()
        self._closing = threading.Event()
        self.last_error: str | None = "not opened yet"
        self._thread: threading.Thread | None = None

    def open(self, on_ready: Callable[[], None] | None = None) -> bool:
        """Try the database now; when it does not answer, keep trying in the background.

        Args:
            on_ready: called once, from whichever thread finds the database ready (e.g. to start
                the hand-off webhook worker, which reads the pending tickets).

        Returns:
            Whether the store is ready now.

        Raises:
            StoreUnavailableError: a migration failed (retrying cannot help).
        """
        self._on_ready = on_ready
        if not self._try():
            log.warning("no deflection store yet: %s; retrying every %.0f s", self.last_error, self._retry_s)
            self._thread = threading.Thread(target=self._retry, name="deflection-store-gate", daemon=True)
            self._thread.start()
        return self.ready

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def get(self) -> DeflectionStore:
        """The store, once ready.

        Raises:
            StoreUnavailableError: the database has not answered yet.
        """
        if not self._ready.is_set():
            raise StoreUnavailableError(
                f"the deflection database is not available yet ({self.last_error}); answers and rules still work, "
                "and the bot keeps its records until the database is back: retry in a minute"
            )
        return self.store

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._thread.join(timeout=self._retry_s + 1)
        self.store.close()

    def _try(self) -> bool:
        try:
            self.store.migrate()
        except DatabaseUnreachableError as e:
            self.last_error = str(e)
            return False
        self.last_error = None
        if self._on_ready is not None:
            self._on_ready()
        self._ready.set()
        return True

    def _retry(self) -> None:
        while not self._closing.wait(self._retry_s):
            try:
                if self._try():
                    log.warning("the deflection database answers again: at revision %s", self.store.revision)
                    return
            except StoreUnavailableError as e:  # reachable, but a migration failed: retrying cannot fix it
                self.last_error = str(e)
                log.error("the deflection store cannot be used: %s", e)
                return
