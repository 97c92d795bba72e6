"""The contract between the app, the action server and Rasa: reply kinds, payloads, language.

Standard library only and Python 3.10-compatible, so all three runtimes import it (the
app in ``.venv``; the actions and Rasa's channels and guards in ``.venv-rasa``). What one
side writes and another reads is defined here once:

* :data:`ReplyKind`: the ``custom.kind`` of every bot message;
* the ``custom`` payload of each kind, as a ``TypedDict`` (:mod:`contract.payloads`);
* :func:`detect_language`: the one language detector;
* the actions' view of the HTTP API's types (:mod:`contract.api`), checked against the
  app's OpenAPI document by a test.
"""

from contract.kinds import REPLY_KINDS, ReplyKind
from contract.language import LANGUAGES, Language, detect_language, reply_language
from contract.limits import MAX_MESSAGE_CHARS

__all__ = [
    "LANGUAGES",
    "MAX_MESSAGE_CHARS",
    "REPLY_KINDS",
    "Language",
    "ReplyKind",
    "detect_language",
    "reply_language",
]
