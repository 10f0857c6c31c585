"""Request body limits, enforced before anything reads the body.

Each path has a limit: the upload endpoints their file limit (settings) plus a small margin
for the multipart envelope, every other API call ``IDRENEW_API_MAX_BODY_BYTES`` (JSON), the
rest of the site Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``. A request whose Content-Length is
over the limit is refused at once (413), a state-changing request with a body but no length
(chunked) too (411), and the body stream itself stops past the limit while it is read.
Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` covers only non-file fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from idrenew.core.errors import AppError, LengthRequired, RequestTooLarge

Handler = Callable[[HttpRequest], HttpResponse]
__all__ = ["CappedStream", "RequestBodyLimitMiddleware", "RequestTooLarge", "body_limit"]

ENVELOPE_MARGIN = 64 * 1024  # multipart boundaries, part headers, the other small fields
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

_IDCARD_UPLOAD = re.compile(r"^/api/cases/current/idcard/(front|back)$")


def body_limit(path: str) -> int:
    """The largest body (bytes) a request to ``path`` may send."""
    if path == "/api/cases/current/face/clip":
        return int(settings.IDRENEW_FACE_CLIP_MAX_BYTES) + ENVELOPE_MARGIN
    if _IDCARD_UPLOAD.match(path):
        return int(settings.IDRENEW_IDCARD_MAX_BYTES) + ENVELOPE_MARGIN
    if path.startswith("/api/"):
        return int(settings.IDRENEW_API_MAX_BODY_BYTES)
    if path == "/backoffice/verify":
        return int(settings.IDRENEW_SIGNING_VERIFY_MAX_BYTES) + ENVELOPE_MARGIN
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or 2_621_440


def too_large(path: str, limit: int) -> AppError:
    """The refusal of a body over ``limit``: an upload's own code (the H5 app already shows
    it: IMAGE_TOO_LARGE, FACE_CLIP_TOO_LARGE), else REQUEST_TOO_LARGE; ``detail.limit``."""
    if path == "/api/cases/current/face/clip":
        from idrenew.face.errors import ClipTooLarge

        return ClipTooLarge(detail={"limit": limit})
    if _IDCARD_UPLOAD.match(path):
        from idrenew.core.errors import CodedError
        from idrenew.idcard.domain.types import FILE_ERRORS

        code = "IMAGE_TOO_LARGE"
        return CodedError(code, FILE_ERRORS[code], status=413, detail={"limit": limit})
    return RequestTooLarge(detail={"limit": limit})


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int = ..., /) -> bytes: ...


class CappedStream:
    """A request body stream that raises :class:`RequestTooLarge` once more than ``limit``
    bytes were read (a body without a trustworthy length, or a server that passes it on)."""

    def __init__(self, stream: _Readable, *, limit: int, path: str = "") -> None:
        self.stream = stream
        self.limit = limit
        self.path = path
        self.consumed = 0

    def _count(self, chunk: bytes) -> bytes:
        self.consumed += len(chunk)
        if self.consumed > self.limit:
            raise too_large(self.path, self.limit)
        return chunk

    def read(self, size: int | None = -1, /) -> bytes:
        allowed = self.limit - self.consumed + 1  # one byte more tells "over the limit"
        if size is None or size < 0 or size > allowed:
            size = allowed
        return self._count(self.stream.read(size))

    def readline(self, size: int | None = -1, /) -> bytes:
        allowed = self.limit - self.consumed + 1
        if size is None or size < 0 or size > allowed:
            size = allowed
        return self._count(self.stream.readline(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _refusal(request: HttpRequest, error: AppError) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error.as_body(),
            status=error.http_status(),
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            error.message, status=error.http_status(), content_type="text/plain; charset=utf-8"
        )
    # Sent before CommonMiddleware would add it; the client can read the answer at once.
    response["Content-Length"] = str(len(response.content))
    return response


class RequestBodyLimitMiddleware:
    """Refuses a body over its path's limit from its Content-Length, before the session,
    CSRF or idempotency middleware (or a view) reads it; caps the stream for the rest."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path)
        meta = request.META
        raw_length = str(meta.get("CONTENT_LENGTH") or "").strip()
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                return _refusal(request, LengthRequired())
            if length < 0:
                return _refusal(request, LengthRequired())
            if length > limit:
                return _refusal(request, too_large(request.path, limit))
        elif request.method in UNSAFE and meta.get("HTTP_TRANSFER_ENCODING"):
            return _refusal(request, LengthRequired())
        stream = getattr(request, "_stream", None)
        if stream is not None:
            request._stream = CappedStream(  # type: ignore[assignment]
                stream, limit=limit, path=request.path
            )
        return self.get_response(request)
