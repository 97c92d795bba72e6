"""Unanswered questions grouped by meaning, with the index's own embedding model."""

from __future__ import annotations

from typing import Any

from deflection.unanswered import group_questions

QUESTIONS = [
    ("忘记实例密码怎么办", 5, "zh"),
    ("网站备案需要多久", 4, "zh"),
    ("如何重置云服务器密码", 3, "zh"),
    ("ICP备案流程是什么", 2, "zh"),
    ("what's the price of bitcoin", 1, "en"),
]


def test_paraphrases_group_together_and_topics_apart(embedder: Any) -> None:
    groups = group_questions(QUESTIONS, embedder.encode, threshold=0.5)
    as_sets = [set(g.examples) for g in groups]
    assert {"忘记实例密码怎么办", "如何重置云服务器密码"} in as_sets
    assert {"网站备案需要多久", "ICP备案流程是什么"} in as_sets
    assert {"what's the price of bitcoin"} in as_sets
    top = groups[0]
    assert (top.count, top.suggested_question) == (8, "忘记实例密码怎么办")  # the most asked leads
    body = top.to_json()
    assert body["faq_draft"].startswith("### 忘记实例密码怎么办")
    assert body["alternates"] == ["如何重置云服务器密码"]
    assert top.id == group_questions(QUESTIONS, embedder.encode, threshold=0.5)[0].id  # stable ids


def test_no_declined_questions_no_groups(embedder: Any) -> None:
    assert group_questions([], embedder.encode, threshold=0.5) == []
