"""A custom action that fails or hangs gets a polite reply, within a bounded time.

Rasa 3.6 waits up to 5 minutes for the action server (``DEFAULT_REQUEST_TIMEOUT``, hard
coded in ``rasa.core.actions.action.RemoteAction.run``, not configurable in
endpoints.yml), and when the call fails it logs a stack trace and answers *nothing*:
the user sees silence. Every reply of this bot comes from a custom action, so that is
the whole bot going quiet.

The guard wraps ``RemoteAction.run``: the call is cut off after
``ACTION_TIMEOUT_S`` seconds (default 10: the actions' own API timeout is 5 s, after
which they answer politely themselves), and a failed or timed-out call becomes one bot
message, "I can't answer right now", in the user's language, with the same structured
payload the actions send on an API outage (``{"kind": "error", "error": "unavailable"}``).
The failure is logged as one line, without a stack trace. A rejected action
(``ActionExecutionRejection``, a form's validation) keeps Rasa's own handling.

:func:`guarded` builds the wrapper; ``rasa_compat.install()`` puts it in place of
``RemoteAction.run`` at start (bot/run.py), after checking the Rasa version, so an
upgrade fails loudly there.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from contract.language import Language, reply_language
from contract.payloads import ErrorPayload

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
TIMEOUT_ENV = "ACTION_TIMEOUT_S"
TEXT: dict[Language, str] = {
    "zh": "抱歉，我现在暂时无法回答，请稍后再试，或说“转人工”。",
    "en": 'Sorry, I can\'t answer right now. Please try again in a moment, or say "human".',
}


def timeout_s() -> float:
    """``ACTION_TIMEOUT_S`` (seconds, > 0), read when an action runs."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        logger.warning("%s=%r is not a number of seconds; using %s", TIMEOUT_ENV, raw, DEFAULT_TIMEOUT_S)
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def language_of(tracker: Any) -> Language:
    """The user's latest message's language, else the conversation's, else English (``contract.language``)."""
    text = (getattr(tracker, "latest_message", None) and tracker.latest_message.text) or ""
    slot = tracker.get_slot("language") if hasattr(tracker, "get_slot") else None
    return reply_language(text, slot)


def unavailable_events(tracker: Any) -> list[Any]:
    """The one bot message that replaces a failed action's output."""
    from rasa.shared.core.events import BotUttered

    lang = language_of(tracker)
    payload: ErrorPayload = {"kind": "error", "language": lang, "error": "unavailable"}
    return [BotUttered(TEXT[lang], data={"custom": payload, "buttons": []})]


def guarded(original: Callable[..., Awaitable[list[Any]]]) -> Callable[..., Awaitable[list[Any]]]:
    """``RemoteAction.run`` (``original``) cut off after ``ACTION_TIMEOUT_S``, answering once on failure."""
    from rasa.core.actions.action import ActionExecutionRejection

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        limit = timeout_s()
        try:
            events: list[Any] = await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), limit)
            return events
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError:
            logger.error(
                "custom action '%s' did not answer within %.1f s (%s); told the user to try again",
                self.name(),
                limit,
                TIMEOUT_ENV,
            )
        except Exception as e:  # the action server is down or failed: answer anyway, once
            logger.error(
                "custom action '%s' failed (%s: %s); told the user to try again", self.name(), type(e).__name__, e
            )
        return unavailable_events(tracker)

    return run
