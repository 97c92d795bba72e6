"""Tokens the app, Rasa and the action server share on one machine, made once and kept in ``var/``.

The default run (``scripts/run.sh``) sets no tokens, yet the app must refuse anyone's forged
turn records and tickets. So when ``HELPDESK_EVENTS_TOKEN`` / ``HELPDESK_HANDOFF_TOKEN`` are
unset, the app takes them from ``$HELPDESK_DATA_DIR/secrets/{events,handoff}_token``, making
each file once (a random token, mode 0600, in a folder of mode 0700); ``scripts/bot.sh``
gives Rasa and the action server the same files. Tokens set in the environment win (several
machines: give every one the same values). Nothing here prints a token.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from helpdesk.settings import Settings

SECRETS_DIR = "secrets"
# Settings field -> file name in the secrets folder (scripts/bot.sh reads the same names).
LOCAL_TOKENS = {"events_token": "events_token", "handoff_token": "handoff_token"}


def secrets_dir(data_dir: Path) -> Path:
    """Where the local tokens are kept."""
    return data_dir / SECRETS_DIR


def ensure_local_tokens(data_dir: Path) -> dict[str, Path]:
    """Make each token file that does not exist yet; the files by setting name.

    A file is created whole or not at all (``O_EXCL``), so two processes starting at once
    agree on one token.
    """
    folder = secrets_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    files: dict[str, Path] = {}
    for field, name in LOCAL_TOKENS.items():
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
        files[field] = path
    return files


def with_local_tokens(settings: Settings) -> Settings:
    """``settings`` with every unset shared token taken from (or made in) the local secrets folder."""
    missing = [field for field in LOCAL_TOKENS if getattr(settings, field) is None]
    if not missing:
        return settings
    files = ensure_local_tokens(settings.data_dir)
    update = {field: SecretStr(files[field].read_text(encoding="utf-8").strip()) for field in missing}
    return settings.model_copy(update=update)
