"""``helpdesk faq list`` shows every entry in both languages and where each text stands."""

from __future__ import annotations

from typer.testing import CliRunner

from helpdesk.cli import app


def test_faq_list_shows_both_languages_and_dates() -> None:
    result = CliRunner().invoke(app, ["faq", "list"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "腾讯云不支持哪些端口？" in result.output
    assert "Which ports does Tencent Cloud not support?" in result.output
    assert "copied 2026-11-29 from https://cloud.tencent.com/document/product/213/2502" in result.output
    assert "translation (en): made 2026-12-05; 0 entries not translated" in result.output
