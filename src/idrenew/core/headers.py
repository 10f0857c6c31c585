"""Response headers every answer gets: one Content-Security-Policy on every HTML page, and
``Cache-Control: no-store`` on every API answer (they carry personal data).

The middleware sits right after Django's ``SecurityMiddleware`` and before WhiteNoise, so the
H5 index served from ``/static/h5/index.html`` gets the same policy as ``/h5/``. A view may
set its own stricter policy; the middleware leaves an existing header alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]

# Scripts only from our own files (no inline script, no eval, no other origin): the admin,
# the back office, Swagger UI at /api/docs and the H5 bundle all load theirs from /static/.
# Inline styles stay allowed: Vant and Swagger UI set style attributes at run time.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
# The H5 app records the liveness clip with the camera; nothing else needs a device.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"

API_PREFIX = "/api/"


def security_headers(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith(API_PREFIX):
            cache_control = response.get("Cache-Control", "")
            if "no-store" not in cache_control:
                response["Cache-Control"] = "no-store"
        return response

    return middleware
