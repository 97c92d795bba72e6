"""Numbers match whole: in the lexical signal, in the ranking, and in what an entry is about."""

from __future__ import annotations

from typing import Any

import pytest

from index.lexical import LexicalIndex, char_ngrams
from index.numbers import NumberSense, entry_numbers, numbers_in
from knowledge import KnowledgeBase

TCP_25 = "faq-2b2ba040"  # 为什么无法使用 TCP 25 端口连接外部地址，如何解禁？
BLOCKED = "faq-55fbf659"  # 腾讯云不支持哪些端口？ (the carrier-blocked port table)
OPEN_PORT = "faq-04eb5262"  # 为什么要开启端口？如何开启某个端口？ ("8080" there is an example)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("TCP 1025 能用吗", {1025}),
        ("tcp25端口", {25}),  # letters and digits written together still give the number
        ("ＴＣＰ２５", {25}),  # full-width digits are the same number
        ("port 025", {25}),  # leading zeros do not make another number
        ("UDP 135 - 139", {135, 136, 137, 138, 139}),  # a short range stands for every port in it
        ("ports 1000-2000", {1000, 2000}),  # a wide one is just its two ends
        ("安全组怎么配", set()),
    ],
)
def test_numbers_in(text: str, numbers: set[int]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    ("query", "document", "shared"),
    [
        ("1025", "25", False),  # the case: 25 inside 1025 is not 25
        ("4430", "443", False),
        ("port 25", "tcp25", True),
        ("udp 137", "UDP 135 - 139", True),  # inside the document's range
    ],
)
def test_lexical_grams_share_a_number_only_when_it_is_the_same(query: str, document: str, shared: bool) -> None:
    assert bool(set(char_ngrams(query)) & set(char_ngrams(document))) is shared


def test_a_number_scores_only_against_the_same_number() -> None:
    index = LexicalIndex(["TCP 25 端口", "TCP 1025 端口"])
    scores = index.similarities("1025")
    assert scores[0] == 0.0 and scores[1] > 0.0


def test_what_numbers_an_entry_is_about(kb: KnowledgeBase) -> None:
    tcp25 = entry_numbers(kb.get(TCP_25))
    assert tcp25.defining == {25} and 5 in tcp25.mentioned  # "5 个实例" is in its answer
    assert 12451 not in tcp25.mentioned  # numbers inside links are not the answer's
    blocked = entry_numbers(kb.get(BLOCKED))
    assert {1025, 4444, 9996, 136}.issubset(blocked.defining) and 25 not in blocked.defining
    # Its numbers are examples: an entry whose question and tables name no number defines none.
    assert entry_numbers(kb.get(OPEN_PORT)).defining == frozenset()


def test_number_sense_conflicts_and_matches(kb: KnowledgeBase) -> None:
    entries = list(kb.entries)
    sense = NumberSense(entries)
    position = {e.id: i for i, e in enumerate(entries)}
    conflicts, matches = sense.conflicts(frozenset({1025})), sense.matches(frozenset({1025}))
    assert conflicts[position[TCP_25]] and not conflicts[position[BLOCKED]] and not conflicts[position[OPEN_PORT]]
    assert matches[position[BLOCKED]] and not matches[position[TCP_25]]
    assert not any(sense.conflicts(frozenset()))  # a question without numbers is not judged on them


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("port 25 outbound", TCP_25),
        ("TCP 1025 能用吗", BLOCKED),  # 1025 is in the blocked table
        ("5554端口外面连不进来", BLOCKED),
    ],
)
def test_retrieval_follows_the_number(retriever: Any, question: str, expected: str) -> None:
    assert retriever.ask(question).candidates[0].entry.id == expected


def test_tcp_1025_is_not_answered_with_the_tcp_25_entry(retriever: Any) -> None:
    result = retriever.ask("TCP 1025 能用吗")
    top = result.candidates[0]
    assert not (top.entry.id == TCP_25 and result.confident), (top.entry.id, result.confidence)
    tcp25 = next((c for c in retriever.ask("TCP 1025 能用吗", 10).candidates if c.entry.id == TCP_25), None)
    assert tcp25 is None or tcp25.score < top.score - 0.05
