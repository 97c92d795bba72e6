"""Writing accepted phrasings into alternates.yaml as text, keeping the file as people wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from deflection.alternates_file import add_alternate, with_alternate
from deflection.errors import SuggestionConflictError
from knowledge import load_knowledge

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
    with pytest.raises(SuggestionConflictError, match="another entry"):
        add_alternate(knowledge_copy, second.id, first.alternates[0])
    with pytest.raises(SuggestionConflictError, match="no FAQ entry"):
        add_alternate(knowledge_copy, "faq-00000000", "whatever")
    assert (knowledge_copy / "alternates.yaml").read_bytes() == before
