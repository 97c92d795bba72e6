"""An English reader's FAQ answer in the widget: the curated translation, said to be one, with the
original question and a link to the original page; a Chinese reader's card is as before."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

SOURCE = "https://cloud.tencent.com/document/product/213/2502"


def faq_answer(translated: bool) -> list[dict[str, Any]]:
    custom: dict[str, Any] = {
        "kind": "faq_answer",
        "language": "en" if translated else "zh",
        "faq_id": "faq-1",
        "question": "Which ports does Tencent Cloud not support?" if translated else "腾讯云不支持哪些端口？",
        "answer_markdown": "| Protocol | Unsupported ports |\n| ---- | ---- |\n| TCP | 445 |",
        "source_url": SOURCE,
        "translated_from": "zh" if translated else None,
        "original_question": "腾讯云不支持哪些端口？",
    }
    return [{"text": "", "custom": custom}]


def test_a_translated_answer_says_so_and_links_the_original(
    fake_rasa_url: str, widget_page: Any, play_rasa: Any
) -> None:
    play_rasa.socket(widget_page.page, lambda text: faq_answer(translated=True))
    widget_page.open(fake_rasa_url + "/?lang=en")
    widget_page.connected()
    card = widget_page.ask("which ports are blocked?", "faq_answer")
    assert card.locator(".faq-question").inner_text() == "Which ports does Tencent Cloud not support?"
    note = card.locator(".faq-translated").inner_text()
    assert note == "Translated from the Chinese FAQ; original question: 腾讯云不支持哪些端口？"
    link = card.locator("a.source")
    assert link.get_attribute("href") == SOURCE and link.inner_text().startswith("Original (Chinese)")


def test_a_chinese_readers_card_has_no_translation_note(fake_rasa_url: str, widget_page: Any, play_rasa: Any) -> None:
    play_rasa.socket(widget_page.page, lambda text: faq_answer(translated=False))
    widget_page.open(fake_rasa_url)
    widget_page.connected()
    card = widget_page.ask("哪些端口不能用", "faq_answer")
    assert card.locator(".faq-translated").count() == 0
    assert card.locator("a.source").inner_text().startswith("查看原文")
