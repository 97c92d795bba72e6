"""Rasa's Jieba tokenizer, run on bounded segments of a long message.

Jieba finds words its dictionary lacks with an HMM, whose Viterbi step copies its
best path at every character: quadratic in the length of a run of unknown
characters. 20,000 times "端" took 1.7 s of CPU in the tokenizer alone (5,000: 0.16 s),
on Rasa's event loop. So a text longer than ``SEGMENT_CHARS`` is tokenized in segments
of at most that many characters, cut after the last whitespace or punctuation in the
segment's second half where there is one; token offsets stay those of the whole text. Shorter texts
(every question, every training example) are tokenized exactly as Rasa's
``JiebaTokenizer`` does, with the same options (``dictionary_path``, ``token_pattern``).

A message carrying pasted output (``contract.pastes.paste_format``: the test the paste
detector later in the pipeline applies) is, when served, tokenized only as far as its first
segment: the user's words around a paste come before it ("我的8080从外面连不上，规则如下："),
and the intent of a paste is the paste detector's whatever the classifier says, so what the
classifier reads of the rest only weighed on the tail of the intent ranking, for most of the
turn's cost (a 5 KB iptables paste: about 70 ms of Rasa's CPU in tokens and features,
benchmarks/bot_bench.py). Entities are read as far as the tokens go too
(components/entity_extractor.py), and training is unchanged (``process_training_data``
tokenizes every example whole).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from contract.pastes import paste_format

SEGMENT_CHARS = 500
# Set on a served message whose tokens cover only the start of its text (a paste): how many
# characters they cover. The regex featurizer reads no further (components/regex_featurizer.py).
TOKENIZED_CHARS = "tokenized_chars"
# Where a segment may end: after whitespace or punctuation (ASCII or full-width).
_BREAK = re.compile(r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20!-/:-@\[-`{-~]")


def segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, str]]:
    """``text`` cut into ``(offset, piece)`` of at most ``size`` characters, at a break where possible.

    Only a break in a window's second half is used, so every piece but the last has at least
    ``size // 2`` characters and the number of pieces stays linear in the text.
    """
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        breaks = [m.end() for m in _BREAK.finditer(window, size // 2)]
        end = start + (breaks[-1] if breaks else size)
        pieces.append((start, text[start:end]))
        start = end
    if start < len(text):
        pieces.append((start, text[start:]))
    return pieces


def paste_head(text: object) -> str | None:
    """The first segment of a message carrying a paste, when it is longer than that; else None."""
    if not isinstance(text, str) or len(text) <= SEGMENT_CHARS or paste_format(text) is None:
        return None
    return segments(text)[0][1]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SegmentedJiebaTokenizer(JiebaTokenizer):
    """``JiebaTokenizer`` whose cost grows linearly with the text, and is bounded for a paste (see
    the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heads: dict[int, str] = {}  # while serving: id(message) -> what is tokenized of its text

    def process(self, messages: list[Message]) -> list[Message]:
        """Rasa's tokenizing of served messages, a paste's text bounded to its head."""
        self._heads = {id(m): head for m in messages if (head := paste_head(m.get(TEXT))) is not None}
        try:
            processed: list[Message] = super().process(messages)
            for message in processed:
                if id(message) in self._heads:
                    message.set(TOKENIZED_CHARS, len(self._heads[id(message)]))
        finally:
            self._heads = {}
        return processed

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        head = self._heads.get(id(message)) if attribute == TEXT else None
        if head is not None:
            message = Message(data={attribute: head})
        text = message.get(attribute)
        if not isinstance(text, str) or len(text) <= SEGMENT_CHARS:
            tokens: list[Token] = super().tokenize(message, attribute)
            return tokens
        found: list[Token] = []
        for offset, piece in segments(text):
            for token in super().tokenize(Message(data={attribute: piece}), attribute):
                token.start += offset
                token.end += offset
                found.append(token)
        return found
