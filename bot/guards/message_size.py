"""A message over the size limit is answered politely, without NLU or the policies.

NLU runs on Rasa's event loop: while one message is parsed, no other conversation moves,
and the cost grows with the text (a 1 MB message once kept Rasa busy for 47 s). So a
message longer than ``HELPDESK_MAX_MESSAGE_CHARS`` characters (default
``contract.limits.MAX_MESSAGE_CHARS``; read once, at start) is not parsed: the bot says,
in the user's language, that it is too long and what the limit is, with the payload
``{"kind": "text", "language": ..., "intent": "too_long"}``.

The turn is kept like any other, so the event broker records it: the user event (its
first ``EXCERPT_CHARS`` characters, intent ``too_long``, the full length in
``parse_data["message_too_long"]``), the bot message, then ``action_listen``; the tracker
store saves them and streams them to the broker. Only an excerpt is stored, so one huge
message cannot swell the tracker or the broker's batches.

:func:`guarded` wraps ``MessageProcessor.handle_message``, where every channel's message
arrives (REST, socket.io, Slack, WeCom, and any added later), inside the conversation's
lock; ``rasa_compat.install()`` puts it in place at start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from contract.language import Language, reply_language
from contract.limits import MAX_MESSAGE_CHARS
from contract.payloads import TextPayload

logger = logging.getLogger(__name__)

LIMIT_ENV = "HELPDESK_MAX_MESSAGE_CHARS"
INTENT: Final = "too_long"
EXCERPT_CHARS = 1_000  # of an over-long message, kept in the tracker and the records
LANGUAGE_PROBE_CHARS = 2_000  # the language is read from the start of the message
TEXT: dict[Language, str] = {
    "zh": "这条消息太长了（{chars} 个字，每条最多 {limit} 个字），请只发送与问题相关的部分，或分几条发送。",
    "en": (
        "This message is too long ({chars:,} characters; at most {limit:,} per message). "
        "Please send only the part your question is about, or split it into several messages."
    ),
}


def max_message_chars(environ: Mapping[str, str]) -> int:
    """``HELPDESK_MAX_MESSAGE_CHARS`` (a whole number of characters, at least 1), else the contract's default.

    Raises:
        ValueError: the variable is set to something else (the message names it).
    """
    raw = environ.get(LIMIT_ENV, "").strip()
    if not raw:
        return MAX_MESSAGE_CHARS
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"{LIMIT_ENV}={raw!r} is not a number of characters (a whole number, at least 1; "
            f"unset it for the default {MAX_MESSAGE_CHARS})"
        )
    return value


def too_long_reply(chars: int, limit: int, language: Language) -> tuple[str, TextPayload]:
    """The bot's answer to a message of ``chars`` characters over ``limit``: its text and payload."""
    payload: TextPayload = {"kind": "text", "language": language, "intent": INTENT}
    return TEXT[language].format(chars=chars, limit=limit), payload


def too_long_parse_data(text: str, limit: int) -> dict[str, Any]:
    """What the tracker keeps of an over-long message in place of NLU's parse: an excerpt and its length."""
    return {
        "text": text[:EXCERPT_CHARS],
        "intent": {"name": INTENT, "confidence": 1.0},
        "entities": [],
        "message_too_long": {"chars": len(text), "limit": limit},
    }


async def answer_too_long(processor: Any, message: Any, limit: int) -> list[dict[str, Any]] | None:
    """Answer and record an over-long ``message`` (a UserMessage) through Rasa's public processor API."""
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    text: str = message.text
    tracker = await processor.fetch_tracker_and_update_session(
        message.sender_id, message.output_channel, message.metadata
    )
    language = reply_language(text[:LANGUAGE_PROBE_CHARS], tracker.get_slot("language"))
    reply, payload = too_long_reply(len(text), limit, language)
    parse_data = too_long_parse_data(text, limit)
    tracker.update(
        UserUttered(
            parse_data["text"],
            parse_data["intent"],
            [],
            parse_data,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        ),
        processor.domain,
    )
    bot = BotUttered(reply, data={"custom": payload})
    tracker.update(bot, processor.domain)
    await message.output_channel.send_response(tracker.sender_id, bot.message())
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME), processor.domain)
    await processor.save_tracker(tracker)
    logger.warning(
        "a message of %d characters from %s (%s) is over %s=%d: answered without NLU",
        len(text),
        message.sender_id,
        message.input_channel,
        LIMIT_ENV,
        limit,
    )
    if isinstance(message.output_channel, CollectingOutputChannel):
        messages: list[dict[str, Any]] = message.output_channel.messages
        return messages
    return None


def guarded(
    original: Callable[..., Awaitable[list[dict[str, Any]] | None]], limit: int
) -> Callable[..., Awaitable[list[dict[str, Any]] | None]]:
    """``MessageProcessor.handle_message`` (``original``) that answers messages over ``limit`` itself."""

    async def handle_message(self: Any, message: Any) -> list[dict[str, Any]] | None:
        if message.text is None or len(message.text) <= limit:
            return await original(self, message)
        return await answer_too_long(self, message, limit)

    return handle_message
