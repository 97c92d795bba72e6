"""Every use of Rasa's private internals, behind one seam, for the pinned Rasa only.

Rasa 3.6 lacks a few things this bot needs, and some of them can only be added through
names Rasa does not promise to keep: a private method called or overridden, a public
method wrapped process-wide. Each such use is a *hook* listed in :data:`HOOKS`, with the
Rasa names it relies on and who uses it, and no other module of bot/ touches a private
Rasa name (tests/bot/test_rasa_compat.py has a test per hook).

* Three hooks change Rasa's behaviour for the whole process (they wrap a method of a Rasa
  class): the action timeout (``guards/action_timeout.py``), the message-size cap
  (``guards/message_size.py``) and the action server's answer checked without re-checking
  the schema each time (``guards/action_result.py``). :func:`install` installs them, once;
  it is called by the launcher ``bot/run.py`` (how scripts/bot.sh and docker-compose.yml
  start Rasa), never at import.
* The others are call-throughs (the Slack channel's use of Rasa's Slack helpers, the
  tracker store's use of Rasa's event streaming) and two base classes for NLU
  components (a hook on the intent classifier's features; count vectors without
  per-token features), used where needed.

:func:`check_version` compares the installed Rasa with :data:`PINNED_RASA` (the pin of
requirements-rasa.txt) and checks that every name a hook relies on exists; ``install()``
calls it first, so Rasa at another version refuses to start and says what to review.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix

logger = logging.getLogger(__name__)

PINNED_RASA = "3.6.21"  # requirements-rasa.txt


@dataclass(frozen=True)
class Hook:
    """One use of Rasa's internals: the names it relies on (``module:Qualified.name``), who uses it."""

    name: str
    relies_on: tuple[str, ...]
    used_by: str
    process_wide: bool = False  # wraps a Rasa method for the whole process (installed by install())


HOOKS: tuple[Hook, ...] = (
    Hook(
        "action_timeout",
        ("rasa.core.actions.action:RemoteAction.run",),
        "guards/action_timeout.py: a failed or hung custom action gets a polite reply within ACTION_TIMEOUT_S",
        process_wide=True,
    ),
    Hook(
        "action_result_schema",
        (
            "rasa.core.actions.action:RemoteAction._validate_action_result",
            "rasa.core.actions.action:RemoteAction.action_response_format_spec",
        ),
        "guards/action_result.py: the action server's answer checked with the schema compiled once "
        "(Rasa re-checks the schema itself on every call: ~20 ms of its event loop)",
        process_wide=True,
    ),
    Hook(
        "message_cap",
        ("rasa.core.processor:MessageProcessor.handle_message",),
        "guards/message_size.py: a message over HELPDESK_MAX_MESSAGE_CHARS is answered without NLU",
        process_wide=True,
    ),
    Hook(
        "slack_is_user_message",
        ("rasa.core.channels.slack:SlackInput._is_user_message",),
        "connectors/slack.py: which events are a user's message",
    ),
    Hook(
        "slack_is_supported_channel",
        ("rasa.core.channels.slack:SlackInput._is_supported_channel",),
        "connectors/slack.py: a DM, a mention, or SLACK_CHANNEL",
    ),
    Hook(
        "slack_conversation_id",
        ("rasa.core.channels.slack:SlackInput._get_conversation_id",),
        "connectors/slack.py: the conversation of a user, channel or thread (conversation_granularity)",
    ),
    Hook(
        "slack_is_interactive_message",
        ("rasa.core.channels.slack:SlackInput._is_interactive_message",),
        "connectors/slack.py: which button or menu clicks are answered",
    ),
    Hook(
        "slack_interactive_response",
        ("rasa.core.channels.slack:SlackInput._get_interactive_response",),
        "connectors/slack.py: the text a click stands for",
    ),
    Hook(
        "classifier_features",
        ("rasa.nlu.classifiers.logistic_regression_classifier:LogisticRegressionClassifier._create_X",),
        "components/intent_classifier.py: length-normalised features; regularisation C (the 'clf' attribute)",
    ),
    Hook(
        "count_vectors_sentence_only",
        ("rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer:CountVectorsFeaturizer._create_features",),
        "components/count_vectors.py: no per-token features, which nothing in the pipeline reads",
    ),
    Hook(
        "tracker_store_stream",
        ("rasa.core.tracker_store:TrackerStore._stream_new_events",),
        "brokers/tracker_store.py: publish a save's new events without re-reading the tracker",
    ),
    Hook(
        "tracker_store_unsaved_events",
        ("rasa.core.tracker_store:SQLTrackerStore._additional_events",),
        "brokers/tracker_store.py: which events of a tracker the database lacks",
    ),
)


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the one the hooks were written and tested for."""


def _review_list() -> str:
    return "\n".join(f"  - {h.name}: {', '.join(h.relies_on)} ({h.used_by})" for h in HOOKS)


def _resolves(name: str) -> bool:
    module_name, _, qualified = name.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError:
        return False
    for part in qualified.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return True


def check_version(found: str | None = None) -> None:
    """Refuse a Rasa other than :data:`PINNED_RASA`, or one lacking a name a hook relies on.

    Raises:
        RasaVersionError: naming every hook and what to review in bot/.
    """
    if found is None:
        from rasa.version import __version__

        found = str(__version__)
    if found != PINNED_RASA:
        raise RasaVersionError(
            f"bot/rasa_compat.py is written for Rasa {PINNED_RASA} (requirements-rasa.txt), but Rasa {found} is "
            "installed. Review each hook against the new Rasa (tests/bot/test_rasa_compat.py checks them), then "
            f"change PINNED_RASA and the pin together:\n{_review_list()}"
        )
    missing = [name for hook in HOOKS for name in hook.relies_on if not _resolves(name)]
    if missing:
        raise RasaVersionError(
            f"Rasa {found} lacks {', '.join(missing)}, which bot/rasa_compat.py relies on; "
            f"review these hooks:\n{_review_list()}"
        )


# --- the process-wide hooks -------------------------------------------------------------------

_installed = False
Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


def _wrap(cls: type, name: str, make: Wrapper) -> None:
    """Replace ``cls.name`` by ``make(original)``, refusing a method that is not Rasa's own."""
    original = getattr(cls, name)
    expected = f"{cls.__name__}.{name}"
    if getattr(original, "__qualname__", "") != expected:
        raise RasaVersionError(
            f"bot/rasa_compat.py wraps {cls.__module__}.{expected}, but found {original!r} there (another patch, "
            "or another Rasa): review the hook against requirements-rasa.txt"
        )
    wrapper = make(original)
    wrapper.__qualname__ = f"{expected}.guarded"
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(cls, name, wrapper)


