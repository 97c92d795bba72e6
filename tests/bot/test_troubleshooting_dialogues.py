"""Troubleshooting dialogues on the real stack (issue 14): the app, the action server and Rasa
over REST, each dialogue a conversation of its own (tests/bot/dialogues.py says what each turn
must get).

Each dialogue is its own test; ``test_pass_figures`` prints (and writes to
``var/conversation-results.json``, or ``$HELPDESK_RESULTS_DIR``) how many dialogues and
turns passed, turn by turn, which is what the issue's closing note reports.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.bot.dialogues import Context, Dialogue, Reply, dialogues

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

DIALOGUES = {d.name: d for d in dialogues()}
# Each dialogue runs once per session: its own test and the figures share the run.
_RESULTS: dict[str, list[dict[str, Any]]] = {}


def run(stack: Any, dialogue: Dialogue) -> list[dict[str, Any]]:
    """Every turn of ``dialogue`` in a fresh conversation: what was said, what came back, the problems."""
    if dialogue.name in _RESULTS:
        return _RESULTS[dialogue.name]
    ctx = Context(stack, f"dlg-{uuid.uuid4().hex[:12]}")
    turns = []
    for turn in dialogue.turns:
        reply = Reply(stack.say(turn.text, ctx.sender))
        problems = [p for check in turn.checks for p in check(reply, ctx)]
        turns.append(
            {
                "user": turn.text if len(turn.text) <= 120 else f"{turn.text[:117]}...",
                "kinds": [p.get("kind") for p in reply.payloads],
                "passed": not problems,
                "problems": problems,
            }
        )
    _RESULTS[dialogue.name] = turns
    return turns


@pytest.mark.parametrize("name", list(DIALOGUES))
def test_dialogue(bot_stack: Any, name: str) -> None:
    turns = run(bot_stack, DIALOGUES[name])
    failed = [
        f"turn {i} {t['user']!r} -> {t['kinds']}: {t['problems']}" for i, t in enumerate(turns, 1) if not t["passed"]
    ]
    assert not failed, "\n".join(failed)


def test_there_are_at_least_twenty_dialogues_in_both_languages() -> None:
    assert len(DIALOGUES) >= 20
    assert {d.language for d in DIALOGUES.values()} == {"zh", "en"}


def test_pass_figures(bot_stack: Any) -> None:
    """Runs every dialogue (those not run yet) and reports dialogues and turns passed."""
    report = {name: run(bot_stack, dialogue) for name, dialogue in DIALOGUES.items()}
    turns = [t for ts in report.values() for t in ts]
    passed_dialogues = sum(all(t["passed"] for t in ts) for ts in report.values())
    passed_turns = sum(t["passed"] for t in turns)
    lines = [f"{'dialogue':44s} {'lang':4s} turns passed"]
    for name, ts in report.items():
        marks = "".join("." if t["passed"] else "F" for t in ts)
        lines.append(
            f"{name:44s} {DIALOGUES[name].language:4s} {len(ts):5d} {sum(t['passed'] for t in ts):6d}  {marks}"
        )
    lines.append(f"dialogues passed: {passed_dialogues}/{len(report)}; turns passed: {passed_turns}/{len(turns)}")
    print("\n" + "\n".join(lines))
    out = Path(os.environ.get("HELPDESK_RESULTS_DIR", Path(__file__).resolve().parents[2] / "var"))
    out.mkdir(parents=True, exist_ok=True)
    summary = {"dialogues": len(report), "dialogues_passed": passed_dialogues, "turns": len(turns)}
    summary |= {"turns_passed": passed_turns, "by_dialogue": report}
    (out / "conversation-results.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    assert passed_turns == len(turns), "\n".join(lines)
