"""Rasa input channels of cvm-helpdesk (importable because Rasa runs with cwd bot/).

``socketio`` (the widget), ``slack`` and ``wecom`` (企业微信); each is listed in
``credentials.yml``. This module holds what the webhook channels share.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

logger = logging.getLogger(__name__)


def any_set(variables: Iterable[str]) -> bool:
    """Whether any of these environment variables has a value."""
    return any(os.environ.get(name) for name in variables)


class AbsentChannel(InputChannel):
    """Stands for a channel none of whose variables is set: it serves no routes.

    So ``credentials.yml`` can list Slack and WeCom for every way Rasa is started
    (scripts/bot.sh, docker compose, ``rasa run``), and a channel appears when configured.
    """

    def __init__(self, channel: str, variables: Iterable[str]) -> None:
        self.channel = channel
        logger.info("%s channel off: set %s to enable it", channel, ", ".join(variables))

    def url_prefix(self) -> str:
        return self.channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return Blueprint(f"{self.channel}_absent", __name__)


DEDUP_REDIS_ENV = "HELPDESK_DEDUP_REDIS_URL"


class RecentKeys:
    """Keys seen in the last ``ttl_s`` seconds (at most ``max_size``), to drop redelivered events.

    Slack and WeCom both redeliver an event they think went unanswered; the event's id
    (Slack ``event_id``, WeCom ``MsgId``) tells a redelivery from a new message. Kept in
    memory: a restart forgets them, and another Rasa server does not see them, which at
    worst answers one redelivery twice (``SharedRecentKeys`` closes both gaps).
    """

    def __init__(self, ttl_s: float = 3600.0, max_size: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record ``key``; ``False`` if it was already seen within the time to live."""
        now = time.monotonic()
        while self._seen and (next(iter(self._seen.values())) < now - self._ttl_s or len(self._seen) >= self._max_size):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class SharedRecentKeys:
    """``RecentKeys`` in Redis (``SET key NX EX ttl``), shared by every Rasa server and kept across restarts.

    Several Rasa servers behind one webhook address: a redelivery may reach another server
    than the first delivery. While Redis does not answer, this server's own memory is used.
    """

    def __init__(self, url: str, prefix: str, ttl_s: float = 3600.0) -> None:
        import redis  # Rasa's own dependency (its Redis lock store)

        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix
        self._ttl_s = max(1, int(ttl_s))
        self._local = RecentKeys(ttl_s)
        self._last_warning = 0.0

    def first_time(self, key: str) -> bool:
        """Record ``key``; ``False`` if any server saw it within the time to live."""
        try:
            return bool(self._redis.set(f"{self._prefix}:{key}", b"1", nx=True, ex=self._ttl_s))
        except self._errors as e:
            now = time.monotonic()
            if now - self._last_warning > 60:
                self._last_warning = now
                logger.warning("redelivery check: Redis does not answer (%s); using this server's memory", e)
            return self._local.first_time(key)


def recent_keys(channel: str) -> RecentKeys | SharedRecentKeys:
    """Where a channel remembers the events it has handled: Redis when ``HELPDESK_DEDUP_REDIS_URL`` is set."""
    url = os.environ.get(DEDUP_REDIS_ENV)
    if url:
        logger.info("%s: redeliveries are recognised across Rasa servers (Redis)", channel)
        return SharedRecentKeys(url, f"helpdesk:delivered:{channel}")
    return RecentKeys()
