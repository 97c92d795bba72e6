"""The bot's paste test (contract/pastes.py, run by the NLU component) and the app's evidence
readers (evidence.registry.detect) agree on what a paste is and its format: on every real
paste of tests/evidence/data, alone and inside a sentence, and on every sentence the bot is
trained or tested on (none is a paste). What it costs on the worst inputs under the size limit
is measured by benchmarks/nlu_worst_case.py, which times every pipeline component."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from contract.pastes import PASTE_FORMATS, has_paste, paste_format
from evidence.registry import detect

REPO = Path(__file__).resolve().parents[2]
PASTES = sorted(
    p
    for folder in ("tests/evidence/data", "tests/diagnosis/data")
    for p in (REPO / folder).rglob("*")
    if p.is_file() and p.suffix != ".md"
)
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _sentences() -> list[str]:
    found = []
    for path in [*sorted((REPO / "bot" / "data" / "nlu").glob("*.yml")), REPO / "bot" / "tests" / "nlu_heldout.yml"]:
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.append(_ANNOTATION.sub(r"\1", line.strip()[2:]))
    return found


@pytest.mark.parametrize("path", PASTES, ids=lambda p: str(p.relative_to(REPO / "tests")))
@pytest.mark.parametrize("around", ["alone", "in a sentence"])
def test_the_bot_and_the_app_agree_on_every_real_paste(path: Path, around: str) -> None:
    text = path.read_text(encoding="utf-8")
    if around == "in a sentence":
        text = f"我的服务器从外面连不上，帮我看看：\n{text}\n是不是这里的问题？"
    assert paste_format(text) == detect(text)


def test_the_real_pastes_cover_the_formats_the_bot_recognises() -> None:
    found = {paste_format(p.read_text(encoding="utf-8")) for p in PASTES}
    # netsh is recognised (and refused by the app's reader); no real paste of it is kept here.
    assert set(PASTE_FORMATS) - found <= {"netsh"}


def test_no_sentence_of_the_nlu_data_is_a_paste() -> None:
    sentences = _sentences()
    assert len(sentences) > 500
    pasted = [s for s in sentences if has_paste(s) or detect(s) is not None]
    assert pasted == []


@pytest.mark.parametrize(
    "text",
    [
        "445端口能用吗",
        "iptables -A INPUT -p tcp --dport 80 -j ACCEPT 加了还是不行",  # a command in a sentence is not output
        '{"a": 1}',
        "Status: 我不知道",
        '/choose_faq{"faq_id": "faq-1a2b3c4d"}',  # a button payload
        "",
    ],
)
def test_sentences_that_look_technical_are_not_pastes(text: str) -> None:
    assert paste_format(text) is None
