"""Rasa's count-vector featurizer, sentence features only.

The per-token (sequence) features Rasa also computes are read by no component of this
pipeline (the intent classifier uses the sentence features; entities come from regexes),
yet they cost as much as the sentence features: on 20,000 characters of "1.2.3.4/"
(20,000 tokens) the two count-vector featurizers took 0.64 s of CPU. Dropping them halves
that; the sentence features, and so the model, are unchanged. (Rasa has no option for
it: ``rasa_compat`` provides the hook.)
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa_compat import SentenceOnlyCountVectors


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(SentenceOnlyCountVectors):
    """``CountVectorsFeaturizer`` (same options) producing sentence features only."""
