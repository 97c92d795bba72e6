"""The Rasa project itself: its data validates, NLU meets its thresholds, stories pass."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest

BotSh = Callable[..., subprocess.CompletedProcess[str]]

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def test_rasa_data_validates_without_warnings(bot_sh: BotSh) -> None:
    result = bot_sh("validate")
    assert result.returncode == 0, result.stdout + result.stderr


def test_nlu_on_held_out_examples_meets_thresholds(bot_sh: BotSh) -> None:
    result = bot_sh("test-nlu")
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    accuracy = float(re.search(r"intent accuracy: ([0-9.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    port_f1 = float(re.search(r"port entity F1: ([0-9.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    assert accuracy >= 0.95
    assert port_f1 >= 0.98


def test_story_tests_pass(bot_sh: BotSh) -> None:
    result = bot_sh("test-core")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
