"""bot/rasa_compat.py, the one seam to Rasa's internals: a test per hook, against the installed Rasa.

Each hook (and each NLU component that replaces a slow part of Rasa) is checked in the Rasa
environment by tests/bot/rasa_compat_checks.py, run once here; each of its checks is a test.
A Rasa upgrade shows here which hook to review (and ``rasa_compat.check_version`` refuses to
start until the pin changes).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests.stack import REPO, rasa_venv, run_bot_sh

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

CHECKS = [
    "version",
    "every_hook_has_a_check",
    "install_once_and_only_over_rasa_methods",
    "action_timeout",  # RemoteAction.run wrapped: a failed or hung action answers politely
    "action_result_schema",  # RemoteAction._validate_action_result wrapped: the schema checked once
    "message_cap",  # MessageProcessor.handle_message wrapped: over-long messages skip NLU
    "slack_is_user_message",
    "slack_is_supported_channel",
    "slack_conversation_id",
    "slack_is_interactive_message",
    "slack_interactive_response",
    "slack_sanitize_is_rasas_in_linear_time",  # ours replaces Rasa's backtracking one
    "classifier_features",  # LogisticRegressionClassifier._create_X
    "count_vectors_sentence_only",  # CountVectorsFeaturizer._create_features
    "segmented_tokenizer",
    "linear_regex_featurizer",
    "tracker_store_stream_and_unsaved_events",  # TrackerStore._stream_new_events, SQLTrackerStore._additional_events
    "helpdesk_tracker_store_sqlite_and_outage_context",
    "paste_tokenized_to_its_head",
]


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    assert run_bot_sh("train").returncode == 0  # message_cap loads the trained model
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'bot'}:{REPO}", "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("HELPDESK_MAX_MESSAGE_CHARS", None)
    done = subprocess.run(
        [str(rasa_venv() / "bin" / "python"), str(REPO / "tests" / "bot" / "rasa_compat_checks.py"), *CHECKS],
        cwd=REPO / "bot",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith('{"check"'):
            result = json.loads(line)
            found[result["check"]] = result
    if not found:
        pytest.fail(f"the checks did not run ({done.returncode}):\n{done.stderr[-3000:]}", pytrace=False)
    return found


@pytest.mark.parametrize("name", CHECKS)
def test_hook(results: dict[str, dict[str, Any]], name: str) -> None:
    result = results.get(name)
    assert result is not None, f"{name} did not report (the check process stopped?)"
    assert result["ok"], result["detail"]
