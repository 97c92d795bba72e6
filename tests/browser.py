"""One headless Debian Chromium for every browser test (the widget's and the dashboard's).

Playwright's sync API runs its own event loop in the calling thread, so a test session
can hold only one ``sync_playwright()``: the browser is started once here and shared.
Registered as a pytest plugin by tests/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; fails (never skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"no chromium at {CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM; "
            "the browser tests need a real browser and do not skip without it.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[dev]' (never 'playwright install')", pytrace=False)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
