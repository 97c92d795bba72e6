"""Custom Rasa NLU components (importable because Rasa runs with cwd bot/).

Rasa imports this package whenever it loads the model (``rasa run``, ``rasa shell``,
``rasa test``), on every channel: the one hook that runs in the server process before
the first message, so the runtime guards are installed here (see guards/).
"""

from guards import action_timeout

action_timeout.install()
