"""The kinds of bot message (``custom.kind``): each has a payload in :mod:`contract.payloads`."""

from __future__ import annotations

from typing import Literal, get_args

ReplyKind = Literal[
    "text",  # the bot's own words (greeting, decline, a question back); ``intent`` says which
    "faq_answer",  # an FAQ entry, quoted as written, with its source
    "fallback",  # not sure: "did you mean" candidates, or nothing found
    "port_verdict",  # what the carrier does to ports
    "delete_diagnosis",  # why a security group cannot be deleted
    "diagnosis",  # a connection problem worked through: cause, deciding rule, fix, next checks
    "handoff",  # the conversation was handed to a human (a ticket)
    "feedback",  # the bot's answer to "useful" / "not useful"
    "error",  # the bot could not answer (the app down, a message refused)
]
REPLY_KINDS: tuple[ReplyKind, ...] = get_args(ReplyKind)
