"""The one language detector: which language a message is in, and which to reply in."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "en"

# Han ideographs (CJK Unified, Extension A, Compatibility). Full-width punctuation alone
# ("？", "，") does not make a message Chinese: it is typed by English users' IMEs too.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str | None) -> Language | None:
    """``zh`` when ``text`` has Chinese characters, ``en`` when it has Latin letters, else None.

    A button payload (``/choose_faq{...}``) has no language.
    """
    if not text or text.startswith("/"):
        return None
    if _HAN.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return None


def reply_language(text: str | None, previous: object = None) -> Language:
    """The language to reply in: the message's own, else the conversation's, else English."""
    found = detect_language(text)
    if found is not None:
        return found
    for language in LANGUAGES:
        if previous == language:
            return language
    return DEFAULT_LANGUAGE
