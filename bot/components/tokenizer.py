"""Rasa's Jieba tokenizer, run on bounded segments of a long message.

Jieba finds words its dictionary lacks with an HMM, whose Viterbi step copies its
best path at every character: quadratic in the length of a run of unknown
characters. 20,000 times "端" took 1.7 s of CPU in the tokenizer alone (5,000: 0.16 s),
on Rasa's event loop. So a text longer than ``SEGMENT_CHARS`` is tokenized in segments
of at most that many characters, cut after the last whitespace or punctuation in the
segment's second half where there is one; token offsets stay those of the whole text. Shorter texts
(every question, every training example) are tokenized exactly as Rasa's
``JiebaTokenizer`` does, with the same options (``dictionary_path``, ``token_pattern``).
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

SEGMENT_CHARS = 500
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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SegmentedJiebaTokenizer(JiebaTokenizer):
    """``JiebaTokenizer`` whose cost grows linearly with the text (see the module docstring)."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
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
