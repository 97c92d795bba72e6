"""Slack Block Kit and WeCom markdown of a diagnosis and of an English reader's FAQ answer,
rendered by the channels' own code (run in the Rasa environment through the oracle) and held
to what Slack's and WeCom's APIs accept (the fakes' checks).

The diagnoses are the real app's (tests/actions/data); the hostile one is a real conclusion
with every text the user could have put there replaced by markup that would ping a channel,
fake a link, open a code block or colour text if it were not escaped.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.channels.conftest import Oracle
from tests.channels.fakes import FakeWeCom, block_kit_problem

pytestmark = [pytest.mark.rasa]

ACTIONS_DATA = Path(__file__).resolve().parents[1] / "actions" / "data"
HOSTILE = (
    '<!channel> ``` & *bold* `tick` <https://evil.example|click> [x](https://evil.example) <font color="warning">red'
)
HOSTILE_RULE = f'-A INPUT -p tcp --dport 3306 -m comment --comment "{HOSTILE}" -j DROP'


def recorded_diagnosis(name: str, turn: int = -1) -> dict[str, Any]:
    exchanges = json.loads((ACTIONS_DATA / f"{name}.json").read_text(encoding="utf-8"))
    diagnosis: dict[str, Any] = exchanges[turn]["body"]["diagnosis"]
    return diagnosis


def message(
    custom: dict[str, Any], text: str = "the text rendering", buttons: list[Any] | None = None
) -> dict[str, Any]:
    return {"text": text, "buttons": buttons or [], "custom": custom}


def hostile_diagnosis() -> dict[str, Any]:
    """A real conclusion whose every user-reachable text is hostile markup."""
    d = copy.deepcopy(recorded_diagnosis("en_firewall_conclusion"))
    d["summary"] = f"{d['summary']} {HOSTILE}"
    d["decided_by"]["text"] = HOSTILE_RULE
    d["decided_by"]["label"] = f"iptables chain {HOSTILE}, rule 1"
    d["fix"]["commands"] = [{"tool": "iptables", "command": "iptables -I INPUT 1 -p tcp --dport 3306 -j ACCEPT"}]
    d["fix"]["commands"].append({"tool": HOSTILE, "command": HOSTILE})
    d["needs"] = [f"line 3 of your message: {HOSTILE}"]
    d["checks"][0]["title"] = HOSTILE
    return d


DIAGNOSES = {
    "zh next check": recorded_diagnosis("zh_next_check", 0),
    "zh conclusion with a tccli fix": recorded_diagnosis("zh_source_mismatch"),
    "en conclusion with an iptables fix": recorded_diagnosis("en_firewall_conclusion"),
    "en unknown": recorded_diagnosis("en_unknown"),
    "hostile": hostile_diagnosis(),
}


def slack_texts(posts: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn / plain text of the posts' blocks."""
    found: list[str] = []
    for post in posts:
        for block in post["blocks"]:
            found += [t["text"] for t in [block.get("text") or {}, *(block.get("fields") or [])] if t.get("text")]
            found += [e["text"] for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
    return found


# --- Slack ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DIAGNOSES))
def test_a_diagnosis_is_block_kit_slack_accepts(oracle: Oracle, name: str) -> None:
    posts = oracle.ask("slack_render", message=message(DIAGNOSES[name]))["result"]
    assert posts and all(block_kit_problem(post["blocks"]) is None for post in posts)
    for text in slack_texts(posts):
        assert text.count("```") % 2 == 0, text  # every code block closed in its own section


def test_a_slack_conclusion_shows_the_rule_the_fix_commands_and_the_checks(oracle: Oracle) -> None:
    d = DIAGNOSES["en conclusion with an iptables fix"]
    (post,) = oracle.ask("slack_render", message=message(d))["result"]
    texts = slack_texts([post])
    assert texts[0] == f"*Conclusion: {d['title']}*\n{d['summary']}"
    # The deciding rule as the user wrote it, in a code block under its label.
    assert f"Decided by {d['decided_by']['label']}" in texts
    assert f"```\n{d['decided_by']['text']}\n```" in texts
    # Each command in a code block under its tool.
    (command,) = d["fix"]["commands"]
    assert "Command (iptables)" in texts and f"```\n{command['command']}\n```" in texts
    checks = next(t for t in texts if t.startswith("*Checks*"))
    assert ":x: Does the instance's own firewall allow TCP 3306? _(the problem)_" in checks
    assert ":white_check_mark: Does the carrier block TCP 3306? _(fine)_" in checks


def test_a_slack_next_check_says_how_and_what_to_paste(oracle: Oracle) -> None:
    d = DIAGNOSES["zh next check"]
    (post,) = oracle.ask("slack_render", message=message(d))["result"]
    texts = slack_texts([post])
    todo = next(c for c in d["checks"] if c["status"] == "todo")
    assert texts[0] == d["summary"]
    assert any(t.startswith(f"*下一步：{todo['title']}*") for t in texts)
    assert any(t.startswith("*请发给我：*") and todo["paste"] in t for t in texts)


def test_a_slack_unknown_cause_offers_the_human_button(oracle: Oracle) -> None:
    human = [{"title": "Talk to a human", "payload": "/request_human"}]
    (post,) = oracle.ask("slack_render", message=message(DIAGNOSES["en unknown"], buttons=human))["result"]
    (actions,) = [b for b in post["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["/request_human"]
    assert not any(t.startswith("*How to fix it") for t in slack_texts([post]))


def test_nothing_pasted_breaks_slacks_formatting(oracle: Oracle) -> None:
    posts = oracle.ask("slack_render", message=message(DIAGNOSES["hostile"], text=HOSTILE_RULE))["result"]
    everything = json.dumps(posts, ensure_ascii=False)
    # No ping, no link the user made; the markup is shown, escaped.
    assert "<!channel>" not in everything and "<https://evil" not in everything
    assert "&lt;!channel&gt;" in everything and "&amp;" in everything
    texts = slack_texts(posts)
    rule = next(t for t in texts if t.startswith("```\n-A INPUT"))
    assert (
        rule
        == "```\n"
        + HOSTILE_RULE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("```", "ˋˋˋ")
        + "\n```"
    )
    assert all(t.count("```") % 2 == 0 for t in texts)


def test_an_english_faq_answer_says_it_is_translated_and_links_the_original(oracle: Oracle) -> None:
    custom = translated_faq()
    (post,) = oracle.ask("slack_render", message=message(custom))["result"]
    assert block_kit_problem(post["blocks"]) is None
    notes = [t for t in slack_texts([post]) if "Translated from the Chinese FAQ" in t]
    assert notes == [
        ":globe_with_meridians: Translated from the Chinese FAQ. Original (in Chinese): "
        f"<{custom['original_url']}|{custom['original_question']}>"
    ]


def test_a_chinese_faq_answer_is_unchanged(oracle: Oracle) -> None:
    custom = {**translated_faq(), "language": "zh", "translated_from": None}
    (post,) = oracle.ask("slack_render", message=message(custom))["result"]
    assert not [t for t in slack_texts([post]) if "译自" in t or "Translated" in t]


# --- WeCom ---------------------------------------------------------------------------------------


def wecom(oracle: Oracle, msg: dict[str, Any]) -> tuple[str, list[str]]:
    """The markdown content (all bodies joined) and the numbered choices' payloads; each body checked
    as WeCom's message/send checks it."""
    answer = oracle.ask("wecom_render", message=msg)["result"]
    fake = FakeWeCom(corp_id="c")
    for body in answer["bodies"]:
        assert body["msgtype"] == "markdown"
        assert fake._check_message({**body, "touser": "u", "agentid": fake.agent_id}) == (0, "ok")
    return "\n".join(b["markdown"]["content"] for b in answer["bodies"]), answer["payloads"]


@pytest.mark.parametrize("name", list(DIAGNOSES))
def test_a_diagnosis_is_markdown_wecom_accepts(oracle: Oracle, name: str) -> None:
    content, _ = wecom(oracle, message(DIAGNOSES[name]))
    assert content


def test_a_wecom_conclusion_shows_the_rule_the_fix_and_coloured_checks(oracle: Oracle) -> None:
    d = DIAGNOSES["zh conclusion with a tccli fix"]
    content, payloads = wecom(oracle, message(d))
    lines = content.split("\n")
    assert lines[0] == f"**结论：{d['title']}**"
    assert f"> 依据（{d['decided_by']['label']}）：" in lines
    assert f"`{d['decided_by']['text']}`" in lines
    (command,) = d["fix"]["commands"]
    assert "> 命令（tccli）：" in lines and f"`{command['command']}`" in lines
    assert (
        '<font color="warning">✘ 有问题</font> ' + next(c["title"] for c in d["checks"] if c["status"] == "failed")
        in lines
    )
    assert payloads == []


def test_a_wecom_unknown_cause_numbers_the_human_choice(oracle: Oracle) -> None:
    human = [{"title": "Talk to a human", "payload": "/request_human"}]
    content, payloads = wecom(oracle, message(DIAGNOSES["en unknown"], buttons=human))
    assert payloads == ["/request_human"]
    assert content.endswith("1. Talk to a human\nReply with a number to choose.")


def test_nothing_pasted_breaks_wecoms_markdown(oracle: Oracle) -> None:
    content, _ = wecom(oracle, message(DIAGNOSES["hostile"]))
    # The only font tags are the checks' own; no link the user made; bold markers paired per line.
    checks = len(DIAGNOSES["hostile"]["checks"])
    assert len(re.findall(r"<font ", content)) == checks
    assert "](https://evil" not in content and "<https://evil" not in content
    for line in content.split("\n"):
        assert line.count("**") % 2 == 0, line
        assert line.count("`") % 2 == 0, line
    # A rule holding backticks cannot be inline code: shown as neutralised plain text.
    assert '-A INPUT -p tcp --dport 3306 -m comment --comment "＜!channel＞ ˋˋˋ & ＊bold＊' in content


def test_a_rule_without_backticks_is_inline_code_that_cannot_act(oracle: Oracle) -> None:
    d = copy.deepcopy(DIAGNOSES["en conclusion with an iptables fix"])
    d["decided_by"]["text"] = '-A INPUT -m comment --comment "[y](https://evil.example) <font color=warning>" -j DROP'
    content, _ = wecom(oracle, message(d))
    assert '`-A INPUT -m comment --comment "［y］(https://evil.example) ＜font color=warning＞" -j DROP`' in content
    # A command's own brackets stay, so it can be copied as is.
    d["fix"]["commands"] = [{"tool": "tccli", "command": 'tccli vpc X --P \'{"Ingress":[{"Port":"22"}]}\''}]
    content, _ = wecom(oracle, message(d))
    assert '`tccli vpc X --P \'{"Ingress":[{"Port":"22"}]}\'`' in content


def test_a_wecom_english_faq_answer_says_it_is_translated_and_links_the_original(oracle: Oracle) -> None:
    custom = translated_faq()
    content, _ = wecom(oracle, message(custom))
    link = f"[{custom['original_question']}]({custom['original_url']})"
    assert content.endswith(f"> Translated from the Chinese FAQ. Original (in Chinese): {link}")


def translated_faq() -> dict[str, Any]:
    """The faq_answer payload of an English reader (as actions/answer.py builds it), from the real app's answer."""
    recorded = json.loads((ACTIONS_DATA / "app_answers.json").read_text(encoding="utf-8"))
    hit = next(
        e["body"]["answer"] for e in recorded["answer"] if (e["body"].get("answer") or {}).get("translated_from")
    )
    return {
        "kind": "faq_answer",
        "language": "en",
        "faq_id": hit["id"],
        "question": hit["question"],
        "score": hit["score"],
        "source_url": hit["source_url"],
        "answer_markdown": hit["answer"],
        "translated_from": hit["translated_from"],
        "original_question": hit["original_question"],
        "original_url": hit["source_url"],
    }
