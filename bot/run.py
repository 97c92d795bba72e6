"""Start Rasa with this project's hooks installed: the one start-up hook of bot/.

    python bot/run.py <rasa arguments>        e.g. python bot/run.py run --model ...

scripts/bot.sh (train, server, validate, test) and docker-compose.yml start Rasa this
way. Before handing over to Rasa's own command line (``rasa.__main__.main``, what the
``rasa`` command runs), it

1. checks the installed Rasa against the pinned version and installs the process-wide
   hooks (``rasa_compat.install()``: the action timeout, the message-size cap);
2. for ``run`` (the server), turns Rasa's HTTP API on only with a token:
   ``RASA_API_TOKEN`` set adds ``--enable-api --auth-token <token>`` here, in the
   process, so the token is never on a command line (``ps`` would show it); and
   ``--enable-api`` without ``--auth-token``, ``--jwt-secret`` or ``--jwt-private-key``
   is refused, since that API reads and writes every conversation;
3. for ``run``, keeps modules nothing in the server uses from being imported
   (:data:`UNUSED_IN_SERVER`): TensorFlow, which Rasa imports at start, imports JAX when it
   is installed (only for converting models to TFLite, and does without it), which cost
   the server about 60 MB of memory.

Importing this module changes nothing; only :func:`main` does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

BOT = Path(__file__).resolve().parent
API_TOKEN_ENV = "RASA_API_TOKEN"
_AUTH_FLAGS = ("--auth-token", "--jwt-secret", "--jwt-private-key")
# Imported by TensorFlow when installed (tensorflow/lite/python/util.py: ``try: from jax import
# ...`` for TFLite conversion), used by nothing Rasa serves with: ~60 MB of RSS at start.
UNUSED_IN_SERVER = ("jax",)


class UnsafeApiError(SystemExit):
    """Rasa's HTTP API asked for without authentication."""


def _is_server(argv: Sequence[str]) -> bool:
    return bool(argv) and argv[0] == "run" and (len(argv) < 2 or argv[1] != "actions")


def rasa_argv(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The arguments Rasa's command line gets (see the module docstring).

    Raises:
        UnsafeApiError: ``--enable-api`` without any authentication.
    """
    args = list(argv)
    if not _is_server(args):
        return args
    token = environ.get(API_TOKEN_ENV, "")
    if token:
        if any(flag == "--auth-token" or flag.startswith("--auth-token=") for flag in args):
            raise UnsafeApiError(f"bot/run.py: give the API token once: {API_TOKEN_ENV} or --auth-token, not both")
        args = [*args, *([] if "--enable-api" in args else ["--enable-api"]), "--auth-token", token]
    authenticated = any(flag == f or flag.startswith(f"{f}=") for flag in args for f in _AUTH_FLAGS)
    if "--enable-api" in args and not authenticated:
        raise UnsafeApiError(
            "bot/run.py: Rasa's HTTP API (--enable-api) reads and writes every conversation; it is refused "
            f"without authentication. Set {API_TOKEN_ENV} (or pass --auth-token / --jwt-secret), or leave it off."
        )
    return args


def skip_unused_imports(argv: Sequence[str], modules: MutableMapping[str, Any]) -> list[str]:
    """For the server, make ``import`` of each :data:`UNUSED_IN_SERVER` module fail as if it were
    not installed (an ImportError, which TensorFlow expects), unless it is imported already;
    returns the names skipped."""
    if not _is_server(argv):
        return []
    skipped = [name for name in UNUSED_IN_SERVER if name not in modules]
    for name in skipped:
        modules[name] = None  # the import system's own "not importable" mark
    return skipped


def main() -> None:
    """Install the hooks, then run Rasa's command line with ``sys.argv[1:]``."""
    if str(BOT) not in sys.path:
        sys.path.insert(0, str(BOT))
    args = rasa_argv(sys.argv[1:], os.environ)
    skip_unused_imports(args, sys.modules)

    import rasa_compat

    rasa_compat.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
