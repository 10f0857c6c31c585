"""The OpenAPI schema as the contract (composition root).

ninja describes each operation's success answer; :class:`ContractSchema` adds, to every
operation and from the same sources the server uses, what a client generated from the schema
needs besides:

* the ``Idempotency-Key`` header, on exactly the operations ``IdempotencyMiddleware`` asks it
  for (``core.middleware.IDEMPOTENCY_REQUIRED`` / ``_OPTIONAL``: the same prefixes, so the
  two cannot drift apart);
* every error answer the operation can give (``core.openapi``): those that follow from how
  an operation is built are derived here: a body (400 ``REQUEST_MALFORMED``, 411, 413 with
  the path's own limit code), parameters (422 ``VALIDATION_ERROR``), the customer's or the
  staff's sign-in (401, 403 ``CSRF_FAILED`` for a state-changing call), the idempotency
  middleware; those a service raises are declared with ``core.openapi.errors`` on the view
  or in ``core/api_errors.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import BODY_CONTENT_TYPES, OpenAPISchema
from ninja.operation import Operation
from ninja.utils import normalize_path

from idrenew.core.errors import (
    CsrfFailed,
    IdempotencyInProgress,
    IdempotencyKeyConflict,
    IdempotencyKeyRequired,
    LengthRequired,
    NotSignedIn,
    RequestMalformed,
    SessionExpired,
    ValidationFailed,
)
from idrenew.core.openapi import (
    ATTRIBUTE,
    IDEMPOTENCY_HEADER,
    STAFF_AUTH_ERRORS,
    Documented,
    ErrorSpec,
    add_specs,
    converter_patterns,
    error_response,
)
from idrenew.core.schemas import ErrorOut

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


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
        add_specs(documented, derived_errors(operation, path, parameters))
        if patterns:  # a value off the converter's pattern is no path of this API
            add_specs(documented, [(404, "NOT_FOUND", "请求的内容不存在，请返回首页后重试")])
        add_specs(documented, getattr(operation.view_func, ATTRIBUTE, ()))
        add_specs(documented, documented_for(details["operationId"]))
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
