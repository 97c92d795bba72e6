"""Other providers' names are data: loaded, sourced, checked, and covered by the checksum."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import FaqFormatError, KnowledgeBase, load_knowledge
from knowledge.other_clouds import OTHER_CLOUDS_FILE, load_other_clouds

DATA = Path(__file__).resolve().parents[2] / "knowledge" / "data"


def test_the_shipped_file_names_the_five_providers(kb: KnowledgeBase) -> None:
    clouds = kb.other_clouds
    assert [p.provider for p in clouds.providers] == ["Alibaba Cloud", "Huawei Cloud", "AWS", "Azure", "Google Cloud"]
    assert {"阿里云", "华为云", "AWS", "Azure", "GCP", "谷歌云"}.issubset(
        {n for p in clouds.providers for n in p.names}
    )
    assert {"EC2", "ECS", "NSG", "NACL"}.issubset({n for p in clouds.providers for x in p.products for n in x.names})
    assert "腾讯云" in clouds.tencent_names and "迁移" in clouds.moving_words


def test_every_provider_and_product_cites_a_page(kb: KnowledgeBase) -> None:
    for provider in kb.other_clouds.providers:
        assert provider.source.startswith("https://"), provider.provider
        for product in provider.products:
            assert product.source.startswith("https://") and product.names, product.product


def test_no_generic_word_is_a_provider_name(kb: KnowledgeBase) -> None:
    """Words Tencent Cloud users use for Tencent's own products must never decline a question."""
    names = {
        n.casefold() for p in kb.other_clouds.providers for n in (*p.names, *(m for x in p.products for m in x.names))
    }
    assert not names & {"security group", "安全组", "firewall", "防火墙", "vpc", "network acl", "轻量应用服务器"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / OTHER_CLOUDS_FILE
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        # A provider without a source: the names must come from somewhere that can be checked.
        ("providers:\n  - provider: AWS\n    names: {en: [AWS]}\n", "has no 'source' URL", 2),
        # The same name under two providers would make the decline reason a guess.
        (
            "providers:\n  - provider: A\n    source: https://a.example/\n    names: {en: [ECS]}\n"
            "  - provider: B\n    source: https://b.example/\n    names: {en: [ecs]}\n",
            "is listed for B and for A",
            7,  # the line of the second listing
        ),
        # Tencent Cloud's own names cannot also be another provider's.
        (
            "providers:\n  - provider: A\n    source: https://a.example/\n    names: {en: [CVM]}\n"
            "tencent_cloud: {en: [CVM]}\n",
            "is listed for Tencent Cloud and for A",
            4,
        ),
        ("providers:\n  - provider: A\n    source: https://a.example/\n    names: {fr: [X]}\n", "must map en/zh", 2),
        ("providers:\n  - provider: A\n    source: https://a.example/\n", "has no names", 2),
        ("providers: AWS\n", "'providers' must be a list", 1),
    ],
)
def test_a_malformed_file_is_refused_with_file_and_line(tmp_path: Path, text: str, problem: str, line: int) -> None:
    with pytest.raises(FaqFormatError, match=problem) as caught:
        load_other_clouds(_write(tmp_path, text), OTHER_CLOUDS_FILE)
    assert caught.value.line == line and caught.value.path == OTHER_CLOUDS_FILE


def test_an_absent_file_means_no_other_clouds(tmp_path: Path) -> None:
    assert load_other_clouds(tmp_path / OTHER_CLOUDS_FILE, OTHER_CLOUDS_FILE).providers == ()


def test_the_checksum_covers_the_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(DATA, folder)
    with (folder / OTHER_CLOUDS_FILE).open("a", encoding="utf-8") as f:
        f.write("# a comment changes the bytes\n")
    assert load_knowledge(folder).checksum != kb.checksum
