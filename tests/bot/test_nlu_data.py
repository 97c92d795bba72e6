"""The bot's NLU data agrees with the app's data where they describe the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge.other_clouds import OTHER_CLOUDS_FILE, load_other_clouds

REPO = Path(__file__).resolve().parents[2]
REGEX_FILE = REPO / "bot" / "data" / "nlu" / "regex.yml"
CLOUDS_FILE = REPO / "knowledge" / "data" / OTHER_CLOUDS_FILE


def _bot_pattern(name: str) -> re.Pattern[str]:
    """A regex entity of the bot's NLU data, as RegexEntityExtractor uses it (case-insensitive)."""
    for item in yaml.safe_load(REGEX_FILE.read_text(encoding="utf-8"))["nlu"]:
        if item.get("regex") == name:
            (pattern,) = [line.strip()[2:] for line in item["examples"].splitlines() if line.strip()]
            return re.compile(pattern, re.IGNORECASE)
    raise AssertionError(f"no regex {name!r} in {REGEX_FILE}")


def _other_cloud_names() -> list[str]:
    clouds = load_other_clouds(CLOUDS_FILE, OTHER_CLOUDS_FILE)
    return [n for p in clouds.providers for n in (*p.names, *(n for product in p.products for n in product.names))]


@pytest.mark.parametrize("name", _other_cloud_names())
def test_every_other_cloud_name_the_app_declines_is_a_cloud_provider_entity(name: str) -> None:
    # A message naming it is sent to action_decline, which asks retrieval (data/rules/answers.yml).
    assert _bot_pattern("cloud_provider").search(f"我的{name}服务器连不上") is not None
    assert _bot_pattern("cloud_provider").search(f"my {name} server is down") is not None


@pytest.mark.parametrize(
    "text", ["腾讯云安全组怎么配置", "my cvm on tencent cloud", "secs", "necessary", "raws", "ecsit", "轻量应用服务器"]
)
def test_tencent_names_and_words_containing_a_name_are_not_other_clouds(text: str) -> None:
    assert _bot_pattern("cloud_provider").search(text) is None
