"""What the desk covers: a question about another provider's cloud is declined before ranking.

The FAQ describes Tencent Cloud's console and rules; handed to someone asking about an
AWS security group or an Azure NSG, its steps would be wrong for them, however close
the wording. The provider vocabulary is data (``knowledge/data/other_clouds.yaml``).
A question that also names Tencent Cloud, or says the user is moving to it, is not
declined ("从阿里云迁移到腾讯云后安全组怎么配").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge.models import normalize_question
from knowledge.other_clouds import OtherClouds

DeclineReason = Literal["other_cloud"]


@dataclass(frozen=True)
class Decline:
    """Why retrieval declined a question without ranking it.

    ``reason`` is ``"other_cloud"``; ``provider`` the provider named, ``matched`` the
    words of the question that named it.
    """

    reason: DeclineReason
    provider: str
    matched: str


def _pattern(names: list[str]) -> re.Pattern[str] | None:
    """One regex for ``names``: case-insensitive, spaces optional, Latin names as whole words."""
    parts = []
    for name in sorted(set(names), key=len, reverse=True):  # longest first: "Amazon EC2" before "EC2"
        words = normalize_question(name).split()
        body = r"[\s_-]*".join(re.escape(w) for w in words)
        if body.isascii():
            body = rf"(?<![a-z0-9]){body}(?![a-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts)) if parts else None


class ScopeGuard:
    """Finds questions that are about another provider's cloud."""

    def __init__(self, clouds: OtherClouds) -> None:
        # Providers' own names are tried before product names, so "huawei cloud ecs" is
        # Huawei Cloud's although ECS is listed under Alibaba Cloud.
        self._by_name = [(p.provider, _pattern(list(p.names))) for p in clouds.providers]
        self._by_product = [(p.provider, _pattern([n for x in p.products for n in x.names])) for p in clouds.providers]
        self._tencent = _pattern(list(clouds.tencent_names) + list(clouds.moving_words))

    def decline(self, question: str) -> Decline | None:
        """A ``Decline`` when ``question`` names another provider, and neither Tencent Cloud
        nor a move to it; else None."""
        text = normalize_question(question)
        if self._tencent is not None and self._tencent.search(text):
            return None
        for provider, pattern in self._by_name + self._by_product:
            found = pattern.search(text) if pattern is not None else None
            if found:
                return Decline("other_cloud", provider, found.group(0))
        return None
