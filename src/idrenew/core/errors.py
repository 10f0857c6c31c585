"""The one exception hierarchy that services raise and the API turns into responses.

Every error has a stable UPPER_SNAKE ``code`` (the H5 app switches on it) and a Chinese
``message`` that tells the customer what to do next.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    code: ClassVar[str] = "APP_ERROR"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "请求未能完成，请稍后重试"
    retryable: ClassVar[bool] = True

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.detail = detail
        self.fields = fields
        super().__init__(f"{self.code}: {self.message}")

    def http_status(self) -> int:
        return self.status

    def as_body(self) -> dict[str, Any]:
        return error_body(
            self.code,
            self.message,
            retryable=self.retryable,
            detail=self.detail,
            fields=self.fields,
        )


def error_body(
    code: str,
    message: str,
    *,
    retryable: bool = True,
    detail: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The single shape of every error body the API sends."""
    return {
        "code": code,
        "message": message,
        "retryable": retryable,
        "fields": fields,
        "detail": detail,
    }


# Answers that come from HTTP itself rather than a service (an unknown path, a wrong method,
# a body that cannot be parsed): one code per status, in the same shape.
_STATUS_ERRORS: dict[int, tuple[str, str, bool]] = {
    400: ("REQUEST_MALFORMED", "请求格式不正确，请刷新页面后重试", False),
    401: ("NOT_SIGNED_IN", "请先完成账户验证", False),
    403: ("FORBIDDEN", "无权进行此操作，请刷新页面后重试", False),
    404: ("NOT_FOUND", "请求的内容不存在，请返回首页后重试", False),
    405: ("METHOD_NOT_ALLOWED", "不支持该操作，请刷新页面后重试", False),
    411: ("LENGTH_REQUIRED", "请求格式不正确，请刷新页面后重试", False),
    413: ("REQUEST_TOO_LARGE", "提交的内容过大，请压缩或重新拍摄后再试", False),
    429: ("RATE_LIMITED", "操作过于频繁，请稍后再试", True),
}
_INTERNAL = ("INTERNAL_ERROR", "系统繁忙，请稍后重试；如多次失败请联系客服", True)
_OTHER = ("HTTP_ERROR", "请求无法处理，请返回首页后重试", False)


def status_error_body(status: int, *, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error body for a bare HTTP status (no service error behind it)."""
    code, message, retryable = _STATUS_ERRORS.get(status, _INTERNAL if status >= 500 else _OTHER)
    return error_body(code, message, retryable=retryable, detail=detail)


class CodedError(AppError):
    """An error whose code and message come from a domain table (rules, image checks)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 422,
        retryable: bool = True,
        detail: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, detail=detail, fields=fields)
        self.error_code = code
        self.error_status = status
        self.error_retryable = retryable

    def http_status(self) -> int:
        return self.error_status

    def as_body(self) -> dict[str, Any]:
        return error_body(
            self.error_code,
            self.message,
            retryable=self.error_retryable,
            detail=self.detail,
            fields=self.fields,
        )


class ValidationFailed(AppError):
    code = "VALIDATION_ERROR"
    status = 422
    default_message = "填写的信息有误，请检查后重试"


class RateLimited(AppError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "操作过于频繁，请稍后再试"


class NotSignedIn(AppError):
    code = "NOT_SIGNED_IN"
    status = 401
    default_message = "请先完成账户验证"


class SessionExpired(AppError):
    code = "SESSION_EXPIRED"
    status = 401
    default_message = "您长时间未操作，为保障账户安全已退出，请重新验证"


class CsrfFailed(AppError):
    code = "CSRF_FAILED"
    status = 403
    default_message = "页面已过期，请刷新页面后重试"


class IdempotencyKeyRequired(AppError):
    code = "IDEMPOTENCY_KEY_REQUIRED"
    status = 400
    default_message = "请求缺少幂等标识，请刷新页面后重试"
    retryable = False


class IdempotencyKeyConflict(AppError):
    code = "IDEMPOTENCY_KEY_CONFLICT"
    status = 409
    default_message = "该请求已处理过且内容不同，请刷新页面后重新操作"
    retryable = False


class IdempotencyInProgress(AppError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    status = 409
    default_message = "上一次提交仍在处理中，请稍候"


class TaskNotFound(AppError):
    code = "TASK_NOT_FOUND"
    status = 404
    default_message = "未找到该处理任务，请返回上一步重试"
    retryable = False


class ServiceClosed(AppError):
    code = "OUTSIDE_BUSINESS_HOURS"
    status = 403
    default_message = "当前不在业务办理时间（交易日 8:30-15:30），请在办理时间内再来"


class RequestTooLarge(AppError):
    code = "REQUEST_TOO_LARGE"
    status = 413
    default_message = "提交的内容过大，请压缩或重新拍摄后再试"
    retryable = False


class LengthRequired(AppError):
    code = "LENGTH_REQUIRED"
    status = 411
    default_message = "请求格式不正确，请刷新页面后重试"
    retryable = False


class RequestMalformed(AppError):
    code = "REQUEST_MALFORMED"
    status = 400
    default_message = "请求格式不正确，请刷新页面后重试"
    retryable = False
