"""The customer API: one NinjaAPI, one error shape, one exception handler."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from idrenew.core.api_schema import ContractAPI
from idrenew.core.errors import (
    AppError,
    NotSignedIn,
    RequestMalformed,
    RequestTooLarge,
    ValidationFailed,
    status_error_body,
)

logger = logging.getLogger(__name__)

api = ContractAPI(
    title="idrenew 证件更新 API",
    version="1",
    description=(
        "证件更新（身份证有效期更新）客户端接口。"
        "错误统一为 {code, message, retryable, fields, detail}。"
    ),
    urls_namespace="api",
    docs_url="/docs",
)

_FIELD_MESSAGES = {
    "missing": "不能为空",
    "string_too_short": "长度不足",
    "string_too_long": "长度超出限制",
    "string_pattern_mismatch": "格式不正确",
    "extra_forbidden": "不支持的字段",
    "string_type": "应为文本",
}


@api.exception_handler(AppError)
def on_app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return api.create_response(request, exc.as_body(), status=exc.http_status())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        name = ".".join(loc) or "request"
        fields[name] = _FIELD_MESSAGES.get(str(err.get("type")), "填写有误")
    error = ValidationFailed(fields=fields)
    return api.create_response(request, error.as_body(), status=error.status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    error = NotSignedIn()
    return api.create_response(request, error.as_body(), status=error.status)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals, e.g. 400 for a body that is not JSON
    return api.create_response(request, status_error_body(exc.status_code), status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, status_error_body(404), status=404)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    error = RequestTooLarge()
    return api.create_response(request, error.as_body(), status=error.status)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(SuspiciousOperation)
@api.exception_handler(UnreadablePostError)
def on_malformed(request: HttpRequest, exc: Exception) -> HttpResponse:
    error = RequestMalformed()
    return api.create_response(request, error.as_body(), status=error.status)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return api.create_response(request, status_error_body(500), status=500)


def _register_routers() -> None:
    from idrenew.cases.api import router as cases_router
    from idrenew.core.api_meta import router as meta_router
    from idrenew.face.api import router as face_router
    from idrenew.idcard.api import router as idcard_router
    from idrenew.idcard.demo_api import router as demo_idcard_router
    from idrenew.review.api_staff import router as staff_router
    from idrenew.signing.api import link_router as document_link_router
    from idrenew.signing.api import router as signing_router
    from idrenew.verification.api import router as auth_router
    from idrenew.verification.api import session_router

    api.add_router("/", meta_router)
    api.add_router("/", session_router)
    api.add_router("/auth", auth_router)
    api.add_router("/cases", cases_router)
    api.add_router("/cases/current/face", face_router)
    api.add_router("/cases/current", idcard_router)
    api.add_router("/cases/current", demo_idcard_router)
    api.add_router("/cases/current", signing_router)
    api.add_router("/staff", staff_router)
    api.add_router("/documents", document_link_router)


_register_routers()
