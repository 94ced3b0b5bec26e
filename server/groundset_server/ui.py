"""The web UI's static files (``ui/`` built by ``just ui::build`` into ``ui_dist/``), served at ``/``.

- ``/assets/...``: Vite's content-hashed files, cached for a year (``immutable``): a new build
  names its files anew.
- any other file at the top of ``ui_dist`` (``favicon.svg``): served as is, revalidated.
Asked by the app's 404 handler, so the API's routing (its 404s and 405s) is untouched:

- ``/`` and any other GET that accepts ``text/html`` and is not the API's (``/v1/...``,
  ``/health``, ``/openapi.json``, ``/docs``, ``/redoc``): ``index.html`` with ``no-cache``, so
  every page of the single-page app has a URL that can be shared and a new build is seen at once.
- a server built without the UI (no ``ui_dist/index.html``): those requests answer 404 problem
  ``ui_not_built`` naming ``just ui::build``.

The UI's pages are not behind the API key; the API they call is."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse

from groundset_server.config import UI_DIST
from groundset_server.problems import Problem

_API_PREFIXES = ("v1/", "health/", "openapi.json/", "docs/", "redoc/")
_API_PATHS = frozenset({"v1", "health", "openapi.json", "docs", "redoc"})
_ASSET_CACHE = "public, max-age=31536000, immutable"


def _is_api(path: str) -> bool:
    return path in _API_PATHS or path.startswith(_API_PREFIXES)


def _accepts_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def _file_in(root: Path, path: str) -> Path | None:
    """``root / path`` when it is a file inside ``root`` (no ``..`` or link out of it)."""
    if not path or "\x00" in path:
        return None
    try:
        root = root.resolve()
        candidate = (root / path).resolve()
    except (OSError, ValueError):
        return None
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    return None


def not_built(dist: Path) -> Problem:
    return Problem(
        404,
        "ui_not_built",
        f"this server was built without its web UI ({dist / 'index.html'} is missing): run "
        "`just ui::build` (or `just build`) and install the server again; the REST API is at /v1",
    )


def ui_response(request: Request, dist: Path = UI_DIST) -> Response | None:
    """The UI's answer to a GET or HEAD that no API route took (the app's 404 handler asks),
    or None when it is not the UI's (the API's paths, other methods): then the 404 stands.
    Raises :class:`Problem` 404 ``ui_not_built`` for a page when ``dist`` has no index.html."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.url.path.lstrip("/")
    if _is_api(path):
        return None
    if path.startswith("assets/"):
        found = _file_in(dist / "assets", path.removeprefix("assets/"))
        return None if found is None else FileResponse(found, headers={"cache-control": _ASSET_CACHE})
    if path:
        found = _file_in(dist, path)
        if found is not None and found.name != "index.html":
            return FileResponse(found, headers={"cache-control": "no-cache"})
        if not _accepts_html(request):
            return None
    index_html = dist / "index.html"
    if not index_html.is_file():
        raise not_built(dist)
    return FileResponse(index_html, media_type="text/html", headers={"cache-control": "no-cache"})
