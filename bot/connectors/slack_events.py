"""Reading Slack's request bodies: the shape they must have, and the user's text.

A request signed with the signing secret comes from Slack, but its body may still not have
the shape Rasa's Slack channel reads (Rasa reads ``body.get("event", {}).get(...)``,
``payload["user"]["id"]``...): a malformed but signed body raised inside Sanic (a 500)
or, without ``event.user``, put the message into a conversation with an empty id shared
by every such message. :func:`check_event` and :func:`check_interaction` refuse those with
:class:`~connectors.inbound.BadInput` naming the field (answered 400).

:func:`sanitize` replaces Rasa's ``SlackInput._sanitize_user_message``, whose link pattern
``<(?:mailto|https?)://.*?|.*?>`` backtracks without bound: 12,500 characters of
``<http://a|`` took 23 s of CPU on Rasa's event loop, before any size limit applies. Ours
does the same (drops the bot's own mentions, turns ``<url|label>`` into ``label``) with
patterns that cannot backtrack across the text. :func:`as_typed` then gives the text as the
user typed or pasted it: Slack escapes ``&``, ``<`` and ``>`` in a message's text, and a
paste is usually wrapped in a code block (three backticks, often glued to its first and
last line), which the evidence readers would take for part of the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.inbound import BadInput, object_field, text_field

# <url|label> (Slack's link markup): the url stops at the first "|" or ">", the label at ">".
_LINK = re.compile(r"<((?:mailto|https?)://[^|>\n]*)\|([^>\n]*)>")


def sanitize(text: str, user_ids: Iterable[str]) -> str:
    """``text`` without mentions of ``user_ids`` (the bot) and with ``<url|label>`` links as their label.

    As Rasa's ``_sanitize_user_message`` (tests/bot/test_rasa_compat.py compares them), in linear time.
    """
    for uid in user_ids:
        mention = re.escape(f"<@{uid}>")
        text = re.sub(mention + r"\s", "", text)
        text = re.sub(r"\s" + mention, "", text)
        text = re.sub(mention, " ", text)
    text = _LINK.sub(lambda m: m[2].split("|")[0], text)
    return text.strip()


_FENCE = re.compile(r"[ \t]*```[ \t]*\n?")


def as_typed(text: str) -> str:
    """Slack's text as the user typed it: its three escapes undone (``&amp;`` last, so "&amp;lt;"
    stays "&lt;"), and code-block fences turned into line breaks, so a pasted ``iptables -S``
    output starts and ends on lines of its own."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _FENCE.sub("\n", text).strip()


def _optional_text(container: Mapping[str, Any], key: str, loc: tuple[str | int, ...]) -> str | None:
    return text_field(container, key, loc, required=False, max_chars=1000)


def check_event(body: Mapping[str, Any]) -> None:
    """Refuse an Events API body whose fields Rasa's Slack channel would misread."""
    _optional_text(body, "type", ("body",))
    _optional_text(body, "event_id", ("body",))
    if body.get("type") == "url_verification":
        text_field(body, "challenge", ("body",), max_chars=1000)
    users = body.get("authed_users")
    if users is not None and not (isinstance(users, list) and all(isinstance(u, str) for u in users)):
        raise BadInput(("body", "authed_users"), "authed_users must be an array of user ids", "list_type")
    authorizations = body.get("authorizations")
    if authorizations is not None:
        if not isinstance(authorizations, list):
            raise BadInput(("body", "authorizations"), "authorizations must be an array", "list_type")
        if authorizations:
            first = object_field(authorizations[0], ("body", "authorizations", 0))
            _optional_text(first, "user_id", ("body", "authorizations", 0))
    if body.get("event") is None:
        return
    event = object_field(body["event"], ("body", "event"))
    loc = ("body", "event")
    for key in ("type", "channel", "channel_type", "ts", "thread_ts", "bot_id"):
        _optional_text(event, key, loc)
    # The text itself may be long: the message-size guard answers it (guards/message_size.py).
    text_field(event, "text", loc, required=False)
    if event.get("text") and not event.get("bot_id") and event.get("type") in ("message", "app_mention"):
        text_field(event, "user", loc, non_empty=True, max_chars=100)  # whose conversation it is
        text_field(event, "channel", loc, non_empty=True, max_chars=100)  # where to answer


def check_interaction(payload: Any) -> dict[str, Any]:
    """An interaction payload (a click) that Rasa's Slack channel can read; returns it."""
    loc = ("body", "payload")
    found = object_field(payload, loc)
    actions = found.get("actions")
    if not isinstance(actions, list) or not actions:
        raise BadInput((*loc, "actions"), "actions must be a non-empty array", "list_type")
    first = object_field(actions[0], (*loc, "actions", 0))
    text_field(first, "type", (*loc, "actions", 0), max_chars=100)
    user = object_field(found.get("user"), (*loc, "user"))
    text_field(user, "id", (*loc, "user"), non_empty=True, max_chars=100)
    for key in ("channel", "message"):
        if found.get(key) is not None:
            part = object_field(found[key], (*loc, key))
            for field in ("id", "ts", "thread_ts"):
                _optional_text(part, field, (*loc, key))
    return found
