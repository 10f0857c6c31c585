"""Serves the built H5 app (Vue) at /h5/ and every client-side route under it."""

from __future__ import annotations

import functools
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from idrenew.core.headers import CSP, PERMISSIONS_POLICY

BUNDLE_DIR = Path(__file__).resolve().parent / "static" / "h5"


@functools.cache
def _index_html(mtime: float) -> bytes:
    return (BUNDLE_DIR / "index.html").read_bytes()


@require_GET
@ensure_csrf_cookie
def app(request: HttpRequest, path: str = "") -> HttpResponse:
    index = BUNDLE_DIR / "index.html"
    if not index.exists():
        return HttpResponse(
            "H5 前端尚未构建：请运行 make frontend（需要 Node.js）。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(
        _index_html(index.stat().st_mtime), content_type="text/html; charset=utf-8"
    )
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-cache"
    response["Permissions-Policy"] = PERMISSIONS_POLICY
    return response
