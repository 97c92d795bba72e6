"""Writing accepted phrasings into alternates.yaml, keeping the file as people wrote it (a YAML round trip)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import AlternateRefusedError, load_knowledge
from knowledge.alternates_writer import add_alternate, with_alternate
from knowledge.catalog import DEFAULT_KNOWLEDGE_DIR


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    return target


SOURCE = """# header comment
alternates:
  - question: "第一个问题？"
    phrasings:
      - "one"
      - "two"

  - question: "第二个问题？"
    phrasings:
      - "three"
"""


@pytest.mark.parametrize(
    ("question", "expected_tail"),
    [
        # an existing block: the line goes after its last phrasing, before the blank line
        ("第一个问题？", '      - "two"\n      - "new \\"quoted\\" 短语"\n\n  - question: "第二个问题？"'),
        # the last block
        ("第二个问题？", '      - "three"\n      - "new \\"quoted\\" 短语"\n'),
        # a question without a block gets one at the end
        ("第三个问题？", '  - question: "第三个问题？"\n    phrasings:\n      - "new \\"quoted\\" 短语"\n'),
    ],
)
def test_with_alternate_inserts_one_line(question: str, expected_tail: str) -> None:
    updated = with_alternate(SOURCE, question, 'new "quoted" 短语')
    assert updated.startswith("# header comment\nalternates:\n")
    assert expected_tail in updated
    blocks = {b["question"]: b["phrasings"] for b in yaml.safe_load(updated)["alternates"]}
    assert 'new "quoted" 短语' in blocks[question]


def test_add_alternate_validates_and_writes(knowledge_copy: Path) -> None:
    entry = load_knowledge(knowledge_copy).entries[3]
    assert add_alternate(knowledge_copy, entry.id, "  which ports   does tencent block  ") is True
    assert "which ports does tencent block" in load_knowledge(knowledge_copy).get(entry.id).alternates
    # Already there (case and spacing aside): nothing to write.
    assert add_alternate(knowledge_copy, entry.id, "Which ports does Tencent block") is False


def test_a_phrasing_of_another_entry_is_refused(knowledge_copy: Path) -> None:
    kb = load_knowledge(knowledge_copy)
    first, second = kb.entries[0], kb.entries[1]
    before = (knowledge_copy / "alternates.yaml").read_bytes()
    with pytest.raises(AlternateRefusedError, match="another entry"):
        add_alternate(knowledge_copy, second.id, first.alternates[0])
    with pytest.raises(AlternateRefusedError, match="no FAQ entry"):
        add_alternate(knowledge_copy, "faq-00000000", "whatever")
    assert (knowledge_copy / "alternates.yaml").read_bytes() == before


def test_the_shipped_file_changes_by_exactly_the_new_line(knowledge_copy: Path) -> None:
    # A round trip keeps every comment, blank line and quote of the curated file.
    path = knowledge_copy / "alternates.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    entry = load_knowledge(knowledge_copy).entries[5]
    assert add_alternate(knowledge_copy, entry.id, "a brand new way to ask this")
    after = path.read_text(encoding="utf-8").splitlines()
    added = [line for line in difflib.ndiff(before, after) if line.startswith(("+ ", "- "))]
    assert added == ['+       - "a brand new way to ask this"']


def test_comments_inside_a_block_are_kept() -> None:
    source = SOURCE.replace('      - "one"\n', '      # why this phrasing\n      - "one"\n')
    updated = with_alternate(source, "第一个问题？", "new")
    assert "      # why this phrasing\n" in updated and '      - "new"\n' in updated
