"""Which language to reply in, from the user's latest text."""

from __future__ import annotations

import re
from typing import Any

from actions.api_client import Language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")
DEFAULT_LANGUAGE: Language = "en"


def detect_language(text: str | None, previous: Any = None) -> Language:
    """CJK characters -> zh; Latin letters -> en; neither (digits, emoji, a button
    payload such as ``/choose_faq{...}``) -> the previous language, else the default.
    """
    fallback: Language = previous if previous in ("zh", "en") else DEFAULT_LANGUAGE
    if not text or text.startswith("/"):
        return fallback
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return fallback