def install(environ: Mapping[str, str] | None = None) -> None:
    """Check the Rasa version, then install the process-wide hooks (once per process).

    Reads the guards' settings from ``environ`` (default: the process environment) now, at
    start, so a bad value fails before Rasa serves anything.

    Raises:
        RasaVersionError: another Rasa version, or a method already replaced.
        ValueError: a guard's setting is invalid (named in the message).
    """
    global _installed
    if _installed:
        return
    check_version()
    from guards import action_result, action_timeout, message_size
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    env = os.environ if environ is None else environ
    limit = message_size.max_message_chars(env)
    _wrap(RemoteAction, "run", action_timeout.guarded)
    _wrap(RemoteAction, "_validate_action_result", action_result.guarded)
    _wrap(MessageProcessor, "handle_message", lambda original: message_size.guarded(original, limit))
    _installed = True
    logger.info("rasa_compat: hooks installed for Rasa %s (messages over %d characters skip NLU)", PINNED_RASA, limit)


# --- Slack (connectors/slack.py): Rasa's own reading of Slack's events ------------------------


def _slack_input() -> Any:
    from rasa.core.channels.slack import SlackInput

    return SlackInput


def slack_is_user_message(body: Mapping[str, Any]) -> bool:
    """Whether an Events API body is a user's message (a message or mention with text, not a bot's)."""
    return bool(_slack_input()._is_user_message(body))


def slack_is_supported_channel(channel: Any, body: Mapping[str, Any], metadata: Mapping[str, Any]) -> bool:
    """Whether ``channel`` (a SlackInput) answers in the event's channel: a DM, a mention, or its own channel."""
    return bool(channel._is_supported_channel(body, metadata))


def slack_conversation_id(channel: Any, user: str, out_channel: str | None, thread_id: str | None) -> str:
    """The conversation of a Slack user, per ``channel.conversation_granularity`` (sender, channel, thread)."""
    conversation: str = channel._get_conversation_id(user, out_channel, thread_id)
    return conversation


def slack_is_interactive_message(payload: Mapping[str, Any]) -> bool:
    """Whether an interaction payload is a click Rasa knows how to read (button, select, ...)."""
    return bool(_slack_input()._is_interactive_message(payload))


def slack_interactive_response(action: Mapping[str, Any]) -> str | None:
    """The text a clicked action stands for (a button's value); None for a link button."""
    text: str | None = _slack_input()._get_interactive_response(action)
    return text


# --- the tracker store (brokers/tracker_store.py) ---------------------------------------------


async def stream_new_events(store: Any, event_broker: Any, events: list[Any], sender_id: str) -> None:
    """Publish ``events`` of ``sender_id`` to ``event_broker`` as Rasa's tracker store does."""
    await store._stream_new_events(event_broker, events, sender_id)


def unsaved_events(store: Any, session: Any, tracker: Any) -> Iterator[Any]:
    """The events of ``tracker`` that the SQL tracker ``store`` has not stored yet (in ``session``)."""
    events: Iterator[Any] = store._additional_events(session, tracker)
    return events


# --- the intent classifier (components/intent_classifier.py) ----------------------------------


class FeatureHookedLogisticRegression(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier with a hook on its feature matrix.

    Rasa builds the matrix in ``_create_X``, for training and for prediction alike;
    :meth:`transform_features` sees it in both. :meth:`set_regularisation` sets the
    scikit-learn classifier's ``C``, which Rasa's config does not expose.
    """

    def transform_features(self, features: csr_matrix) -> csr_matrix:
        """The feature matrix the classifier learns from and predicts on (unchanged here)."""
        return features

    def set_regularisation(self, c: float) -> None:
        """Inverse regularisation strength of the underlying ``LogisticRegression``."""
        self.clf.C = float(c)

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        return self.transform_features(super()._create_X(messages))


# --- the count-vector featurizers (components/count_vectors.py) -------------------------------


class SentenceOnlyCountVectors(CountVectorsFeaturizer):
    """Rasa's count-vector featurizer without its sequence (per-token) features.

    Rasa computes both in ``_create_features``: the vectoriser runs once over the tokens
    one by one (sequence features) and once over the joined text (sentence features).
    Only the sentence features are read here (the logistic regression uses nothing else),
    so half of the featurizer's time was wasted. The sentence features are Rasa's own.
    """

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[coo_matrix | None], list[coo_matrix | None]]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        sentence: list[coo_matrix | None] = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentence.append(None)
                continue
            vector = vectorizer.transform([" ".join(tokens)])
            vector.sort_indices()
            sentence.append(vector.tocoo())
        return [None] * len(all_tokens), sentence
