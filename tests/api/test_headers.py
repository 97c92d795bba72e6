"""Security headers agree with each other on every page; the API's docs pages have a CSP too."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/?lang=en", "/admin", "/docs", "/redoc", "/v1/faq", "/widget.js"]


@pytest.mark.parametrize("path", PAGES)
def test_framing_headers_agree(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["x-frame-options"] == "DENY"
    csp = r.headers.get("content-security-policy")
    if csp is not None:  # a script has no CSP of its own; every page and JSON answer does
        assert "frame-ancestors 'none'" in csp, csp


@pytest.mark.parametrize("path", ["/", "/admin", "/docs", "/redoc"])
def test_every_page_has_a_content_security_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp or "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]  # no inline script allowed


def test_the_docs_page_allows_exactly_its_own_inline_script(client: TestClient) -> None:
    r = client.get("/docs")
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in r.headers["content-security-policy"]
