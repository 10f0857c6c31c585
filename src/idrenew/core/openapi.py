"""How an operation declares its errors for the OpenAPI contract.

Every error answer an operation can give is documented in the schema, each status with the
one ``ErrorOut`` shape and the list of its codes (``x-error-codes``, and the description in
Chinese for people). Those a service raises are declared per operation, either with
:func:`errors` on the view or, for the customer operations, in ``core/api_errors.py`` (one
table); those that follow from how an operation is built (a body, parameters, the sign-in, the
idempotency middleware) are derived where the schema is built, ``core/api_schema.py`` (the
composition root: it reads the middleware's prefixes, the body limits and that table).
``tests/core/test_openapi_contract.py`` checks that every operation has its declaration and
that, over a schemathesis run, every answer's status and ``code`` are among those documented.

This module imports no app and nothing of the composition root: apps declare their errors
with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from idrenew.core.errors import AppError, check_raised, error_code

# An error a view may answer with: an AppError class, or a registered code (``CodedError``
# codes declared in their app's errors.py: status and message come from the registry), or
# (status, code, message) where this operation words it its own way.
ErrorSpec = type[AppError] | str | tuple[int, str] | tuple[int, str, str]
Documented = dict[int, dict[str, str]]  # status -> {code: message ("" when it varies)}

ATTRIBUTE = "__api_errors__"
F = TypeVar("F", bound=Callable[..., Any])
IDEMPOTENCY_HEADER = "Idempotency-Key"

STATUS_TITLES = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权操作",
    404: "不存在",
    409: "与当前状态冲突",
    410: "已失效",
    411: "缺少请求长度",
    413: "请求内容过大",
    415: "不支持的内容类型",
    422: "内容未通过校验",
    423: "已锁定",
    429: "过于频繁",
}


def spec_items(specs: Iterable[ErrorSpec]) -> list[tuple[int, str, str]]:
    """``(status, code, message)`` of each spec; every code must be registered with that
    status (``core.errors.registry``), else :class:`UnknownErrorCode`."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            entry = error_code(spec)
            out.append((entry.status, entry.code, entry.message))
        elif isinstance(spec, tuple):
            status, code, *rest = spec
            check_raised(str(code), int(status))
            out.append((int(status), str(code), str(rest[0]) if rest else ""))
        else:
            out.append((spec.status, spec.code, spec.default_message))
    return out


def errors(*specs: ErrorSpec) -> Callable[[F], F]:
    """Declare the errors a view's services raise (beyond those derived from how the
    operation is built): ``@errors(CaseNotFound, "CASE_CLAIMED_BY_OTHER")``."""

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, (*getattr(view, ATTRIBUTE, ()), *specs))
        return view

    return decorate


def add_specs(documented: Documented, specs: Iterable[ErrorSpec]) -> None:
    for status, code, message in spec_items(specs):
        known = documented.setdefault(status, {})
        if not known.get(code):
            known[code] = message


# Filled by the staff API (review/api_staff.py) with its sign-in refusals.
STAFF_AUTH_ERRORS: dict[str, tuple[ErrorSpec, ...]] = {}


# --- the schema ---------------------------------------------------------------------------


def _description(status: int, codes: dict[str, str]) -> str:
    lines = [f"{STATUS_TITLES.get(status, '错误')}。可能的错误代码（code）："]
    for code, message in sorted(codes.items()):
        lines.append(f"- `{code}`" + (f"：{message}" if message else ""))
    return "\n".join(lines)


def error_response(status: int, codes: dict[str, str]) -> dict[str, Any]:
    return {
        "description": _description(status, codes),
        "content": {
            "application/json": {
                "schema": {
                    "$ref": "#/components/schemas/ErrorOut",
                },
                "example": {
                    "code": sorted(codes)[0],
                    "message": codes[sorted(codes)[0]] or "……",
                    "retryable": False,
                    "fields": None,
                    "detail": None,
                },
            }
        },
        "x-error-codes": sorted(codes),
    }


def converter_patterns(path: str) -> dict[str, str]:
    """``{caseref:reference}`` -> ``{"reference": "^ZJ[0-9]{14}$"}``: a path parameter with a
    Django converter matches only its regex (any other value is an unknown path, 404), so the
    schema says so and a client never builds such a path."""
    from django.urls.converters import get_converters

    converters = get_converters()
    out = {}
    for kind, name in re.findall(r"{([^}:]+):([^}]+)}", path):
        converter = converters.get(kind)
        if converter is not None:
            out[name] = f"^{converter.regex}$"
    return out


def documented_codes(schema: dict[str, Any], path: str, method: str) -> dict[int, list[str]]:
    """``{status: [code, …]}`` documented for one operation of a built schema (tests)."""
    operation = schema["paths"][path][method.lower()]
    return {
        int(status): list(body.get("x-error-codes", []))
        for status, body in operation["responses"].items()
        if int(status) >= 400
    }
