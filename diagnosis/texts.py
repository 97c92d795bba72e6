"""Bilingual texts from the data files, and the templates filled from a diagnosis's facts.

Templates use ``str.format`` placeholders (``{group}``, ``{port}``). The names a template
may use are :data:`FIELDS`; the loader refuses any other name, so a misspelt placeholder
in a data file stops the engine from starting instead of showing up in a reply.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from contract.language import Language

# Every placeholder the data files may use (diagnosis/facts.py fills them).
FIELDS = frozenset(
    {
        "target",
        "port",
        "proto",
        "protocol",
        "service",
        "direction",
        "direction_rules",
        "group",
        "groups",
        "index",
        "rule",
        "related_group",
        "related_index",
        "related_rule",
        "remote",
        "cidr",
        "source_address",
        "address",
        "tool",
        "chain",
        "position",
        "line",
        "rule_text",
        "action",
        "socket",
        "listen_hint",
        "verdict",
        "quota",
        "statement",
        "decided",
        "format",
        "note",
        "title",
        "problem",
        "needs",
        # reading the account
        "instance",
        "region",
        "time",
        "groups_read",
        "acl",
        "count",
        "entry",
        "policy",
        # command templates
        "policy_set",
        "binary",
        "match",
        "family",
        "table",
        "zone",
    }
)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    zh: str
    en: str

    def get(self, language: Language) -> str:
        """The text in ``language``."""
        return self.zh if language == "zh" else self.en

    def render(self, language: Language, fields: Mapping[str, str]) -> str:
        """The text in ``language`` with its placeholders filled."""
        return render(self.get(language), fields)


def placeholders(template: str) -> set[str]:
    """The placeholder names ``template`` uses.

    Raises:
        ValueError: the template is not valid ``str.format`` syntax.
    """
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, fields: Mapping[str, str]) -> str:
    """``template`` filled from ``fields``; a placeholder without a value reads as nothing."""
    if "{" not in template:
        return template
    text = template.format_map(_Fields(fields))
    return _SPACES.sub(" ", text).strip()
