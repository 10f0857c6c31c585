"""Small middleware: Secure cookies under HTTPS, JSON errors under /api/, and idempotent
state-changing requests (after authentication)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from idrenew.core.errors import (
    AppError,
    IdempotencyInProgress,
    IdempotencyKeyConflict,
    IdempotencyKeyRequired,
    status_error_body,
)
from idrenew.lib.crypto import DecryptionError, decrypt_bytes, encrypt_bytes

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]


def secure_cookies_under_https(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response

    return middleware


API_PREFIX = "/api/"
_KEEP_HEADERS = {"content-type", "content-length"}


def api_errors_as_json(get_response: Handler) -> Handler:
    """Every error under /api/ in the one JSON shape: Django's own answers (unknown path,
    wrong method, a broken request, a server error page with its traceback) are replaced by
    the coded body for their status. Server errors are logged where they happen (Django's
    request logger, or the API's handler), never sent."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or str(response.get("Content-Type", "")).startswith("application/json")
        ):
            return response
        detail = None
        if response.status_code == 405 and response.has_header("Allow"):
            allowed = [m.strip() for m in response["Allow"].split(",") if m.strip()]
            detail = {"allowed": allowed}
        replaced = JsonResponse(
            status_error_body(response.status_code, detail=detail),
            status=response.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        for header, value in response.items():
            if header.lower() not in _KEEP_HEADERS:
                replaced[header] = value
        replaced.cookies = response.cookies
        replaced["Content-Length"] = str(len(replaced.content))
        return replaced

    return middleware


# Paths whose state-changing requests need a signed-in customer (checked here, before the
# body is read and before any replay) and must carry an Idempotency-Key; paths that may carry
# one without a customer (their answers hold no personal data).
IDEMPOTENCY_REQUIRED = ("/api/cases",)
IDEMPOTENCY_OPTIONAL = ("/api/auth/sms/send",)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY = 100
# A stored answer is replayed for a day at most (housekeeping deletes older records).
IDEMPOTENCY_RETENTION = timedelta(hours=24)


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
    """What makes two requests "the same" for an idempotency key (a keyed hash: the body may
    hold an account number). A multipart upload is compared by its fields and each file's
    bytes, not by its raw body: a browser retrying the same photo picks a new random
    boundary every time."""
    key = f"idempotency\x00{settings.LOOKUP_HASH_KEY}".encode()
    head = f"{request.method} {request.path}\n".encode()
    if request.content_type != "multipart/form-data":
        return hmac.new(key, head + request.body, "sha256").hexdigest()
    digest = hmac.new(key, head, "sha256")
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


def _customer_scope(request: HttpRequest) -> str:
    """Authenticate as the API would (session cookie with CSRF, or bearer token), without
    reading the body first: raises NotSignedIn / SessionExpired / CsrfFailed."""
    from idrenew.core.auth import require_csrf
    from idrenew.verification.sessions import bearer_token, session_customer

    customer = session_customer(request)  # the session or token only: no body read
    if bearer_token(request) is None:
        require_csrf(request)
    return f"customer:{customer.pk}"


class IdempotencyMiddleware:
    """Authenticates customer-only requests, then replays the first answer to a request whose
    Idempotency-Key was seen before.

    On ``/api/cases`` a state-changing request without a live customer session (or token) is
    refused with the usual 401 before its body is read and before any stored answer is looked
    up: a replay goes only to the same, still signed-in customer. The key is scoped to that
    customer (anonymous scope only on the anonymous paths); the same key with a different
    body is refused; a request still running makes a concurrent retry wait. Stored answers
    are encrypted at rest and replayed for 24 hours. Auth, CSRF, rate-limit and server
    errors are not stored, so a retry may get past them.
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
        scope = "anonymous"
        if required:
            try:
                scope = _customer_scope(request)
            except AppError as exc:
                return _error(exc)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            if required:
                return _error(IdempotencyKeyRequired())
            return self.get_response(request)
        if len(key) > MAX_KEY:
            return _error(IdempotencyKeyRequired("幂等标识格式不正确，请刷新页面后重试"))
        try:
            return self._handle(request, scope, key)
        except AppError as exc:  # the body over its limit, or not parseable
            return _error(exc)

    def _handle(self, request: HttpRequest, scope: str, key: str) -> HttpResponse:
        from idrenew.core.models import IdempotencyRecord

        digest = _request_digest_or_refusal(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=digest)
        except IntegrityError:
            previous = IdempotencyRecord.objects.get(scope=scope, key=key)
            replay = self._replay(previous, digest)
            if replay is not None:
                return replay
            # Too old or unreadable: forget it and treat the request as new.
            IdempotencyRecord.objects.filter(pk=previous.pk).delete()
            return self._handle(request, scope, key)

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
            response_body=encrypt_bytes(response.content),
            content_type=response.get("Content-Type", ""),
        )
        return response

    @staticmethod
    def _replay(previous: object, digest: str) -> HttpResponse | None:
        from idrenew.core.models import IdempotencyRecord

        assert isinstance(previous, IdempotencyRecord)
        if previous.created_at < timezone.now() - IDEMPOTENCY_RETENTION:
            return None
        if not hmac.compare_digest(previous.request_hash, digest):
            return _error(IdempotencyKeyConflict())
        if previous.status_code is None:
            return _error(IdempotencyInProgress())
        try:
            body = decrypt_bytes(bytes(previous.response_body or b""))
        except DecryptionError:
            logger.warning("idempotency record %s cannot be decrypted: dropped", previous.pk)
            return None
        response = HttpResponse(
            body,
            status=previous.status_code,
            content_type=previous.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response


def _request_digest_or_refusal(request: HttpRequest) -> str:
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
    from django.http import UnreadablePostError
    from django.http.multipartparser import MultiPartParserError

    from idrenew.core.errors import RequestMalformed, RequestTooLarge

    try:
        return request_digest(request)
    except RequestDataTooBig:
        raise RequestTooLarge() from None
    except (MultiPartParserError, SuspiciousOperation, UnreadablePostError):
        raise RequestMalformed() from None


def replay_body(response: HttpResponse) -> dict[str, object]:
    """Decode a JSON response body (for tests and tools)."""
    return dict(json.loads(response.content))
