"""The API's own documentation pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``), with a
Content-Security-Policy like every other page of the app.

FastAPI's pages load their script and style from jsDelivr and Swagger UI starts itself
with one inline script; the policy allows exactly that script (by its hash) and those
hosts, nothing else, and no framing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.strict_json import api_router

CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = api_router(include_in_schema=False)


def _policy(script_hashes: list[str], extra_style: str = "", extra_font: str = "") -> str:
    scripts = " ".join([CDN, *(f"'sha256-{h}'" for h in script_hashes)])
    return (
        f"default-src 'none'; script-src {scripts}; style-src {CDN} 'unsafe-inline'{extra_style}; "
        f"img-src 'self' data: https://fastapi.tiangolo.com {CDN}; font-src {CDN}{extra_font}; connect-src 'self'; "
        "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _hashes(page: str) -> list[str]:
    """The base64 SHA-256 of each inline script, as a CSP hash source names it."""
    return [base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in _INLINE_SCRIPT.findall(page)]


@lru_cache(maxsize=1)
def _swagger() -> tuple[str, str]:
    page = bytes(get_swagger_ui_html(openapi_url="/openapi.json", title="cvm-helpdesk - Swagger UI").body).decode()
    return page, _policy(_hashes(page))


@lru_cache(maxsize=1)
def _redoc() -> tuple[str, str]:
    page = bytes(get_redoc_html(openapi_url="/openapi.json", title="cvm-helpdesk - ReDoc").body).decode()
    fonts = " https://fonts.googleapis.com"
    return page, _policy(_hashes(page), extra_style=fonts, extra_font=" https://fonts.gstatic.com")


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """Swagger UI over ``/openapi.json``."""
    page, policy = _swagger()
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc over ``/openapi.json``."""
    page, policy = _redoc()
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})
