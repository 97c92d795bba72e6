"""Slack Block Kit for the bot's messages: each reply rendered from its ``custom`` payload.

``render`` turns one Rasa bot message into ``chat.postMessage`` arguments (one call per 50
blocks): an FAQ answer as its question, its Markdown as mrkdwn and its source (a
translation says so and links the Chinese original); port verdicts as fields; a diagnosis
as its conclusion, rule, fix and checks (``slack_diagnosis``); anything else as text and
buttons. Slack's control characters are escaped, so no text can ping ``<!channel>`` or
fake a link.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.slack_diagnosis import diagnosis_blocks

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_BUTTON_CHARS = 75

VERDICTS = {
    "blocked": (":no_entry:", {"zh": "被拦截，无法使用", "en": "Blocked"}),
    "restricted": (":warning:", {"zh": "默认受限", "en": "Restricted by default"}),
    "open": (":white_check_mark:", {"zh": "未被平台拦截", "en": "Not blocked by the platform"}),
}
SOURCE = {"zh": "来源：", "en": "Source: "}
OPEN_SOURCE = {"zh": "查看原文", "en": "Open the FAQ"}
TRANSLATED = {
    "zh": "译自中文常见问题，原文：",
    "en": ":globe_with_meridians: Translated from the Chinese FAQ. Original (in Chinese): ",
}
_URL = re.compile(r"^https?://[^\s<>|]+$")


def escape(text: str) -> str:
    """Slack's three control characters, so no text can ping ``<!channel>`` or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """The FAQ's Markdown as Slack mrkdwn: links, bold, headings; tables as preformatted text."""
    out: list[str] = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.strip().startswith("|"):
            table.append(line)
            continue
        if table:
            out.append("```\n" + escape("\n".join(table)) + "\n```")
            table = []
        line = escape(line)
        line = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", lambda m: f"<{m[2].replace('|', '%7C')}|{m[1]}>", line)
        line = re.sub(r"\*\*(.+?)\*\*", r"*\1*", line)
        line = re.sub(r"^#{1,6}\s+(.*)$", r"*\1*", line)
        out.append(line)
    return "\n".join(out).strip()


def _sections(text: str) -> list[dict[str, Any]]:
    """mrkdwn sections of at most MAX_SECTION_CHARS, cut at line ends where possible."""
    blocks, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > MAX_SECTION_CHARS:
            blocks.append(current)
            current, line = line[:MAX_SECTION_CHARS], line[MAX_SECTION_CHARS:]
        if len(current) + len(line) > MAX_SECTION_CHARS:
            blocks.append(current)
            current = ""
        current += line
    return [{"type": "section", "text": {"type": "mrkdwn", "text": b}} for b in [*blocks, current] if b.strip()]


def _buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": _cut(str(b.get("title", "")), MAX_BUTTON_CHARS)},
            "value": str(b["payload"])[:2000],
            "action_id": f"choice-{i}",
        }
        for i, b in enumerate(buttons[:25])
        if b.get("payload")
    ]
    return [{"type": "actions", "elements": elements}] if elements else []


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source(url: str, lang: str) -> list[dict[str, Any]]:
    if not url:
        return []
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{SOURCE[lang]}<{url}|{escape(url)}>"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": OPEN_SOURCE[lang]},
                    "url": url,
                    "action_id": "source",
                }
            ],
        },
    ]


def _translation_note(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """For a curated translation: that it is one, and a link to the Chinese original."""
    if not custom.get("translated_from"):
        return []
    url = str(custom.get("original_url") or custom.get("source_url") or "")
    original = escape(str(custom.get("original_question") or url))
    link = f"<{url}|{original}>" if _URL.match(url) else original
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(TRANSLATED[lang] + link, 3000)}]}]


def _port_blocks(text: str, results: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    blocks = _sections(escape(text.splitlines()[0])) if text else []
    for r in results:
        emoji, label = VERDICTS.get(
            r.get("verdict", ""), (":grey_question:", {"zh": r.get("verdict"), "en": r.get("verdict")})
        )
        port = f"*{escape(str(r.get('protocol', '')).upper())} {r.get('port')}*"
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": port}, {"type": "mrkdwn", "text": f"{emoji} {label[lang]}"}],
            }
        )
        notes = " ".join(escape(str(r[k])) for k in ("reason", "advice") if r.get(k))
        if notes:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(notes, MAX_SECTION_CHARS)}]})
    return blocks


def render(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A Rasa bot message as ``chat.postMessage`` arguments (one call each; Slack takes 50 blocks)."""
    text = (message.get("text") or "").strip()
    raw_custom = message.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    lang = "en" if custom.get("language") == "en" else "zh"
    kind = custom.get("kind")
    if kind == "faq_answer":
        blocks = [
            *_sections(f"*{escape(custom.get('question', ''))}*\n{mrkdwn(custom.get('answer_markdown', ''))}"),
            *_translation_note(custom, lang),
            *_source(custom.get("source_url", ""), lang),
        ]
    elif kind == "port_verdict" and custom.get("results"):
        blocks = _port_blocks(text, custom["results"], lang)
    elif kind == "diagnosis":
        blocks = [*diagnosis_blocks(custom, lang), *_buttons(message.get("buttons") or [])]
    else:
        blocks = [*_sections(escape(text)), *_buttons(message.get("buttons") or [])]
        if kind == "delete_diagnosis":
            blocks += _source(custom.get("source_url", ""), lang)[:1]
    notification = _cut(escape(text), MAX_SECTION_CHARS)
    return [
        {"text": notification, "blocks": blocks[i : i + MAX_BLOCKS], "unfurl_links": False}
        for i in range(0, len(blocks), MAX_BLOCKS)
    ]
