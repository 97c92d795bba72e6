"""Limits every runtime applies the same way."""

from __future__ import annotations

# The longest user message the bot reads (characters). Longer messages are answered
# politely without being classified: NLU's cost grows with the text, and no real
# question or paste of rules needs more. Rasa's channels read ``HELPDESK_MAX_MESSAGE_CHARS``
# to change it.
MAX_MESSAGE_CHARS = 20_000
