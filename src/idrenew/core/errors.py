"""The one exception hierarchy that services raise and the API turns into responses, and
the one registry of error codes.

Every error has a stable UPPER_SNAKE ``code`` (the H5 app switches on it) and a Chinese
``message`` that tells the customer what to do next. Every code is registered once, with its
HTTP status, the customer's message, the staff's message and whether trying again may
succeed (:class:`ErrorCode`: ``retryable``, decided here only): an ``AppError`` subclass
registers itself when it is defined; codes raised as ``CodedError(code, …)`` are declared in
a table in their app's ``errors.py`` (:func:`register`). :func:`registry` loads every app's
declarations (``ERROR_MODULES``). From the registry come the API's documented errors
(``core/openapi.py``), the back office's refusal messages, the task results, the table in
docs/api.md and the H5's ``frontend/src/api/error-codes.ts`` (``idrenew error-codes``).
Raising an unknown code, or a known one with another status or ``retryable``, fails at once
under DEBUG and in tests (``tests/core/test_error_registry.py`` also scans the source for
code literals and stated ``retryable`` values).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class ErrorCode:
    """One registered code. ``message`` is the customer's default (a raise may give a more
    precise one); ``staff_message`` what the back office shows, "" = the same.

    ``retryable``: trying again here may succeed: the same call later (a busy service, a
    limit that lapses), or after doing what the message says on the same page (retake the
    photo, correct a field, sign again). False: trying again cannot help; the customer must
    go elsewhere (sign in, another step, a branch) or wait for something outside this call.
    Every error body and task result carries the registered value (``CodedError`` and the
    bare statuses included); ``tests/core/test_error_registry.py`` checks the uses agree."""

    code: str
    status: int
    message: str
    retryable: bool = True
    staff_message: str = ""
    app: str = ""

    @property
    def staff(self) -> str:
        return self.staff_message or self.message


class UnknownErrorCode(LookupError):
    """A code raised or documented that no app registered (a programming error)."""


# Every module that declares codes (its AppError subclasses, or a table): loaded by registry().
ERROR_MODULES = (
    "idrenew.core.errors",
    "idrenew.core.ratelimit",
    "idrenew.core.tasks",
    "idrenew.cases.errors",
    "idrenew.cases.api",
    "idrenew.verification.errors",
    "idrenew.face.errors",
    "idrenew.face.identity_errors",
    "idrenew.idcard.errors",
    "idrenew.signing.errors",
    "idrenew.signing.documents",
    "idrenew.review.errors",
    "idrenew.review.api_staff",
    "idrenew.staffauth.errors",
)

_CODES: dict[str, ErrorCode] = {}
_ALL: dict[str, list[tuple[str, ErrorCode]]] = {}
_loaded = False


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "idrenew" else module


def _rank(item: tuple[str, ErrorCode]) -> tuple[int, str]:
    """Which of several registrations of one code is its entry, whatever the import order:
    the one from the module listed first in ``ERROR_MODULES``."""
    module, entry = item
    order = ERROR_MODULES.index(module) if module in ERROR_MODULES else len(ERROR_MODULES)
    return (order, entry.message)


def register(module: str, *entries: ErrorCode) -> dict[str, ErrorCode]:
    """Add ``entries`` declared in ``module`` (its app: ``idrenew.<app>.…``); a code may be
    registered again (another module raises it too, with its own wording) only with the same
    status and the same ``retryable``. Codes of classes defined outside the product (a test's
    own ``AppError``) are not registered: what is generated from the registry lists the
    product's codes only."""
    if not module.startswith("idrenew."):
        return {}
    for given in entries:
        entry = ErrorCode(
            given.code,
            given.status,
            given.message,
            given.retryable,
            given.staff_message,
            given.app or _app_of(module),
        )
        known = _CODES.get(entry.code)
        if known is not None and known.status != entry.status:
            raise ValueError(
                f"error code {entry.code} registered with status {known.status} "
                f"({known.app}) and {entry.status} ({entry.app})"
            )
        if known is not None and known.retryable != entry.retryable:
            raise ValueError(
                f"error code {entry.code} registered as retryable={known.retryable} "
                f"({known.app}) and retryable={entry.retryable} ({entry.app})"
            )
        _ALL.setdefault(entry.code, []).append((module, entry))
        _CODES[entry.code] = min(_ALL[entry.code], key=_rank)[1]
    return {e.code: _CODES[e.code] for e in entries}


