"""Limits every runtime applies the same way."""

from __future__ import annotations

# The longest user message the bot reads (characters). Longer messages are answered
# politely without being classified (bot/guards/message_size.py, on every channel): NLU
# runs on Rasa's event loop and its cost grows with the text. At this length the worst
# inputs measured cost about 0.6 s of NLU CPU (benchmarks/nlu_worst_case.py), under the
# one-second budget of a turn, and no real question or paste of rules needs more. Rasa
# reads ``HELPDESK_MAX_MESSAGE_CHARS`` once, at start, to change it.
MAX_MESSAGE_CHARS = 20_000
