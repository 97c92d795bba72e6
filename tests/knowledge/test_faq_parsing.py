"""FAQ ingestion: entries as written, links, tables, provenance, and rejected files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import FaqFormatError, KnowledgeBase, load_knowledge
from knowledge.markdown_faq import parse_faq_text

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "cvm-ports-security-groups-faq.md"
DATA = Path(__file__).resolve().parents[2] / "knowledge" / "data"


def test_shipped_faq_is_the_copy_sources_yaml_records() -> None:
    # The checksum recorded when the copy was taken: this holds in any clone.
    import hashlib

    import yaml

    recorded = yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["files"]
    for name, meta in recorded.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == meta["sha256"], name


def test_shipped_faq_is_the_seed_unchanged() -> None:
    if not SEED.exists():
        pytest.skip("shared/seed is not beside this checkout (a plain clone): the recorded checksum stands in")
    assert (DATA / "cvm-ports-security-groups-faq.md").read_bytes() == SEED.read_bytes()


def test_every_question_is_ingested_exactly_as_written(kb: KnowledgeBase) -> None:
    text = (DATA / "cvm-ports-security-groups-faq.md").read_text(encoding="utf-8")
    written = [line[4:].strip() for line in text.splitlines() if line.startswith("### ")]
    assert [e.question for e in kb.entries] == written
    assert len({e.id for e in kb.entries}) == len(written) == 18


def test_answers_keep_markdown_links_and_sources(kb: KnowledgeBase) -> None:
    entry = next(e for e in kb.entries if e.question == "为什么要开启端口？如何开启某个端口？")
    assert entry.section == "端口相关"
    assert "1. 登录 [安全组控制台](https://console.cloud.tencent.com/vpc/securitygroup)" in entry.answer
    assert entry.links[0] == "https://console.cloud.tencent.com/vpc/securitygroup"
    assert entry.source_url == "https://cloud.tencent.com/document/product/213/2502"
    assert entry.source.line == 2


def test_tables_become_structured_data(kb: KnowledgeBase) -> None:
    entry = next(e for e in kb.entries if e.question == "腾讯云不支持哪些端口？")
    (table,) = entry.tables
    assert table.header == ("协议", "不支持端口")
    assert [row[0] for row in table.rows] == ["TCP", "UDP"]


def test_blocked_port_table_is_extracted_with_ranges_and_provenance(kb: KnowledgeBase) -> None:
    tcp = sorted((b.first, b.last) for b in kb.blocked_ports if b.protocol == "tcp")
    udp = sorted((b.first, b.last) for b in kb.blocked_ports if b.protocol == "udp")
    # Independent literal copy of the FAQ table, so a parsing regression fails here.
    assert [p for p, _ in tcp] == [
        42,
        135,
        137,
        138,
        139,
        445,
        593,
        1025,
        1068,
        1434,
        3127,
        3128,
        3129,
        3130,
        4444,
        5554,
        9996,
    ]
    assert (135, 139) in udp and len(udp) == 9
    assert all(b.source.path.endswith("cvm-ports-security-groups-faq.md") for b in kb.blocked_ports)


def test_restricted_port_25_carries_the_faq_quota(kb: KnowledgeBase) -> None:
    (r,) = kb.restricted_ports
    assert (r.protocol, r.port, r.direction, r.quota) == ("tcp", 25, "egress", 5)
    assert kb.get(r.faq_id).question.startswith("为什么无法使用 TCP 25 端口")


def test_ids_are_stable_across_reordering() -> None:
    a = parse_faq_text("## S\n### Q1\nA1\n### Q2\nA2\n", "x.md")
    b = parse_faq_text("## S\n### Q2\nA2\n### Q1\nA1\n", "x.md")
    from knowledge.models import entry_id_for

    assert {entry_id_for(e.question) for e in a} == {entry_id_for(e.question) for e in b}


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("## S\n### Q1\n\n### Q2\nA\n", 2, "has no answer"),
        ("### Q\nA\n", 1, "before any '## ' section"),
        ("## S\n## T\n### Q\nA\n", 1, "has no questions"),
        ("## S\nintro\n### Q\nA\n", 2, "text between a section heading"),
        ("## S\n### Q\n| a | b |\n| --- | --- |\n| 1 |\n", 5, "table row has 1 cells"),
        # An empty file is not a FAQ.
        ("", None, "no questions found"),
    ],
)
def test_malformed_files_are_rejected_with_line_and_fix(text: str, line: int | None, problem: str) -> None:
    with pytest.raises(FaqFormatError) as err:
        parse_faq_text(text, "bad.md")
    assert err.value.line == line
    assert problem in err.value.problem
    assert err.value.fix
    assert str(err.value).startswith("bad.md")


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA, target)
    return target


def test_a_second_faq_file_needs_no_code_change(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "cbs-faq.md").write_text(
        "## 云硬盘\n### 云硬盘可以扩容吗？\n可以，见 [文档](https://example.com/cbs)。\n", encoding="utf-8"
    )
    with (folder / "sources.yaml").open("a", encoding="utf-8") as f:
        f.write("  cbs-faq.md:\n    title: CBS FAQ\n    url: https://example.com/cbs-faq\n")
    kb = load_knowledge(folder)
    added = next(e for e in kb.entries if e.question == "云硬盘可以扩容吗？")
    assert added.source_url == "https://example.com/cbs-faq"
    assert added.links == ("https://example.com/cbs",)


def test_duplicate_question_across_files_is_rejected(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "dup.md").write_text("## X\n### 如何创建安全组？\n另一个答案\n", encoding="utf-8")
    with (folder / "sources.yaml").open("a", encoding="utf-8") as f:
        f.write("  dup.md:\n    url: https://example.com/dup\n")
    with pytest.raises(FaqFormatError, match=r"dup.md:2: duplicate question '如何创建安全组？' \(first at .*:\d+\)"):
        load_knowledge(folder)


def test_faq_file_without_source_is_rejected(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "nosource.md").write_text("## X\n### 新问题？\n答案\n", encoding="utf-8")
    with pytest.raises(FaqFormatError, match=r"nosource\.md has no source entry"):
        load_knowledge(folder)


def test_alternate_for_missing_entry_is_rejected_with_suggestion(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "alternates.yaml").write_text(
        "alternates:\n  - question: 如何创建安全组\n    phrasings: [怎么建安全组]\n", encoding="utf-8"
    )
    with pytest.raises(FaqFormatError) as err:
        load_knowledge(folder)
    assert err.value.line == 2
    assert "no FAQ file has" in err.value.problem and "如何创建安全组？" in err.value.fix


def test_duplicate_alternate_is_rejected(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "alternates.yaml").write_text(
        "alternates:\n  - question: 如何创建安全组？\n    phrasings: [建安全组]\n"
        "  - question: 如何配置安全组？\n    phrasings: [建安全组]\n",
        encoding="utf-8",
    )
    with pytest.raises(FaqFormatError, match="listed twice"):
        load_knowledge(folder)


@pytest.mark.parametrize(
    ("file", "text", "line"),
    [
        ("alternates.yaml", "alternates:\n  - question: 如何创建安全组？\n    phrasings: [建安全组, '  ']\n", 2),
        ("alternates.yaml", "alternates:\n  - question: 如何创建安全组？\n    phrasings: 建安全组\n", 2),
        ("out_of_scope.yaml", "phrasings:\n  - 今天天气怎么样\n  - 42\n", 1),
    ],
)
def test_a_phrasing_list_that_is_not_a_list_of_texts_is_rejected(
    tmp_path: Path, file: str, text: str, line: int
) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / file).write_text(text, encoding="utf-8")
    with pytest.raises(FaqFormatError) as err:
        load_knowledge(folder)
    assert "must be a list of non-empty strings" in err.value.problem and err.value.line == line
    assert "one '- phrasing' per line" in err.value.fix


def test_fact_pointing_at_changed_faq_is_rejected(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    facts = (folder / "facts.yaml").read_text(encoding="utf-8").replace("个实例", "台机器")
    (folder / "facts.yaml").write_text(facts, encoding="utf-8")
    with pytest.raises(FaqFormatError, match="quota_pattern does not match"):
        load_knowledge(folder)
