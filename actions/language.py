"""Which language to reply in: the contract's one detector (``contract.language``)."""

from __future__ import annotations

from contract.language import DEFAULT_LANGUAGE, reply_language

__all__ = ["DEFAULT_LANGUAGE", "reply_language"]
