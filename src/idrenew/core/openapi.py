"""The OpenAPI schema as the contract.

ninja describes each operation's success answer; this module adds, to every operation and
from the same sources the server uses, what a client generated from the schema needs besides:

* the ``Idempotency-Key`` header, on exactly the operations ``IdempotencyMiddleware`` asks it
  for (``core.middleware.IDEMPOTENCY_REQUIRED`` / ``_OPTIONAL``: the same prefixes, so the
  two cannot drift apart);
* every error answer the operation can give, each status with the one ``ErrorOut`` shape and
  the list of its codes (``x-error-codes``, and the description in Chinese for people).

The codes come from two places. Those that follow from how an operation is built are derived
here: a body (400 ``REQUEST_MALFORMED``, 411, 413 with the path's own limit code), parameters
(422 ``VALIDATION_ERROR``), the customer's or the staff's sign-in (401, 403 ``CSRF_FAILED``
for a state-changing call), the idempotency middleware. Those a service raises are declared
per operation, either with :func:`errors` on the view or, for the customer operations, in
``core/api_errors.py`` (one table). ``tests/core/test_openapi_contract.py`` checks that every
operation has its declaration and that, over a schemathesis run, every answer's status and
``code`` are among those documented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ninja import NinjaAPI
from ninja.openapi.schema import BODY_CONTENT_TYPES, OpenAPISchema, normalize_path
from ninja.operation import Operation

from idrenew.core.errors import (
    AppError,
    CsrfFailed,
    IdempotencyInProgress,
    IdempotencyKeyConflict,
    IdempotencyKeyRequired,
    LengthRequired,
    NotSignedIn,
    RequestMalformed,
    SessionExpired,
    ValidationFailed,
    check_raised,
    error_code,
)
from idrenew.core.schemas import ErrorOut

# An error a view may answer with: an AppError class, or a registered code (``CodedError``
# codes declared in their app's errors.py: status and message come from the registry), or
# (status, code, message) where this operation words it its own way.
ErrorSpec = type[AppError] | str | tuple[int, str] | tuple[int, str, str]
Documented = dict[int, dict[str, str]]  # status -> {code: message ("" when it varies)}

ATTRIBUTE = "__api_errors__"
F = TypeVar("F", bound=Callable[..., Any])
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
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


def _add(documented: Documented, specs: Iterable[ErrorSpec]) -> None:
    for status, code, message in spec_items(specs):
        known = documented.setdefault(status, {})
        if not known.get(code):
            known[code] = message


# --- what follows from how the operation is built ----------------------------------------


def _auth_kinds(operation: Operation) -> set[str]:
    """ "customer" for ``CustomerAuth``, else an auth's own ``contract_kind`` ("staff")."""
    from idrenew.core.auth import CustomerAuth

    kinds = set()
    for auth in operation.auth_callbacks:
        kind = "customer" if isinstance(auth, CustomerAuth) else getattr(auth, "contract_kind", "")
        if kind:
            kinds.add(str(kind))
    return kinds


def _fill_path(path: str, parameters: list[dict[str, Any]]) -> str:
    """A concrete path for the body-limit lookup (``{side}`` -> its first allowed value)."""
    values: dict[str, str] = {}
    for p in parameters:
        if p.get("in") == "path":
            schema = p.get("schema") or {}
            enum = schema.get("enum") or [""]
            values[str(p["name"])] = str(enum[0]) or "x"
    return re.sub(r"{([^}]+)}", lambda m: values.get(m.group(1), "x"), path)


def derived_errors(
    operation: Operation, path: str, parameters: list[dict[str, Any]]
) -> list[ErrorSpec]:
    from idrenew.core.limits import too_large
    from idrenew.core.middleware import IDEMPOTENCY_OPTIONAL, IDEMPOTENCY_REQUIRED

    methods = {m.upper() for m in operation.methods}
    unsafe = bool(methods & UNSAFE)
    sources = {getattr(m, "__ninja_param_source__", "") for m in operation.models}
    specs: list[ErrorSpec] = []
    if unsafe:
        # Any state-changing request may arrive broken, without a length, or too large.
        refusal = too_large(_fill_path(path, parameters), 0)
        specs += [RequestMalformed, LengthRequired, (413, refusal.as_body()["code"])]
        if refusal.as_body()["code"] != "REQUEST_TOO_LARGE":
            specs.append((413, "REQUEST_TOO_LARGE"))
    if sources:
        specs.append(ValidationFailed)
    if sources & set(BODY_CONTENT_TYPES) and not unsafe:
        specs.append(RequestMalformed)
    kinds = _auth_kinds(operation)
    if "customer" in kinds or (unsafe and path.startswith(IDEMPOTENCY_REQUIRED)):
        specs += [NotSignedIn, SessionExpired]
        if unsafe:
            specs.append(CsrfFailed)
    for kind in kinds - {"customer"}:
        specs += list(STAFF_AUTH_ERRORS.get(kind, ()))
        if unsafe and kind == "staff":
            specs.append(CsrfFailed)
    if unsafe and path.startswith(IDEMPOTENCY_REQUIRED + IDEMPOTENCY_OPTIONAL):
        specs += [IdempotencyKeyRequired, IdempotencyKeyConflict, IdempotencyInProgress]
    return specs


