"""Questions about another provider's cloud are declined by retrieval itself, with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from index.scope import ScopeGuard
from knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def guard(kb: KnowledgeBase) -> ScopeGuard:
    return ScopeGuard(kb.other_clouds)


@pytest.mark.parametrize(
    ("question", "provider", "matched"),
    [
        ("阿里云ECS安全组怎么开放80端口", "Alibaba Cloud", "阿里云"),
        ("aliyun 安全组入方向规则", "Alibaba Cloud", "aliyun"),
        ("my ECS instance cannot be reached on port 22", "Alibaba Cloud", "ecs"),  # the product alone
        ("华为云安全组规则不生效", "Huawei Cloud", "华为云"),
        ("huawei cloud ecs security group", "Huawei Cloud", "huawei cloud"),  # a provider's name beats a product's
        ("AWS security group inbound rules", "AWS", "aws"),
        ("ec2实例的安全组怎么加规则", "AWS", "ec2"),  # a Latin name next to Chinese is still a word
        ("NACL vs security group", "AWS", "nacl"),
        ("Azure NSG priority", "Azure", "azure"),
        ("how do I edit an nsg rule", "Azure", "nsg"),
        ("GCP firewall rule for tcp 8080", "Google Cloud", "gcp"),
        ("googlecloud firewall", "Google Cloud", "googlecloud"),  # spaces are optional
        ("谷歌云防火墙规则怎么加", "Google Cloud", "谷歌云"),
    ],
)
def test_other_clouds_are_declined_with_the_provider(
    guard: ScopeGuard, question: str, provider: str, matched: str
) -> None:
    decline = guard.decline(question)
    assert decline is not None, question
    assert (decline.reason, decline.provider, decline.matched) == ("other_cloud", provider, matched)


@pytest.mark.parametrize(
    "question",
    [
        "从阿里云迁移到腾讯云后安全组怎么配",  # Tencent Cloud named alongside
        "migrated from aws, how do I set up security groups",  # moving to Tencent Cloud
        "腾讯云和aws的安全组有什么区别",  # a comparison that includes Tencent Cloud
        "my cvm was on azure before, which ports are blocked",
        "安全组怎么配置",  # no provider at all
        "it secs out after 30 secs",  # "ecs" inside a word is not ECS
        "the laws of networking",  # nor "aws" inside "laws"
    ],
)
def test_tencent_questions_are_not_declined(guard: ScopeGuard, question: str) -> None:
    assert guard.decline(question) is None


def test_the_retriever_declines_without_candidates(retriever: Any) -> None:
    result = retriever.ask("how do i open port 443 in an aws security group")
    assert result.declined is not None and result.declined.provider == "AWS"
    assert not result.confident and result.answer is None and result.candidates == ()


def test_a_tencent_question_naming_another_cloud_is_answered(retriever: Any) -> None:
    result = retriever.ask("从阿里云迁移到腾讯云后安全组怎么配")
    assert result.declined is None and result.candidates
