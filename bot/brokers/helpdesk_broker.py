"""A Rasa event broker that records every turn in cvm-helpdesk (``POST /v1/events``).

Configured in bot/endpoints.yml::

    event_broker:
      type: brokers.helpdesk_broker.HelpdeskEventBroker
      url: ${HELPDESK_EVENTS_URL}
      token: ${HELPDESK_EVENTS_TOKEN}
      spool_dir: ${HELPDESK_EVENTS_SPOOL}

Rasa imports it by that dotted path with bot/ as its working directory (``rasa``
puts the working directory on ``sys.path``). Publishing only queues the event (see
``shipper.EventShipper``), so a turn is never slowed down or broken by the recording;
with ``spool_dir`` what cannot be sent yet (the app or its database is down) is kept on
disk and sent when the app is back, so no turn's record is lost.

Every request body stays under the app's body limit: ``max_body_bytes`` here, else
``HELPDESK_PROTECTED_MAX_BODY_BYTES`` (the app's own variable, default 4 MiB); a batch the
app refuses for what it is goes to ``<spool_dir>/rejected/`` with its reason and never
holds up the batches behind it (``shipper.EventShipper`` has the whole policy).
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from .shipper import EventShipper

logger = logging.getLogger(__name__)

_OPTIONS = {
    "max_queue": int,
    "batch_size": int,
    "flush_interval_s": float,
    "max_retries": int,
    "retry_backoff_s": float,
    "max_backoff_s": float,
    "timeout_s": float,
    "spool_dir": str,
    "spool_max_bytes": int,
    "max_body_bytes": int,
    "server_error_attempts": int,
    "server_error_window_s": float,
}


class HelpdeskEventBroker(EventBroker):
    """Sends Rasa's events, in batches and in the background, to the helpdesk app."""

    def __init__(self, url: str, token: str | None = None, **options: Any) -> None:
        self.shipper = EventShipper(url, token, **options)

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> HelpdeskEventBroker | None:
        if broker_config is None or not broker_config.url:
            logger.warning("helpdesk event broker: no url configured (HELPDESK_EVENTS_URL); turns are not recorded")
            return None
        token = broker_config.token or broker_config.kwargs.get("token") or None
        options = {k: cast(broker_config.kwargs[k]) for k, cast in _OPTIONS.items() if broker_config.kwargs.get(k)}
        if not options.get("spool_dir"):
            logger.warning(
                "helpdesk event broker: no spool_dir (HELPDESK_EVENTS_SPOOL): records are lost "
                "if the app stays down longer than a few retries"
            )
        logger.info("helpdesk event broker: recording turns at %s", broker_config.url)
        return cls(broker_config.url, token, **options)

    def publish(self, event: dict[str, Any]) -> None:
        self.shipper.publish(event)

    def is_ready(self) -> bool:
        # Publishing only queues; the app being down does not make the bot unready.
        return True

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.shipper.close)
