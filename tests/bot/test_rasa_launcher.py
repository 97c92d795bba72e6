"""How Rasa is started: bot/run.py (API only with a token) and scripts/bot.sh (CORS, local tokens).

scripts/bot.sh runs here against a stand-in Rasa environment whose ``python`` records its
arguments and environment, so what Rasa would be started with is read without starting it.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from tests.stack import BOT_SH, REPO

EVENTS, HANDOFF = "evt-from-file-3f9c1a7e", "hof-from-file-8b2d4c6a"


def load_launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bot_run", REPO / "bot" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports no Rasa: only main() does
    return module


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        # The default run: no API.
        (["run", "--model", "m.tar.gz"], {}, ["run", "--model", "m.tar.gz"]),
        # An operator's token turns the API on, with it; the token never reaches a command line.
        (
            ["run", "--model", "m"],
            {"RASA_API_TOKEN": "t0k"},
            ["run", "--model", "m", "--enable-api", "--auth-token", "t0k"],
        ),
        (["run", "--enable-api"], {"RASA_API_TOKEN": "t0k"}, ["run", "--enable-api", "--auth-token", "t0k"]),
        # JWT is authentication too.
        (["run", "--enable-api", "--jwt-secret", "s"], {}, ["run", "--enable-api", "--jwt-secret", "s"]),
        # Not the server: left alone (the action server, training, validation).
        (
            ["run", "actions", "--actions", "actions"],
            {"RASA_API_TOKEN": "t"},
            ["run", "actions", "--actions", "actions"],
        ),
        (["train", "--config", "c.yml"], {"RASA_API_TOKEN": "t"}, ["train", "--config", "c.yml"]),
    ],
)
def test_rasa_is_given_the_api_only_with_a_token(argv: list[str], env: dict[str, str], expected: list[str]) -> None:
    assert load_launcher().rasa_argv(argv, env) == expected


@pytest.mark.parametrize(
    ("argv", "env", "needle"),
    [
        (["run", "--enable-api"], {}, "refused without authentication"),
        (["run", "--auth-token", "a"], {"RASA_API_TOKEN": "b"}, "not both"),
    ],
)
def test_an_unauthenticated_api_is_refused(argv: list[str], env: dict[str, str], needle: str) -> None:
    launcher = load_launcher()
    with pytest.raises(launcher.UnsafeApiError, match=needle):
        launcher.rasa_argv(argv, env)


@pytest.mark.parametrize(
    ("argv", "imported", "skipped"),
    [
        # The server: JAX, which TensorFlow would import for TFLite only, is not imported.
        (["run", "--model", "m"], {}, ["jax"]),
        # Already imported (by whoever started us): left as it is.
        (["run", "--model", "m"], {"jax": "the module"}, []),
        # Not the server: the action server, training, validation import what they like.
        (["run", "actions"], {}, []),
        (["train", "--config", "c.yml"], {}, []),
    ],
)
def test_the_server_does_not_import_what_it_never_uses(
    argv: list[str], imported: dict[str, object], skipped: list[str]
) -> None:
    modules = dict(imported)
    assert load_launcher().skip_unused_imports(argv, modules) == skipped
    # None in sys.modules: `import jax` raises ModuleNotFoundError, as for a module not installed.
    assert modules == {**imported, **dict.fromkeys(skipped)}


# --- scripts/bot.sh against a stand-in Rasa ----------------------------------------------------


def fake_rasa_venv(root: Path) -> Path:
    """A venv whose python and rasa write their argv and environment to ``root/record``."""
    bin_dir = root / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "rasa"):
        script = bin_dir / name
        script.write_text(
            f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "{root}/record.argv"\nenv > "{root}/record.env"\n',
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return root / "venv"


def bot_sh(root: Path, command: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str], dict[str, str]]:
    models = root / "models"
    models.mkdir(exist_ok=True)
    (models / "current.tar.gz").write_bytes(b"")
    data = root / "data"
    (data / "secrets").mkdir(parents=True, exist_ok=True)
    (data / "secrets" / "events_token").write_text(EVENTS + "\n", encoding="utf-8")
    (data / "secrets" / "handoff_token").write_text(HANDOFF, encoding="utf-8")  # no final newline
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HELPDESK_", "RASA_", "ACTION")) and k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    }
    full = {
        **base,
        "RASA_VENV": str(fake_rasa_venv(root)) if not (root / "venv").exists() else str(root / "venv"),
        "RASA_MODEL_DIR": str(models),
        "RASA_TRACKER_DB": str(root / "tracker.db"),
        "HELPDESK_DATA_DIR": str(data),
        **env,
    }
    done = subprocess.run([str(BOT_SH), command], env=full, capture_output=True, text=True, timeout=60, check=False)
    argv_file, env_file = root / "record.argv", root / "record.env"
    argv = argv_file.read_text(encoding="utf-8").splitlines() if argv_file.exists() else []
    seen = (
        dict(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines() if "=" in line)
        if env_file.exists()
        else {}
    )
    return done, argv, seen


def cors_of(argv: list[str]) -> list[str]:
    start = argv.index("--cors") + 1
    end = next((i for i in range(start, len(argv)) if argv[i].startswith("--")), len(argv))
    return argv[start:end]


def test_the_default_server_has_no_api_cors_for_the_app_and_the_local_tokens(tmp_path: Path) -> None:
    done, argv, env = bot_sh(tmp_path, "server")
    assert done.returncode == 0, done.stderr
    assert argv[0].endswith("bot/run.py") and argv[1] == "run"  # through the start-up hook
    assert "--enable-api" not in argv and "--auth-token" not in argv
    assert cors_of(argv) == ["http://127.0.0.1:8000"]  # the app's origin, which serves the widget
    assert (env["HELPDESK_EVENTS_TOKEN"], env["HELPDESK_HANDOFF_TOKEN"]) == (EVENTS, HANDOFF)
    assert EVENTS not in done.stdout + done.stderr and HANDOFF not in done.stdout + done.stderr


def test_the_action_server_gets_the_local_hand_off_token(tmp_path: Path) -> None:
    done, argv, env = bot_sh(tmp_path, "actions")
    assert done.returncode == 0, done.stderr
    assert argv[:2] == ["run", "actions"]
    assert env["HELPDESK_HANDOFF_TOKEN"] == HANDOFF


def test_tokens_set_in_the_environment_win_over_the_files(tmp_path: Path) -> None:
    _, _, env = bot_sh(tmp_path, "server", HELPDESK_EVENTS_TOKEN="from-env")
    assert (env["HELPDESK_EVENTS_TOKEN"], env["HELPDESK_HANDOFF_TOKEN"]) == ("from-env", HANDOFF)


def test_no_token_files_no_tokens(tmp_path: Path) -> None:
    _, _, env = bot_sh(tmp_path, "server", HELPDESK_DATA_DIR=str(tmp_path / "elsewhere"))
    assert env["HELPDESK_EVENTS_TOKEN"] == "" and env["HELPDESK_HANDOFF_TOKEN"] == ""


@pytest.mark.parametrize(
    ("env", "origins"),
    [
        ({"HELPDESK_API_URL": "https://help.example.com/api"}, ["https://help.example.com"]),
        (
            {"RASA_CORS_ORIGINS": "https://a.example https://b.example:8443"},
            ["https://a.example", "https://b.example:8443"],
        ),
    ],
)
def test_cors_is_limited_to_configured_origins(tmp_path: Path, env: dict[str, str], origins: list[str]) -> None:
    done, argv, _ = bot_sh(tmp_path, "server", **env)
    assert done.returncode == 0, done.stderr
    assert cors_of(argv) == origins


@pytest.mark.parametrize("origins", ["*", "https://a.example *", "a.example", "https://a.example/path"])
def test_cors_for_any_origin_is_refused(tmp_path: Path, origins: str) -> None:
    done, argv, _ = bot_sh(tmp_path, "server", RASA_CORS_ORIGINS=origins)
    assert done.returncode != 0 and argv == []  # Rasa is not started
    assert "RASA_CORS_ORIGINS" in done.stderr
