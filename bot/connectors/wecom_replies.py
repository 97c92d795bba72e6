"""Bot messages as WeCom ``message/send`` bodies, and the numbered choices offered to users.

WeCom has no buttons for an app's messages: buttons become a numbered list, and a reply
with a number picks that option (``Choices``). An FAQ answer and port verdicts are
markdown; an English reader's FAQ answer says it is translated and links the Chinese
original; a diagnosis is markdown too (``wecom_diagnosis``).
"""

from __future__ import annotations

import re
import time
from typing import Any

from connectors.wecom_diagnosis import diagnosis_markdown, plain

MAX_CONTENT_BYTES = 2048  # message/send: text and markdown content, in UTF-8 bytes
CHOICE_TTL_S = 1800.0


class Choices:
    """The numbered options last offered to each user, so "2" picks the second one."""

    def __init__(self) -> None:
        self._by_user: dict[str, tuple[float, list[str]]] = {}

    def offer(self, user: str, payloads: list[str]) -> None:
        self._by_user[user] = (time.monotonic(), payloads)

    def resolve(self, user: str, text: str) -> str:
        """``text``, or the payload it picks by number; any message ends the offer."""
        offered_at, payloads = self._by_user.pop(user, (0.0, []))
        match = re.fullmatch(r"\s*(\d{1,2})\s*[.。]?\s*", text)
        if match and time.monotonic() - offered_at < CHOICE_TTL_S and 1 <= int(match[1]) <= len(payloads):
            return payloads[int(match[1]) - 1]
        return text


VERDICTS = {
    "blocked": ("warning", {"zh": "被拦截", "en": "blocked"}),
    "restricted": ("comment", {"zh": "默认受限", "en": "restricted"}),
    "open": ("info", {"zh": "未被平台拦截", "en": "not blocked"}),
}
SOURCE = {"zh": "来源", "en": "Source"}
PICK_HINT = {"zh": "回复数字即可选择。", "en": "Reply with a number to choose."}
TRANSLATED = {"zh": "译自中文常见问题，原文：", "en": "Translated from the Chinese FAQ. Original (in Chinese): "}
_URL = re.compile(r"^https?://[^\s()<>\[\]]+$")


def _translation_note(custom: dict[str, Any], lang: str) -> str:
    """For a curated translation: that it is one, and a link to the Chinese original."""
    if not custom.get("translated_from"):
        return ""
    url = str(custom.get("original_url") or custom.get("source_url") or "")
    original = plain(custom.get("original_question") or url)
    return f"\n> {TRANSLATED[lang]}" + (f"[{original}]({url})" if _URL.match(url) else original)


def _numbered(buttons: list[dict[str, Any]], lang: str) -> list[str]:
    return [*[f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, 1)], PICK_HINT[lang]]


def _flatten_tables(markdown: str) -> str:
    """WeCom markdown has no tables: a row becomes its cells joined by " | "."""
    lines = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"\|?[\s:|-]+\|?", stripped) and "-" in stripped:
            continue  # the header separator
        if stripped.startswith("|") and stripped.endswith("|"):
            line = " | ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        lines.append(line)
    return "\n".join(lines)


def render(message: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """A Rasa bot message as ``message/send`` bodies (without touser/agentid), and the payloads
    of its numbered choices."""
    text = (message.get("text") or "").strip()
    raw_custom = message.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    lang = "en" if custom.get("language") == "en" else "zh"
    kind = custom.get("kind")
    buttons = [b for b in message.get("buttons") or [] if b.get("payload")]
    if kind == "faq_answer":
        url = custom.get("source_url", "")
        return _markdown(
            f"**{custom.get('question', '')}**\n{_flatten_tables(custom.get('answer_markdown', ''))}\n"
            f"> {SOURCE[lang]}：[{url}]({url})" + _translation_note(custom, lang)
        ), []
    if kind == "port_verdict" and custom.get("results"):
        lines = [text.splitlines()[0] if text else ""]
        for r in custom["results"]:
            color, label = VERDICTS.get(r.get("verdict"), ("comment", {"zh": r.get("verdict"), "en": r.get("verdict")}))
            advice = f" {r['advice']}" if r.get("advice") else ""
            lines.append(
                f"- **{str(r.get('protocol', '')).upper()} {r.get('port')}**："
                f'<font color="{color}">{label[lang]}</font>。{r.get("reason", "")}{advice}'
            )
        return _markdown("\n".join(lines)), []
    if kind == "diagnosis":
        content = diagnosis_markdown(custom, lang) or plain(text)
        numbered = [plain(line) for line in _numbered(buttons, lang)] if buttons else []
        return _markdown("\n".join([content, *numbered])), [b["payload"] for b in buttons]
    if buttons:
        return text_bodies("\n".join([text, *_numbered(buttons, lang)])), [b["payload"] for b in buttons]
    return (text_bodies(text) if text else []), []


def _chunks(content: str) -> list[str]:
    """Split at line ends into pieces of at most MAX_CONTENT_BYTES."""
    pieces: list[str] = []
    current = ""
    for line in content.splitlines(keepends=True):
        while len(line.encode()) > MAX_CONTENT_BYTES:  # one huge line: cut by characters
            cut = len(line.encode()[:MAX_CONTENT_BYTES].decode(errors="ignore"))
            pieces, current, line = [*pieces, current, line[:cut]], "", line[cut:]
        if len((current + line).encode()) > MAX_CONTENT_BYTES:
            pieces, current = [*pieces, current], ""
        current += line
    return [p.strip() for p in [*pieces, current] if p.strip()]


def text_bodies(content: str) -> list[dict[str, Any]]:
    return [{"msgtype": "text", "text": {"content": c}} for c in _chunks(content)]


def _markdown(content: str) -> list[dict[str, Any]]:
    return [{"msgtype": "markdown", "markdown": {"content": c}} for c in _chunks(content)]
