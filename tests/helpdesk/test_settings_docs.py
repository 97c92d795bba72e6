"""The README's configuration tables and .env.example agree with Settings, the one home of configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpdesk.settings import Settings, environment_variables

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
CONFIG = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
# Read by the bot's side (Rasa, its broker and channels, the action server, scripts/bot.sh), not the app.
BOT_SIDE = {
    "HELPDESK_API_URL",
    "HELPDESK_API_TIMEOUT",
    "HELPDESK_EVENTS_URL",
    "HELPDESK_EVENTS_SPOOL",
    "HELPDESK_MAX_MESSAGE_CHARS",
    "HELPDESK_DEDUP_REDIS_URL",
}
# docker-compose.yml's own (image tag, published port).
COMPOSE_ONLY = {"HELPDESK_IMAGE_TAG", "HELPDESK_PUBLISHED_PORT"}
_VARIABLE = re.compile(r"\bHELPDESK_[A-Z0-9_]*[A-Z0-9]\b")


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


@pytest.mark.parametrize("variable", sorted(environment_variables().values()))
def test_every_setting_is_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in CONFIG, f"{variable} (a Settings field) is missing from the README's configuration"


def test_every_documented_helpdesk_variable_is_read_by_something() -> None:
    settings = set(environment_variables().values())
    documented = set(_VARIABLE.findall(CONFIG)) | {n for n in _env_example() if n.startswith("HELPDESK_")}
    unknown = sorted(documented - settings - BOT_SIDE - COMPOSE_ONLY)
    assert not unknown, f"documented but read by nothing: {unknown}"


@pytest.mark.parametrize("variable", sorted(BOT_SIDE))
def test_the_bot_side_variables_are_read_on_the_bot_side(variable: str) -> None:
    sources = [*REPO.glob("bot/**/*.py"), *REPO.glob("actions/*.py"), *REPO.glob("bot/*.yml"), REPO / "scripts/bot.sh"]
    assert any(variable in path.read_text(encoding="utf-8") for path in sources), f"{variable} is read nowhere"


def test_the_env_example_values_are_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {v: k for k, v in environment_variables().items()}
    for variable, value in _env_example().items():
        if variable in names and value and value != "change-me":
            monkeypatch.setenv(variable, value)
    Settings(_env_file=None)  # type: ignore[call-arg]  # raises naming the variable if one is not valid
