"""Rasa's logistic-regression intent classifier on length-independent features.

Rasa feeds raw count vectors (the sentence feature is a sum over tokens) to the
classifier, so the score grows with the length of the message: 10,000 times "a" came
out as ``request_human`` with confidence 1.00. Here each message's features are
damped (log1p) and scaled to unit length, as sublinear TF with L2 norm does in IR, so
a long or repeated message weighs like a short one and falls back when unclear.
Unit-length features need weaker regularisation than raw counts: ``C`` is exposed.
(Rasa has no public hook on the feature matrix: ``rasa_compat`` provides one.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa_compat import FeatureHookedLogisticRegression
from scipy.sparse import csr_matrix
from sklearn.preprocessing import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NormalizedLogisticRegressionClassifier(FeatureHookedLogisticRegression):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 20.0}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.set_regularisation(float(self.config["C"]))

    def transform_features(self, features: csr_matrix) -> csr_matrix:
        X = csr_matrix(features, dtype=np.float64)
        X.data = np.log1p(np.abs(X.data)) * np.sign(X.data)
        normalized: csr_matrix = normalize(X, norm="l2", axis=1)
        return normalized
