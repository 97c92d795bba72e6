"""Pasted output goes to the diagnosis, whatever the intent classifier made of it.

A message that carries output the desk reads (security-group JSON or the console's rule
table, iptables / nft / firewalld / ufw rules, ss / netstat sockets) is evidence for the
connection problem being worked, even when the words around it are few or the paste's
numbers look like a port question. The shape test is the contract's
(:func:`contract.pastes.paste_format`, which mirrors the app's evidence readers), so the
bot and the app agree on what a paste is; it is linear in the message (a few ms at the
size limit) and uses no Rasa internals.

Placed after the intent classifier and before ``FallbackClassifier``: the problem intent
is set with confidence 1.0 (so no fallback follows), and put first in the ranking.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.tokenizer import TOKENIZED_CHARS
from contract.pastes import paste_format

DEFAULT_INTENT = "report_problem"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PasteIntentOverride(GraphComponent, IntentClassifier):
    """Sets ``intent`` (default ``report_problem``) when the message carries a paste."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": DEFAULT_INTENT}

    def __init__(self, config: dict[str, Any]) -> None:
        self.intent = str(config.get("intent") or DEFAULT_INTENT)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PasteIntentOverride:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            # A long paste was found already by the tokenizer, which marks it (TOKENIZED_CHARS):
            # the shape test is not run on it twice.
            if message.get(TOKENIZED_CHARS) is not None or paste_format(message.get(TEXT)) is not None:
                self.override(message)
        return messages

    def override(self, message: Message) -> None:
        """Make the problem intent the message's, certain, first in the ranking."""
        intent = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self.intent]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)
