"""The web chat widget: a demo support page at ``/`` and the one-line embed at ``/widget.js``.

The widget's sources are plain files in ``api/static`` (no build step): ``/widget.js`` is
their concatenation in one closure, with the stylesheet and the default Rasa URL baked in,
so a host page needs only the script tag. The widget talks to Rasa itself (socket.io, or
REST). Only when Rasa cannot be reached does it call this app: the FAQ search
(``POST /v1/answer``, ``GET /v1/faq/{id}``) at the app that served ``/widget.js`` (the
script's own URL without the file name; ``data-api-url`` on the script tag overrides it).
A site that embeds the widget must then be listed in ``HELPDESK_CORS_ORIGINS``.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.strict_json import api_router
from helpdesk.settings import Settings

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# In dependency order: each file uses only names defined by the ones before it.
SCRIPT_PARTS = (
    "widget-i18n.js",
    "widget-markdown.js",
    "widget-transport.js",
    "widget-cards.js",
    "widget-diagnosis.js",
    "widget-main.js",
)

router = api_router(tags=["widget"])

_DEMO_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "page_title": "云服务器端口与安全组 · 帮助中心（演示）",
        "brand": "帮助中心（演示页）",
        "heading": "云服务器端口与安全组帮助中心",
        "intro": "右下角的在线助手可以回答腾讯云 CVM 端口与安全组的问题，中英文均可。试试这样问：",
        "example_port": "“445 端口能用吗？”或“135-139 UDP 能用吗？”",
        "example_faq": "“如何开启某个端口？”“为什么安全组默认有一条拒绝规则？”",
        "example_sg": "“安全组 sg-12345678 为什么删不掉？ins-abcdefgh 在回收站”",
        "example_human": "“转人工”",
        "embed_heading": "在您的网站上嵌入",
        "embed_intro": "在页面中加入这一行即可（data-rasa-url 是 Rasa 服务的地址）：",
    },
    "en": {
        "html_lang": "en",
        "page_title": "CVM ports and security groups · Help center (demo)",
        "brand": "Help center (demo page)",
        "heading": "CVM ports and security groups help center",
        "intro": "The assistant at the bottom right answers questions about Tencent Cloud CVM ports and "
        "security groups, in English or Chinese. Try:",
        "example_port": '"Can I listen on port 445?" or "is UDP 135-139 blocked?"',
        "example_faq": '"How do I open a port?", "Why is there a deny rule in my security group by default?"',
        "example_sg": '"Why can\'t I delete sg-12345678? ins-abcdefgh is in the recycle bin"',
        "example_human": '"I want to talk to a human"',
        "embed_heading": "Embed it on your site",
        "embed_intro": "Add this one line to a page (data-rasa-url is where the Rasa server is):",
    },
}


def get_settings_of(request: Request) -> Settings:
    """The app's settings (``create_app`` keeps them on ``app.state``)."""
    settings: Settings = request.app.state.settings
    return settings


def get_rasa_url(settings: Annotated[Settings, Depends(get_settings_of)]) -> str:
    """The Rasa server the widget talks to (``HELPDESK_RASA_URL``, validated at start)."""
    return settings.rasa_url


def get_public_url(settings: Annotated[Settings, Depends(get_settings_of)]) -> str:
    """The app's own public URL (``HELPDESK_PUBLIC_URL``), never the request's Host header."""
    return settings.effective_public_url


RasaUrlDep = Annotated[str, Depends(get_rasa_url)]
PublicUrlDep = Annotated[str, Depends(get_public_url)]


@lru_cache(maxsize=1)
def _static_sources() -> tuple[str, str, str]:
    """(the widget's scripts joined, its stylesheet, the demo page template), read once."""
    scripts = "\n".join(f"// ---- {name}\n{(STATIC_DIR / name).read_text(encoding='utf-8')}" for name in SCRIPT_PARTS)
    css = (STATIC_DIR / "widget.css").read_text(encoding="utf-8")
    demo = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
    return scripts, css, demo


def widget_script(default_rasa_url: str) -> str:
    """The whole of ``/widget.js``: every part inside one closure, nothing global but the API."""
    scripts, css, _ = _static_sources()
    # json.dumps escapes quotes, backslashes and U+2028/2029 (ensure_ascii), so both
    # values are inert JavaScript string literals.
    return (
        "/*! cvm-helpdesk web widget: served by api/routes/widget.py from api/static/widget-*.js */\n"
        "(() => {\n"
        '"use strict";\n'
        "const SCRIPT = document.currentScript || document.querySelector('script[src*=\"widget.js\"]');\n"
        f"const DEFAULT_RASA_URL = {json.dumps(default_rasa_url)};\n"
        f"const WIDGET_CSS = {json.dumps(css)};\n"
        f"{scripts}\n"
        "start(SCRIPT);\n"
        "})();\n"
    )


def _content_security_policy(rasa_url: str) -> str:
    """The demo page's CSP: only our own script, and connections only to Rasa."""
    parts = urlsplit(rasa_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    rasa = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self' {rasa} {ws_scheme}://{parts.netloc}; "
        # No framing, as X-Frame-Options: DENY says too (the widget is a script, never a frame).
        "base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"
    )


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
def demo_page(
    rasa_url: RasaUrlDep, public_url: PublicUrlDep, lang: Annotated[Literal["zh", "en"], Query()] = "zh"
) -> HTMLResponse:
    """A demo support page that embeds the widget, in Chinese or English (``?lang=en``).

    The embed snippet points at ``HELPDESK_PUBLIC_URL``: a page never reflects the request's Host.
    """
    _, _, template = _static_sources()
    widget_src = f"{public_url}/widget.js"
    snippet = f'<script src="{widget_src}" data-rasa-url="{rasa_url}" defer></script>'
    values = {**_DEMO_TEXT[lang], "rasa_url": rasa_url, "embed_snippet": snippet}
    page = Template(template).substitute({k: html.escape(v, quote=True) for k, v in values.items()})
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": _content_security_policy(rasa_url),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.api_route("/widget.js", methods=["GET", "HEAD"], name="widget_js", include_in_schema=False)
def widget_js(request: Request, rasa_url: RasaUrlDep) -> Response:
    """The embeddable widget; ``data-rasa-url`` on its script tag overrides the server's Rasa URL,
    ``data-api-url`` the app for the FAQ search when Rasa is down (by default where this script is)."""
    body = widget_script(rasa_url).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
