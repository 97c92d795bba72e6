"""Rasa's ``RegexEntityExtractor``, reading a served paste only as far as its tokens go.

A message carrying pasted output (``contract.pastes.paste_format``) is tokenized, when
served, only as far as its first segment (components/tokenizer.py, ``TOKENIZED_CHARS``):
the user's words come before the paste, and the paste itself is evidence the app's readers
read, not entities. Rasa's extractor read the whole text all the same: a 5 KB iptables
paste gave about 250 ``port`` entities (every ``dpt:`` and every rule number), which made the
user event eight times larger (43 KB), and Rasa's policies, its tracker store, the event
broker and the app carried them on every turn after (benchmarks/bot_bench.py). Nothing reads
them: a paste's intent is the problem intent whatever the classifier says, and the actions
that read ``port``, ``protocol`` or id entities answer other intents.

Here the extractor sees the text up to ``TOKENIZED_CHARS`` for such a message, so entities are
those of the head (their offsets are those of the whole text, the head being its start).
Every other message, and every training example, is Rasa's unchanged.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.tokenizer import TOKENIZED_CHARS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class HeadRegexEntityExtractor(RegexEntityExtractor):
    """``RegexEntityExtractor`` over the tokenized head of a served paste (see the module docstring)."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            end = message.get(TOKENIZED_CHARS)
            if not isinstance(text, str) or not isinstance(end, int) or end >= len(text):
                super().process([message])
                continue
            message.set(TEXT, text[:end])
            try:
                super().process([message])
            finally:
                message.set(TEXT, text)
        return messages
