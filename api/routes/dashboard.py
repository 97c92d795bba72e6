"""The admin dashboard: one static page and its assets, served by the app.

The page itself holds no data and needs no token: it asks for the admin token, keeps it
in the tab's ``sessionStorage`` and sends it as a Bearer header to the admin API
(``api/routes/admin.py``), which is where access is enforced. A strict Content Security
Policy (scripts and styles from this origin only, no inline script) is a second line of
defence behind the page's rule of rendering every value as text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse, RedirectResponse

from api.problems import ApiError
from api.strict_json import api_router

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "admin"
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = api_router(tags=["dashboard"], include_in_schema=False)


@router.get("/admin")
def dashboard_page() -> FileResponse:
    """The dashboard page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=_SECURITY_HEADERS)


@router.get("/admin/")
def dashboard_slash() -> RedirectResponse:
    return RedirectResponse("/admin", status_code=308)


@router.get("/admin/assets/{name}")
def dashboard_asset(name: str) -> FileResponse:
    """A script, stylesheet or icon of the page; only files directly in ``static/admin``."""
    path = STATIC_DIR / name
    media_type = _MEDIA_TYPES.get(path.suffix)
    # ``name`` is one path segment (the route cannot match a "/"); refuse anything else too.
    if media_type is None or name != path.name or name.startswith(".") or not path.is_file():
        raise ApiError.of(404, f"no dashboard asset named {name!r}", "not_found", loc=("path", "name"))
    return FileResponse(path, media_type=media_type, headers=_SECURITY_HEADERS)