# Filled by the staff API (review/api_staff.py) with its sign-in refusals.
STAFF_AUTH_ERRORS: dict[str, tuple[ErrorSpec, ...]] = {}


def idempotency_parameter(path: str, methods: Iterable[str]) -> dict[str, Any] | None:
    from idrenew.core.middleware import IDEMPOTENCY_OPTIONAL, IDEMPOTENCY_REQUIRED, MAX_KEY

    if not {m.upper() for m in methods} & UNSAFE:
        return None
    if path.startswith(IDEMPOTENCY_REQUIRED):
        required = True
    elif path.startswith(IDEMPOTENCY_OPTIONAL):
        required = False
    else:
        return None
    return {
        "in": "header",
        "name": IDEMPOTENCY_HEADER,
        "required": required,
        # Optional: an empty value is the same as none.
        "schema": {"type": "string", "minLength": 1 if required else 0, "maxLength": MAX_KEY},
        "description": (
            "幂等标识：每次用户操作生成一个（建议 UUID），重试时原样重发。"
            "相同标识与相同内容的重试得到第一次的应答（响应头 Idempotent-Replayed: true），"
            "相同标识而内容不同则拒绝（IDEMPOTENCY_KEY_CONFLICT）；按客户区分，保存 24 小时。"
            + ("" if required else "此接口可不带。")
        ),
    }


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


class ContractSchema(OpenAPISchema):
    """ninja's schema, each operation completed with its header and its error answers."""

    def get_paths(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for bound_router in self.api._get_bound_routers():
            for path, path_view in bound_router.path_operations.items():
                full_path = "/".join([i for i in (bound_router.prefix, path) if i])
                full_path = normalize_path("/" + self.path_prefix + full_path)
                patterns = converter_patterns(full_path)
                full_path = re.sub(r"{[^}:]+:", "{", full_path)
                for op in path_view.operations:
                    if not op.include_in_schema:
                        continue
                    details = self.operation_details(op)
                    self.complete(op, full_path, details, patterns)
                    for method in op.methods:
                        result.setdefault(full_path, {})[method.lower()] = details
        self.schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        return result

    def complete(
        self,
        operation: Operation,
        path: str,
        details: dict[str, Any],
        patterns: dict[str, str] | None = None,
    ) -> None:
        from idrenew.core.api_errors import documented_for

        parameters: list[dict[str, Any]] = details.setdefault("parameters", [])
        for p in parameters:
            if p.get("in") == "path" and p.get("name") in (patterns or {}):
                p.setdefault("schema", {})["pattern"] = (patterns or {})[p["name"]]
        header = idempotency_parameter(path, operation.methods)
        if header is not None:
            parameters.append(header)
        documented: Documented = {}
        _add(documented, derived_errors(operation, path, parameters))
        if patterns:  # a value off the converter's pattern is no path of this API
            _add(documented, [(404, "NOT_FOUND", "请求的内容不存在，请返回首页后重试")])
        _add(documented, getattr(operation.view_func, ATTRIBUTE, ()))
        _add(documented, documented_for(details["operationId"]))
        responses: dict[Any, Any] = details["responses"]
        for status in [s for s in responses if int(s) >= 400]:
            del responses[status]
        for status in sorted(documented):
            responses[status] = error_response(status, documented[status])


class ContractAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)


def documented_codes(schema: dict[str, Any], path: str, method: str) -> dict[int, list[str]]:
    """``{status: [code, …]}`` documented for one operation of a built schema (tests)."""
    operation = schema["paths"][path][method.lower()]
    return {
        int(status): list(body.get("x-error-codes", []))
        for status, body in operation["responses"].items()
        if int(status) >= 400
    }
