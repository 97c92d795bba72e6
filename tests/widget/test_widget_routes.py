"""The widget's routes: the demo page, /widget.js, and the Rasa URL setting."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.routes import widget
from helpdesk.settings import Settings


def client_for(**settings: str) -> TestClient:
    app = FastAPI()
    app.state.settings = Settings(**settings)
    app.include_router(widget.router)
    return TestClient(app)


@pytest.fixture
def client() -> TestClient:
    return client_for()


def script_tag(page: str) -> str:
    match = re.search(r'<script src="[^"]*/widget\.js"[^>]*></script>', page)
    assert match, "the demo page embeds /widget.js"
    return match.group(0)


def test_demo_page_embeds_the_widget_with_the_configured_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_RASA_URL", "https://rasa.example.com:8443/bot/")
    r = client_for().get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text
    assert script_tag(r.text) == (
        '<script src="/widget.js" data-rasa-url="https://rasa.example.com:8443/bot" data-open="true" defer></script>'
    )
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self' https://rasa.example.com:8443 wss://rasa.example.com:8443;" in csp


def test_rasa_url_comes_from_the_settings_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HELPDESK_RASA_URL", raising=False)
    assert 'data-rasa-url="http://127.0.0.1:5005"' in client_for().get("/").text
    monkeypatch.setenv("HELPDESK_RASA_URL", "http://10.0.0.5:5005")
    assert 'data-rasa-url="http://10.0.0.5:5005"' in client_for().get("/").text


def test_the_embed_snippet_never_reflects_the_host_header() -> None:
    page = client_for(public_url="https://help.example.com").get("/", headers={"Host": "evil.example"}).text
    assert "&lt;script src=&quot;https://help.example.com/widget.js&quot;" in page  # the snippet, as text
    assert "evil.example" not in page


@pytest.mark.parametrize(
    "value",
    [
        "127.0.0.1:5005",  # no scheme
        "ws://127.0.0.1:5005",  # the widget derives ws:// itself
        "javascript:alert(1)",
        'http://rasa.example/"><script>alert(1)</script>',  # would break out of the attribute
        "http://rasa.example; script-src *",  # would widen the page's CSP
        "http://rasa.example/?a=1",
    ],
)
def test_a_bad_rasa_url_stops_the_app_at_start_naming_the_setting(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_RASA_URL", value)
    with pytest.raises(ValidationError, match="HELPDESK_RASA_URL must be an http"):
        Settings()


@pytest.mark.parametrize(
    ("lang", "html_lang", "heading"),
    [("zh", "zh-CN", "云服务器端口与安全组帮助中心"), ("en", "en", "CVM ports and security groups help center")],
)
def test_demo_page_language(lang: str, html_lang: str, heading: str, client: TestClient) -> None:
    page = client.get(f"/?lang={lang}").text
    assert f'<html lang="{html_lang}">' in page and f"<h1>{heading}</h1>" in page


def test_demo_page_refuses_an_unknown_language(client: TestClient) -> None:
    r = client.get("/?lang=fr")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "lang"]


def test_widget_js_is_one_self_contained_script() -> None:
    r = client_for(rasa_url="http://rasa.example:5005").get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    body = r.text
    assert 'const DEFAULT_RASA_URL = "http://rasa.example:5005";' in body
    assert "const WIDGET_CSS = " in body and ".launcher" in body
    for part in widget.SCRIPT_PARTS:
        assert f"// ---- {part}\n" in body
    assert body.startswith("/*!") and body.rstrip().endswith("start(SCRIPT);\n})();")
    # Nothing in the widget parses strings as HTML.
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function", body)


def test_widget_js_revalidates_by_etag(client: TestClient) -> None:
    first = client.get("/widget.js")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_the_app_serves_the_widget() -> None:
    """api.main includes this router (the lead wires it)."""
    from api.main import create_app

    # By route name: FastAPI 0.165 keeps included routers as one route each (no flat .path list).
    app = create_app()
    assert (app.url_path_for("demo_page"), app.url_path_for("widget_js")) == ("/", "/widget.js")
