"""Small middleware: Secure cookies under HTTPS, and idempotent state-changing requests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from idrenew.core.errors import (
    AppError,
    IdempotencyInProgress,
    IdempotencyKeyConflict,
    IdempotencyKeyRequired,
)

Handler = Callable[[HttpRequest], HttpResponse]


def secure_cookies_under_https(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response

    return middleware


# Paths whose state-changing requests must carry an Idempotency-Key, and those that may.
IDEMPOTENCY_REQUIRED = ("/api/cases",)
IDEMPOTENCY_OPTIONAL = ("/api/auth/sms/send",)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY = 100


class _Stored:
    """Answers worth replaying: successes and business refusals. Not stored: auth, CSRF,
    rate-limit and server errors, which a retry with the same key may get past."""

    def __contains__(self, status: object) -> bool:
        return isinstance(status, int) and (status < 400 or status in {404, 409, 410, 422})


STORED = _Stored()


def _error(exc: AppError) -> JsonResponse:
    return JsonResponse(
        exc.as_body(), status=exc.http_status(), json_dumps_params={"ensure_ascii": False}
    )


def request_digest(request: HttpRequest) -> str:
    """What makes two requests "the same" for an idempotency key. A multipart upload is
    compared by its fields and each file's bytes, not by its raw body: a browser retrying
    the same photo picks a new random boundary every time."""
    head = f"{request.method} {request.path}\n".encode()
    if request.content_type != "multipart/form-data":
        return hashlib.sha256(head + request.body).hexdigest()
    digest = hashlib.sha256(head)
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"field {name}={value}\n".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(f"file {name}={content.hexdigest()}\n".encode())
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Replays the first answer to a request whose Idempotency-Key was seen before.

    The key is scoped to the signed-in customer (or to anonymous callers); the same key with
    a different body is refused; a request still running makes a concurrent retry wait.
    Auth, CSRF, rate-limit and server errors are not stored, so a retry may get past them.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE:
            return self.get_response(request)
        path = request.path
        required = path.startswith(IDEMPOTENCY_REQUIRED)
        if not required and not path.startswith(IDEMPOTENCY_OPTIONAL):
            return self.get_response(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            if required:
                return _error(IdempotencyKeyRequired())
            return self.get_response(request)
        if len(key) > MAX_KEY:
            return _error(IdempotencyKeyRequired("幂等标识格式不正确，请刷新页面后重试"))
        return self._handle(request, key)

    def _handle(self, request: HttpRequest, key: str) -> HttpResponse:
        from idrenew.core.models import IdempotencyRecord
        from idrenew.verification.sessions import session_peek

        customer_id = session_peek(request)
        scope = f"customer:{customer_id}" if customer_id else "anonymous"
        digest = request_digest(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=digest)
        except IntegrityError:
            previous = IdempotencyRecord.objects.get(scope=scope, key=key)
            if previous.request_hash != digest:
                return _error(IdempotencyKeyConflict())
            if previous.status_code is None:
                return _error(IdempotencyInProgress())
            response = HttpResponse(
                bytes(previous.response_body or b""),
                status=previous.status_code,
                content_type=previous.content_type or "application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response

        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code not in STORED or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=response.content,
            content_type=response.get("Content-Type", ""),
        )
        return response


def replay_body(response: HttpResponse) -> dict[str, object]:
    """Decode a JSON response body (for tests and tools)."""
    return dict(json.loads(response.content))