def registry() -> dict[str, ErrorCode]:
    """Every registered code (all ``ERROR_MODULES`` loaded), by code."""
    global _loaded
    if not _loaded:
        for module in ERROR_MODULES:
            importlib.import_module(module)
        _loaded = True
    return _CODES


def error_code(code: str) -> ErrorCode:
    """The registered entry of ``code``; :class:`UnknownErrorCode` when none."""
    entry = _CODES.get(code) or registry().get(code)
    if entry is None:
        raise UnknownErrorCode(f"error code {code} is not registered (see core/errors.py)")
    return entry


def strict() -> bool:
    """Check every raised code against the registry: under DEBUG and while pytest runs."""
    if "PYTEST_CURRENT_TEST" in os.environ:
        return True
    try:
        from django.conf import settings

        return bool(settings.configured and settings.DEBUG)
    except ImportError:  # pragma: no cover
        return False


def check_raised(code: str, status: int, *, retryable: bool | None = None) -> None:
    """``code`` is registered with this status (and, when given, this ``retryable``)."""
    entry = error_code(code)
    if entry.status != status:
        raise UnknownErrorCode(
            f"error code {code} raised with status {status}, registered with {entry.status}"
        )
    if retryable is not None and entry.retryable != retryable:
        raise UnknownErrorCode(
            f"error code {code} raised with retryable={retryable}, registered with "
            f"retryable={entry.retryable} (core/errors.py ErrorCode: one value per code)"
        )


def staff_message(exc: BaseException) -> str:
    """What the back office shows for a refusal: the registry's staff wording when the code
    has one, else the error's own message (a staff refusal is worded for staff already)."""
    if isinstance(exc, AppError):
        entry = _CODES.get(exc.as_body()["code"])
        if entry is not None and entry.staff_message:
            return entry.staff_message
        return exc.message
    return "操作未能完成，请刷新页面后重试；如多次失败请联系技术支持"


def codes_of(specs: Iterable[str]) -> tuple[ErrorCode, ...]:
    return tuple(error_code(c) for c in specs)


class AppError(Exception):
    code: ClassVar[str] = "APP_ERROR"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "请求未能完成，请稍后重试"
    retryable: ClassVar[bool] = True
    # What the back office shows instead of the customer's message ("" = the same).
    staff_message: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:  # a coded subclass registers its code
            register(
                cls.__module__,
                ErrorCode(
                    cls.code,
                    cls.status,
                    cls.default_message,
                    cls.retryable,
                    cls.__dict__.get("staff_message", ""),
                ),
            )

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
    """An error whose code and message come from a domain table (rules, image checks); the
    code must be registered (``register`` in its app's ``errors.py``) with this status."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        retryable: bool | None = None,
        detail: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        """``message`` and ``status`` default to the registry's (422 for a code it does not
        know, outside DEBUG and tests, where an unknown code fails at once). ``retryable`` is
        always the registry's: a raise may state it, and must then agree (checked under DEBUG
        and in tests); it counts only for a code the registry does not know."""
        entry = _CODES.get(code) or registry().get(code)
        if status is None:
            status = entry.status if entry is not None else 422
        if strict():
            check_raised(code, status, retryable=retryable)
        if entry is not None:
            retryable = entry.retryable
        if message is None and entry is not None:
            message = entry.message
        super().__init__(message, detail=detail, fields=fields)
        self.error_code = code
        self.error_status = status
        self.error_retryable = True if retryable is None else retryable

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
    retryable = False  # the customer signs in first (as the bare 401 always said)


class SessionExpired(AppError):
    code = "SESSION_EXPIRED"
    status = 401
    default_message = "您长时间未操作，为保障账户安全已退出，请重新验证"
    retryable = False  # the customer signs in again first


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


# The bare statuses' codes and the task crash (registered after the classes above: where
# a class has the same code, its entry is the registry's).
register(
    __name__,
    *(
        ErrorCode(code, status, message, retryable)
        for status, (code, message, retryable) in (
            *_STATUS_ERRORS.items(),
            (500, _INTERNAL),
            (400, _OTHER),  # any other 4xx status: the code names no status of its own
        )
    ),
    # A task that crashed (core/tasks.py): its record's error, read through the task status.
    ErrorCode(
        "TASK_FAILED",
        500,
        "处理失败，请稍后重试；如多次失败请联系客服",
        staff_message="后台任务异常终止（详见服务器日志中的任务编号），可让客户重新提交",
    ),
)
