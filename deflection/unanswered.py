"""The questions the bot could not answer, grouped by meaning, each offered as a new FAQ entry.

Declined questions are embedded with the index's own model (``retriever.embedder.encode``)
and grouped greedily: most-asked first, each joins the group whose leader it is most
similar to if that cosine is at least ``threshold``, or leads a new one. Greedy leader clustering is
deterministic, needs no number of groups up front, and is linear in the number of groups
per question, which is plenty for the few hundred distinct questions a dashboard shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from deflection import outcomes as oc
from deflection.analytics import Filters, apply_filters
from deflection.models import Turn
from knowledge.models import normalize_question

Encode = Callable[[Sequence[str]], Any]
MAX_EXAMPLES = 5


@dataclass
class UnansweredGroup:
    """Questions that mean the same thing, none of which the bot could answer."""

    id: str
    count: int
    examples: list[str]
    suggested_question: str
    languages: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "count": self.count,
            "examples": self.examples,
            "suggested_question": self.suggested_question,
            "languages": self.languages,
            # "Add to FAQ": the entry to write, in the FAQ file's format (a person writes the answer).
            "faq_draft": f"### {self.suggested_question}\n\n<answer>\n",
            "alternates": [e for e in self.examples if e != self.suggested_question],
        }


def declined_questions(engine: Engine, f: Filters, max_texts: int = 500) -> list[tuple[str, int, str]]:
    """Distinct declined texts (normalised), most asked first: (text as first written, count, language)."""
    query = (
        select(Turn.text, Turn.language, func.count())
        .where(Turn.outcome == oc.DECLINED, Turn.text != "")
        .group_by(Turn.text, Turn.language)
        .order_by(func.count().desc(), Turn.text)
        .limit(max_texts * 2)
    )
    merged: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for text, language, n in conn.execute(apply_filters(query, Turn, f)):
            if text.startswith("/"):
                continue  # a button payload, not words
            key = normalize_question(text)
            if key in merged:
                merged[key][1] += int(n)
            else:
                merged[key] = [" ".join(text.split()), int(n), language]
    ranked = sorted(merged.values(), key=lambda v: (-v[1], v[0]))[:max_texts]
    return [(t, n, lang) for t, n, lang in ranked]


def group_questions(
    questions: Sequence[tuple[str, int, str]], encode: Encode, threshold: float
) -> list[UnansweredGroup]:
    """Greedy leader clustering of ``questions`` (most asked first) by cosine ≥ ``threshold``."""
    if not questions:
        return []
    vectors = np.asarray(encode([q[0] for q in questions]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
    leaders: list[int] = []
    members: list[list[int]] = []
    for i in range(len(questions)):
        if leaders:
            sims = vectors[leaders] @ vectors[i]
            best = int(np.argmax(sims))
            if float(sims[best]) >= threshold:
                members[best].append(i)
                continue
        leaders.append(i)
        members.append([i])
    groups = []
    for leader, group in zip(leaders, members, strict=True):
        text = questions[leader][0]
        languages: dict[str, int] = {}
        for i in group:
            languages[questions[i][2]] = languages.get(questions[i][2], 0) + questions[i][1]
        groups.append(
            UnansweredGroup(
                id="ug-" + hashlib.sha1(normalize_question(text).encode("utf-8")).hexdigest()[:10],
                count=sum(questions[i][1] for i in group),
                examples=[questions[i][0] for i in group[:MAX_EXAMPLES]],
                suggested_question=text,
                languages=languages,
            )
        )
    groups.sort(key=lambda g: (-g.count, g.suggested_question))
    return groups


def unanswered(
    engine: Engine, f: Filters, encode: Encode, threshold: float, limit: int = 20, max_texts: int = 500
) -> list[UnansweredGroup]:
    """The ``limit`` largest groups of declined questions of the period."""
    return group_questions(declined_questions(engine, f, max_texts), encode, threshold)[:limit]
