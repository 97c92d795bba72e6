"""English translations: one per FAQ entry, tied to its source, and unable to drift on facts."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge import Entry, FaqFormatError, KnowledgeBase, load_knowledge
from knowledge.markdown_faq import parse_faq
from knowledge.models import entry_id_for, normalize_question
from knowledge.translations import Translation, check_translation, load_translations

DATA = Path(__file__).resolve().parents[2] / "knowledge" / "data"
FAQ = "cvm-ports-security-groups-faq.md"
EN = DATA / "translations" / "en.yaml"

# Read at collection so that each entry is its own test case, named by its id.
CHINESE = {entry_id_for(raw.question): raw for raw in parse_faq(DATA / FAQ)}

# The test's own reading of the facts, written independently of knowledge/translations.py
# so that a mistake there cannot hide a drift here.
_URL_IN_LINK = re.compile(r"\]\(([^)\s]+)\)")
_ANY_URL = re.compile(r"\]\([^)\s]+\)|https?://\S+")
_NUMERIC_CELL = re.compile(r"[\d ,-]+")


def _urls(markdown: str) -> Counter[str]:
    return Counter(_URL_IN_LINK.findall(markdown))


def _numbers(text: str) -> Counter[int]:
    return Counter(int(n) for n in re.findall(r"[0-9]+", _ANY_URL.sub(" ", text)))


@pytest.fixture(scope="module")
def translations(kb: KnowledgeBase) -> dict[str, Translation]:
    return load_translations(DATA, kb.entries)["en"]


def _entry(kb: KnowledgeBase, question: str) -> Entry:
    return next(e for e in kb.entries if e.question == question)


def test_every_chinese_entry_has_exactly_one_english_translation(
    kb: KnowledgeBase, translations: dict[str, Translation]
) -> None:
    assert set(translations) == {e.id for e in kb.entries} == set(CHINESE)
    blocks = yaml.safe_load(EN.read_text(encoding="utf-8"))["entries"]
    counts = Counter(normalize_question(b["source_question"]) for b in blocks)
    assert counts == Counter(normalize_question(e.question) for e in kb.entries)
    assert all(t.language == "en" for t in translations.values())


@pytest.mark.parametrize("entry_id", sorted(CHINESE))
def test_translation_keeps_urls_numbers_and_table_rows(
    kb: KnowledgeBase, translations: dict[str, Translation], entry_id: str
) -> None:
    zh, en = kb.get(entry_id), translations[entry_id]
    name = f"{entry_id} {zh.question}"
    assert _urls(en.answer) == _urls(zh.answer), name
    assert _numbers(en.answer) == _numbers(zh.answer), name
    assert _numbers(en.question) == _numbers(zh.question), name
    assert len(en.tables) == len(zh.tables), name
    for zh_table, en_table in zip(zh.tables, en.tables, strict=True):
        assert len(en_table.header) == len(zh_table.header), name
        assert len(en_table.rows) == len(zh_table.rows), name
        for zh_row, en_row in zip(zh_table.rows, en_table.rows, strict=True):
            numeric = [i for i, cell in enumerate(zh_row) if _NUMERIC_CELL.fullmatch(cell)]
            assert [en_row[i] for i in numeric] == [zh_row[i] for i in numeric], name
    assert en.entry_id == zh.id and en.source_question == zh.question, name


def test_the_table_keeps_its_rows_and_translates_only_the_header(translations: dict[str, Translation]) -> None:
    (table,) = translations[entry_id_for("腾讯云不支持哪些端口？")].tables
    (source,) = CHINESE[entry_id_for("腾讯云不支持哪些端口？")].tables
    assert table.header == ("Protocol", "Unsupported ports")
    assert table.rows == source.rows


def test_the_yaml_says_it_is_a_translation_and_links_its_source(translations: dict[str, Translation]) -> None:
    data = yaml.safe_load(EN.read_text(encoding="utf-8"))
    sources = yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["files"]
    assert data["translation_of"] == FAQ and FAQ in sources
    assert data["language"] == "en" and isinstance(data["translated"], date)
    assert "translat" in data["method"].lower()
    # sources.yaml records no date for the FAQ, so the translation claims none either.
    assert ("source_checked" in data) == any("date" in k or "checked" in k for k in sources[FAQ])
    for t in translations.values():
        assert t.source_url == sources[FAQ]["url"]
        assert t.source.path.endswith("en.yaml") and t.translated == data["translated"]


def test_international_urls_are_tencent_cloud_international_pages(translations: dict[str, Translation]) -> None:
    # None is set today: no counterpart page could be verified. Any added later must be on the site.
    data = yaml.safe_load(EN.read_text(encoding="utf-8"))
    given = [data.get("international_url")] + [b.get("international_url") for b in data["entries"]]
    given += [t.international_url for t in translations.values()]
    for url in filter(None, given):
        assert url.startswith("https://www.tencentcloud.com/")


@pytest.mark.parametrize(
    ("question", "old", "new", "difference"),
    [
        # A changed port in the prose.
        ("为什么要开启端口？如何开启某个端口？", "port 8080", "port 8081", "missing [8080], not in the Chinese [8081]"),
        # A dropped link: the text stays, the URL goes.
        (
            "为什么无法使用 TCP 25 端口连接外部地址，如何解禁？",
            "[console](https://console.cloud.tencent.com/)",
            "console",
            "link URLs differ: missing ['https://console.cloud.tencent.com/']",
        ),
        # A changed anchor is a different URL.
        ("如何将安全组与 CVM 实例关联？", "-cvm-.E5", "-CVM-.E5", "link URLs differ"),
        # An extra table row, even one that repeats ports already listed.
        ("腾讯云不支持哪些端口？", "135 - 139 |", "135 - 139 |\n| TCP  | 42 |", "table 1 has 3 rows"),
        # A changed table cell (the number multiset catches it too).
        ("腾讯云不支持哪些端口？", " 1025 ", " 1024 ", "table 1 row 1 cell 2"),
        # A dropped quota number.
        (
            "为什么无法使用 TCP 25 端口连接外部地址，如何解禁？",
            "unblock 5 instances",
            "unblock instances",
            "missing [5]",
        ),
    ],
)
def test_a_drifted_copy_is_refused_naming_the_entry(
    kb: KnowledgeBase, translations: dict[str, Translation], question: str, old: str, new: str, difference: str
) -> None:
    entry = _entry(kb, question)
    good = translations[entry.id]
    assert old in good.answer
    check_translation(entry, good)
    with pytest.raises(FaqFormatError) as err:
        check_translation(entry, replace(good, answer=good.answer.replace(old, new, 1)))
    assert question in err.value.problem and entry.id in err.value.problem
    assert difference in err.value.problem
    assert "translate only the words" in err.value.fix


def test_a_changed_number_in_the_question_is_refused(kb: KnowledgeBase, translations: dict[str, Translation]) -> None:
    entry = _entry(kb, "为什么无法使用 TCP 25 端口连接外部地址，如何解禁？")
    drifted = replace(translations[entry.id], question="Why can't I use TCP port 26 to reach external addresses?")
    with pytest.raises(FaqFormatError, match=r"numbers in the question differ: missing \[25\]"):
        check_translation(entry, drifted)


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA, target)
    return target


def _edit_en(folder: Path, old: str, new: str) -> Path:
    path = folder / "translations" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_a_drifted_file_is_refused_at_load_with_file_and_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    path = _edit_en(folder, "| UDP  | 1026 1027", "| UDP  | 1026 1029")
    with pytest.raises(FaqFormatError) as err:
        load_translations(folder, kb.entries)
    assert err.value.path.endswith("en.yaml")
    assert err.value.line == _line_of(path, "source_question: 腾讯云不支持哪些端口？")
    assert "'腾讯云不支持哪些端口？'" in err.value.problem and "table 1 row 2 cell 2" in err.value.problem


@pytest.mark.parametrize(
    ("old", "new", "problem", "fix"),
    [
        # A question not written exactly as in the FAQ: the closest one is suggested.
        ("source_question: 如何配置安全组？", "source_question: 如何配置安全组", "does not have", "如何配置安全组？"),
        # Two blocks for one entry (and so none for another).
        (
            "source_question: 如何配置安全组？",
            "source_question: 如何创建安全组？",
            "'如何创建安全组？' is translated twice",
            "one block per entry",
        ),
        # A section heading that the FAQ does not have.
        ("  安全组相关: Security groups", "  安全组: Security groups", "'sections' translates", "one translation per"),
        # A misspelt key would otherwise be ignored.
        ("    question: Why is my service", "    qestion: Why is my service", "unknown keys", "check the spelling"),
        # An international page that is not on Tencent Cloud International.
        ("language: en", "language: en\ninternational_url: https://example.com/faq", "International page", "verified"),
        ("translated: 2026-12-05", "translated: soon", "'translated' must be a date", "YYYY-MM-DD"),
    ],
)
def test_malformed_translation_files_are_refused(
    kb: KnowledgeBase, tmp_path: Path, old: str, new: str, problem: str, fix: str
) -> None:
    folder = _copy_knowledge(tmp_path)
    _edit_en(folder, old, new)
    with pytest.raises(FaqFormatError) as err:
        load_translations(folder, kb.entries)
    assert problem in err.value.problem and fix in err.value.fix
    assert err.value.path.endswith("en.yaml") and err.value.line is not None


def test_an_untranslated_entry_loads_and_is_listed(tmp_path: Path) -> None:
    # A question added to the FAQ before its translation: served in Chinese, listed as untranslated.
    folder = _copy_knowledge(tmp_path)
    path = folder / "translations" / "en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"] = [b for b in data["entries"] if b["source_question"] != "安全组是否支持跨用户克隆？"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    kb = load_knowledge(folder)
    assert [e.question for e in kb.untranslated("en")] == ["安全组是否支持跨用户克隆？"]


def test_the_shipped_knowledge_has_every_entry_in_english(kb: KnowledgeBase) -> None:
    assert kb.untranslated("en") == ()
    assert set(kb.translations) == {"en"}


def test_a_second_file_translating_an_entry_again_is_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    shutil.copy(folder / "translations" / "en.yaml", folder / "translations" / "en-copy.yaml")
    with pytest.raises(FaqFormatError, match=r"is translated twice \(first at .*en-copy\.yaml:\d+\)"):
        load_translations(folder, kb.entries)


def test_a_folder_without_translations_has_none(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    shutil.rmtree(folder / "translations")
    assert load_translations(folder, kb.entries) == {}
