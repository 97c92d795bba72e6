"""Rasa's regex features, computed in time linear in the message.

Rasa's ``RegexFeaturizer`` marks which tokens each pattern's matches overlap by testing
every token against every match: tokens x matches. "445," repeated over 20,000
characters (5,000 port matches, 10,000 tokens) took 4.5 s of CPU, on Rasa's event
loop. Here the same features are found with a binary search per token (matches do not
overlap, so their starts and ends both ascend): the first match ending after a token's
start overlaps it exactly when it starts before the token's end.

The output is Rasa's own, feature for feature (sequence and sentence features, each
token's ``pattern`` flags; tests/bot/test_rasa_compat.py compares them); training
keeps Rasa's code, as training examples are short. A served paste, whose tokens cover
only its start (components/tokenizer.py, ``TOKENIZED_CHARS``), is searched that far only.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.tokenizer import TOKENIZED_CHARS

Features = tuple[scipy.sparse.coo_matrix | None, scipy.sparse.coo_matrix | None]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LinearRegexFeaturizer(RegexFeaturizer):
    """``RegexFeaturizer`` whose prediction-time cost is linear (see the module docstring)."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.known_patterns:
                sequence, sentence = self.regex_features(message, TEXT)
                self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    def regex_features(self, message: Message, attribute: str) -> Features:
        """Token and sentence features of ``attribute``: which patterns match where (as Rasa computes them)."""
        text = message.get(attribute)
        tokens = message.get(TOKENS_NAMES[attribute], [])
        if not text or not tokens:
            return None, None
        flags = 0 if self.case_sensitive else re.IGNORECASE
        end = min(len(text), message.get(TOKENIZED_CHARS) or len(text))
        sequence = np.zeros([len(tokens), len(self.known_patterns)])
        sentence = np.zeros([1, len(self.known_patterns)])
        for index, pattern in enumerate(self.known_patterns):
            matches = list(re.compile(pattern["pattern"], flags).finditer(text, 0, end))
            starts = [m.start() for m in matches]
            ends = [m.end() for m in matches]
            for token_index, token in enumerate(tokens):
                flags_of_token = token.get("pattern", default={})
                first = bisect_right(ends, token.start)  # the first match ending after the token starts
                hit = first < len(matches) and starts[first] < token.end
                flags_of_token[pattern["name"]] = hit
                if hit:
                    sequence[token_index][index] = 1.0
                    sentence[0][index] = 1.0
                token.set("pattern", flags_of_token)
        return scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence)
