"""The action server's answer checked against Rasa's schema, compiled once instead of on every call.

Rasa 3.6 checks each answer of the action server (``RemoteAction._validate_action_result``)
with ``jsonschema.validate(result, schema)``, which first validates the *schema* against
its meta-schema, on every call: with jsonschema 4.17 that is about 20 ms of CPU on Rasa's
event loop per custom action, while checking the answer itself takes about 0.5 ms. Every
reply of this bot comes from a custom action, so it was the largest part of every turn
(benchmarks/bot_bench.py; py-spy put 43% of Rasa's samples there).

Here the schema (``RemoteAction.action_response_format_spec()``, Rasa's own) is checked
once, at start, and the same validator class checks each answer. A valid answer passes
as before; an invalid one goes to Rasa's own method, which raises its own error, message
and all. :func:`guarded` builds the replacement; ``rasa_compat.install()`` puts it in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def guarded(original: Callable[[Any, dict[str, Any]], bool]) -> Callable[[Any, dict[str, Any]], bool]:
    """``RemoteAction._validate_action_result`` (``original``) with the schema checked once."""
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate does on every call
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # Rasa's own error for an invalid answer

    return _validate_action_result
