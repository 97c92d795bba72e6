"""Troubleshooting on Slack and WeCom, on the running stack against the fakes of their APIs: a
paste (as each client sends it) is diagnosed, and the diagnosis arrives as Block Kit / markdown
the API accepts, with nothing the user pasted acting as markup; an English reader's FAQ answer
says it is a translation and links the Chinese original."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.channels.conftest import Oracle
from tests.channels.fakes import ChannelFakes, block_kit_problem
from tests.channels.test_slack import event, new_channel, send
from tests.channels.test_wecom import callback, content, new_user, post, text_message
from tests.stack import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

# iptables -S whose deciding rule carries a comment that would be markup on both channels.
HOSTILE_COMMENT = "<!channel> & *x* <https://evil.example|click> [y](https://evil.example) <font color=warning>"
PASTE = "\n".join(
    [
        "-P INPUT DROP",
        "-A INPUT -i lo -j ACCEPT",
        "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
        f'-A INPUT -p tcp -m tcp --dport 3306 -m comment --comment "{HOSTILE_COMMENT}" -j DROP',
    ]
)


def slack_escaped(text: str) -> str:
    """A message's text as Slack's Events API delivers it (its three characters escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("```-P INPUT DROP\n-A INPUT -j ACCEPT```", "-P INPUT DROP\n-A INPUT -j ACCEPT"),
        ("rules:\n```\n-P INPUT DROP\n```\nthanks", "rules:\n\n-P INPUT DROP\n\nthanks"),
        ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
    ],
)
def test_slack_text_is_read_as_typed(oracle: Oracle, sent: str, typed: str) -> None:
    assert oracle.ask("slack_as_typed", text=sent)["result"] == typed


def test_a_paste_in_a_slack_code_block_is_diagnosed_and_rendered_safely(
    bot_stack: BotStack, channel_fakes: ChannelFakes
) -> None:
    channel = new_channel("D")
    text = slack_escaped(f"mysql 3306 times out\n```{PASTE}```")
    send(bot_stack, channel_fakes, event(text, channel=channel))
    [post_args] = channel_fakes.slack.wait_for_posts(channel)
    assert block_kit_problem(post_args["blocks"]) is None
    everything = json.dumps(post_args, ensure_ascii=False)
    assert "<!channel>" not in everything and "<https://evil" not in everything
    sections = [b["text"]["text"] for b in post_args["blocks"] if b["type"] == "section" and "text" in b]
    assert sections[0].startswith("*Conclusion: ")
    rule = next(s for s in sections if s.startswith("```\n-A INPUT"))
    assert "&lt;!channel&gt; &amp; *x*" in rule and rule.endswith("-j DROP\n```")
    assert any(s == "```\niptables -I INPUT 3 -p tcp --dport 3306 -j ACCEPT\n```" for s in sections)
    log = next(s for s in bot_stack.services if s.name == "rasa").log.read_text(errors="replace")
    assert "invalid_blocks" not in log


def test_an_english_faq_answer_on_slack_links_the_chinese_original(
    bot_stack: BotStack, channel_fakes: ChannelFakes
) -> None:
    question = "can I still use iptables if I use security groups?"
    expected = bot_stack.api("POST", "/v1/answer", json={"question": question, "language": "en"})["answer"]
    channel = new_channel("D")
    send(bot_stack, channel_fakes, event(question, channel=channel))
    [post_args] = channel_fakes.slack.wait_for_posts(channel)
    notes = [e["text"] for b in post_args["blocks"] if b["type"] == "context" for e in b["elements"]]
    link = f"<{expected['source_url']}|{expected['original_question']}>"
    assert any("Translated from the Chinese FAQ" in n and link in n for n in notes), notes


def test_a_paste_on_wecom_is_diagnosed_and_rendered_safely(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    user = new_user()
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, f"mysql 3306 连接超时\n{PASTE}")))
    sends = channel_fakes.wecom.wait_for_sends(user)
    assert all(s["errcode"] == 0 and s["body"]["msgtype"] == "markdown" for s in sends)
    markdown = "\n".join(content(s) for s in sends)
    assert markdown.startswith("**结论：")
    assert "](https://evil" not in markdown and "<https://evil" not in markdown
    for line in markdown.split("\n"):  # the only font tags are the checks' own marks, one per line
        assert "<font " not in line or (line.startswith('<font color="') and line.count("<font ") == 1), line
    # The rule as inline code, shown, not acting.
    shown = "＜!channel＞ & *x* ＜https://evil.example|click＞ ［y］(https://evil.example) ＜font color=warning＞"
    assert f'`-A INPUT -p tcp -m tcp --dport 3306 -m comment --comment "{shown}" -j DROP`' in markdown
    assert "`iptables -I INPUT 3 -p tcp --dport 3306 -j ACCEPT`" in markdown


def test_an_english_faq_answer_on_wecom_links_the_chinese_original(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    question = "can I still use iptables if I use security groups?"
    expected = bot_stack.api("POST", "/v1/answer", json={"question": question, "language": "en"})["answer"]
    user = f"user-{uuid.uuid4().hex[:10]}"
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, question)))
    sends = channel_fakes.wecom.wait_for_sends(user)
    link = f"[{expected['original_question']}]({expected['source_url']})"
    assert content(sends[-1]).endswith(f"> Translated from the Chinese FAQ. Original (in Chinese): {link}")
