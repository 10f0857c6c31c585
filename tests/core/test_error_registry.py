"""The one error registry (core/errors.py): every code raised anywhere is registered, with
one status; what is generated from it (docs/api.md's table, the H5's error-codes.ts) is
fresh; the OpenAPI contract documents registered codes only."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from idrenew.core import error_catalog
from idrenew.core.errors import (
    ERROR_MODULES,
    AppError,
    CodedError,
    ErrorCode,
    UnknownErrorCode,
    error_code,
    register,
    registry,
    staff_message,
)
from idrenew.core.openapi import spec_items

SRC = Path(__file__).resolve().parents[2] / "src"
CODE_SHAPE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

# Domain refusals whose first argument is a code the service turns into a CodedError.
DOMAIN_REFUSALS = {"TextRefused", "StrokesRefused", "ImageRefused"}
# Coded-error bases: a class deriving from one of these that sets ``code`` registers it.
ERROR_BASES = {"AppError", "CodedError"}


def _is_code(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
        if value and value[0].isalpha() and "_" in value and set(value) <= set(CODE_SHAPE):
            return value
    return None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def _factories(trees: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Per module, the functions that return a ``CodedError`` (``-> CodedError``)."""
    out: dict[str, set[str]] = {}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or node.returns is None:
                continue
            returns = node.returns
            if _name(returns) == "CodedError" or (
                isinstance(returns, ast.Constant) and returns.value == "CodedError"
            ):
                out.setdefault(module, set()).add(node.name)
    return out


def raised_codes(trees: dict[str, ast.Module]) -> list[tuple[str, int, str, str]]:
    """``(module, line, code, how)`` of every code literal raised, or declared by a class."""
    factories = _factories(trees)
    found = []
    for module, tree in trees.items():
        callables = {"CodedError", *DOMAIN_REFUSALS, *factories.get(module, ())}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in factories:
                callables |= {a.asname or a.name for a in node.names} & factories[node.module]
        coded_classes: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {_name(b) for b in node.bases}
                if bases & (ERROR_BASES | coded_classes):
                    coded_classes.add(node.name)
                    for item in node.body:
                        if (
                            isinstance(item, ast.Assign)
                            and any(_name(t) == "code" for t in item.targets)
                            and (code := _is_code(item.value))
                        ):
                            found.append((module, item.lineno, code, "class"))
                    if "CodedError" in bases:  # super().__init__("CODE", …)
                        for sub in ast.walk(node):
                            if (
                                isinstance(sub, ast.Call)
                                and _name(sub.func) == "__init__"
                                and sub.args
                                and (code := _is_code(sub.args[0]))
                            ):
                                found.append((module, sub.lineno, code, "call"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in callables and node.args:
                code = _is_code(node.args[0])
                if code is not None:
                    found.append((module, node.lineno, code, _name(node.func)))
    return found


def _source_trees() -> dict[str, ast.Module]:
    return {
        _module(path): ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _unknown(found: list[tuple[str, int, str, str]]) -> list[str]:
    from idrenew.idcard.services import _FORM_CODES  # lib.text codes answered as another

    known = registry()
    out = []
    for module, line, code, how in found:
        if how == "class" and module not in ERROR_MODULES:
            out.append(f"{module}:{line} {code}: module not in core.errors.ERROR_MODULES")
        elif code not in known and code not in _FORM_CODES:
            out.append(f"{module}:{line} {code} ({how}) is not registered")
    return out


def test_every_code_raised_in_src_is_registered() -> None:
    found = raised_codes(_source_trees())
    # The scan sees every way errors are raised: a class, CodedError, a factory returning one
    # (a guard against it finding nothing).
    hows = {how for *_, how in found}
    assert {"class", "CodedError", "_error", "_demo_error"} <= hows, hows
    assert len(found) > 100
    assert _unknown(found) == []


def test_the_scan_finds_an_unregistered_code() -> None:
    planted = ast.parse(
        "from idrenew.core.errors import AppError, CodedError\n"
        "class Boom(AppError):\n"
        "    code = 'BOOM_UNREGISTERED'\n"
        "def _err(code: str) -> CodedError:\n"
        "    return CodedError(code, 'x')\n"
        "def f():\n"
        "    raise _err('ALSO_UNREGISTERED')\n"
        "def g():\n"
        "    raise CodedError('THIRD_UNREGISTERED', 'x', status=409)\n"
    )
    problems = _unknown(raised_codes({"idrenew.cases.errors": planted}))
    assert len(problems) == 3
    assert all("UNREGISTERED" in p for p in problems)


def test_a_coded_error_with_an_unknown_code_fails_at_once_in_tests() -> None:
    with pytest.raises(UnknownErrorCode):
        CodedError("NO_SUCH_CODE_ANYWHERE", "x")
    with pytest.raises(UnknownErrorCode):  # registered with 404
        CodedError("NO_ACTIVE_CASE", "x", status=400)
    assert CodedError("SIGNATURE_EMPTY", "请先在空白处签名").as_body()["code"] == "SIGNATURE_EMPTY"
    # By code alone: status and message from the registry.
    refusal = CodedError("AGREEMENTS_NOT_READ")
    assert (refusal.http_status(), refusal.message) == (409, "请先阅读全部协议")


def test_not_checked_outside_debug_and_tests(monkeypatch: Any, settings: Any) -> None:
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    settings.DEBUG = False
    assert CodedError("NO_SUCH_CODE_ANYWHERE", "x").http_status() == 422
    settings.DEBUG = True
    with pytest.raises(UnknownErrorCode):
        CodedError("NO_SUCH_CODE_ANYWHERE", "x")


def test_a_test_s_own_error_class_is_not_registered() -> None:
    class _TestOnly(AppError):
        code = "TEST_ONLY_REFUSAL"

    assert "TEST_ONLY_REFUSAL" not in registry()
    assert error_catalog.stale() == []


def test_a_code_has_one_status() -> None:
    with pytest.raises(ValueError, match="NO_ACTIVE_CASE"):
        register("idrenew.tests", ErrorCode("NO_ACTIVE_CASE", 400, "x"))
    assert error_code("NO_ACTIVE_CASE").status == 404


def test_documented_specs_read_the_registry() -> None:
    assert spec_items(["NO_CASE"]) == [(404, "NO_CASE", "您还没有证件更新申请，请从首页开始办理")]
    with pytest.raises(UnknownErrorCode):
        spec_items(["NO_SUCH_CODE_ANYWHERE"])
    with pytest.raises(UnknownErrorCode):
        spec_items([(400, "NO_CASE")])


def test_registry_entries_match_the_classes() -> None:
    """Each class's status and retryable are its entry's (the message too, unless another
    module listed earlier registers the code with other words)."""

    def subclasses(cls: type[AppError]) -> list[type[AppError]]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    registry()
    checked = 0
    for cls in subclasses(AppError):
        if "code" not in cls.__dict__ or cls.__module__.startswith("tests"):
            continue
        entry = error_code(cls.code)
        assert entry.status == cls.status, cls
        assert entry.retryable == cls.retryable, cls  # one value per code, whoever raises it
        checked += 1
    assert checked > 50


def test_every_documented_code_is_registered() -> None:
    from idrenew.core.api import api

    schema = api.get_openapi_schema()
    known = registry()
    codes = {
        code
        for operations in schema["paths"].values()
        for operation in operations.values()
        for status, answer in operation.get("responses", {}).items()
        if int(status) >= 400
        for code in answer.get("x-error-codes", [])
    }
    assert len(codes) > 60
    assert sorted(codes - set(known)) == []
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                for code in answer.get("x-error-codes", []) if int(status) >= 400 else ():
                    if code != "HTTP_ERROR":
                        assert known[code].status == int(status), (code, status)


def test_generated_table_and_typescript_are_fresh() -> None:
    stale = [str(p.relative_to(error_catalog.ROOT)) for p in error_catalog.stale()]
    assert stale == [], f"run `idrenew error-codes --write` and commit {stale}"


def test_typescript_lists_the_customer_codes_only() -> None:
    text = error_catalog.typescript()
    assert "'NO_ACTIVE_CASE'," in text and "'TASK_QUEUE_UNAVAILABLE'," in text
    assert "'CASE_CLAIMED_BY_OTHER'" not in text and "'STAFF_LOCKED_OUT'" not in text
    assert "export type ErrorCode = (typeof ERROR_CODES)[number]" in text


def test_staff_message() -> None:
    from idrenew.review.errors import CaseClaimedByOther
    from idrenew.verification.errors import SmsSendFailed

    # A staff refusal keeps its own precise wording; a customer error without a staff
    # wording shows the customer's; a crash shows a generic staff line.
    assert staff_message(CaseClaimedByOther("张审核", "10:30")).startswith("该申请正由 张审核")
    assert staff_message(SmsSendFailed()) == SmsSendFailed.default_message
    assert "技术支持" in staff_message(RuntimeError("x"))
    assert error_code("TASK_FAILED").staff != error_code("TASK_FAILED").message


# --- retryable: one value per code, the registry's --------------------------------------------


def _const_retryable(call: ast.Call) -> bool | None:
    for keyword in call.keywords:
        if keyword.arg == "retryable" and isinstance(keyword.value, ast.Constant):
            return bool(keyword.value.value)
    return None


def stated_retryable(trees: dict[str, ast.Module]) -> list[tuple[str, int, str, bool]]:
    """``(module, line, code, retryable)`` wherever a raise states ``retryable`` as a
    constant: ``CodedError("CODE", …, retryable=…)``, or a factory whose ``CodedError`` has
    a constant ``retryable`` (the demo's refusals) called with a code."""
    fixed: dict[str, dict[str, bool]] = {}  # module -> factory -> its constant
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call) and _name(sub.func) == "CodedError":
                        value = _const_retryable(sub)
                        if value is not None:
                            fixed.setdefault(module, {})[node.name] = value
    found = []
    for module, tree in trees.items():
        callables = dict(fixed.get(module, {}))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in fixed:
                for alias in node.names:
                    if alias.name in fixed[node.module]:
                        callables[alias.asname or alias.name] = fixed[node.module][alias.name]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            code = _is_code(node.args[0])
            name = _name(node.func)
            if code is None:
                continue
            if name == "CodedError" and (value := _const_retryable(node)) is not None:
                found.append((module, node.lineno, code, value))
            elif name in callables:
                found.append((module, node.lineno, code, callables[name]))
    return found


def _disagreeing(found: list[tuple[str, int, str, bool]]) -> list[str]:
    known = registry()
    return [
        f"{module}:{line} {code} raised with retryable={value}, "
        f"registered with {known[code].retryable}"
        for module, line, code, value in found
        if code in known and known[code].retryable != value
    ]


def test_every_stated_retryable_agrees_with_the_registry() -> None:
    found = stated_retryable(_source_trees())
    # review's refusals are classes now (their retryable is the class's, checked by
    # test_registry_entries_match_the_classes); the demo's factory still states it.
    assert {module.split(".")[1] for module, *_ in found} >= {"devkit"}, found
    assert _disagreeing(found) == []


def test_the_scan_finds_a_disagreeing_retryable() -> None:
    planted = ast.parse(
        "from idrenew.core.errors import CodedError\n"
        "def _err(code: str) -> CodedError:\n"
        "    return CodedError(code, 'x', retryable=False)\n"
        "def f():\n"
        "    raise _err('IMAGE_TOO_LARGE')\n"
        "def g():\n"
        "    raise CodedError('CASE_STEP_OUT_OF_ORDER', 'x', status=409, retryable=True)\n"
    )
    problems = _disagreeing(stated_retryable({"idrenew.signing.steps": planted}))
    assert len(problems) == 2, problems


def test_a_raise_answers_with_the_registered_retryable() -> None:
    """Whatever a raise says or leaves out, the body (API answer and task result alike,
    ``core.tasks`` stores ``as_body()``) carries the registry's value."""
    from idrenew.core.errors import status_error_body
    from idrenew.core.limits import too_large

    for entry in registry().values():
        if entry.code in {"HTTP_ERROR", "INTERNAL_ERROR"}:
            continue
        assert CodedError(entry.code).as_body()["retryable"] is entry.retryable, entry.code
    for status in (400, 401, 403, 404, 405, 411, 413, 429, 500, 418):
        body = status_error_body(status)
        assert body["retryable"] is error_code(body["code"]).retryable, status
    # The two noted: the card photo's 413 (core.limits) and signing's step refusal.
    assert too_large("/api/cases/current/idcard/front", 1).as_body()["retryable"] is True
    out_of_order = CodedError("CASE_STEP_OUT_OF_ORDER", "请先完成身份证信息确认", status=409)
    assert out_of_order.as_body()["retryable"] is False
    with pytest.raises(UnknownErrorCode, match="retryable"):
        CodedError("CASE_STEP_OUT_OF_ORDER", "x", status=409, retryable=True)


def test_a_code_has_one_retryable() -> None:
    with pytest.raises(ValueError, match="retryable"):
        register("idrenew.tests", ErrorCode("NO_ACTIVE_CASE", 404, "x", retryable=True))
    assert error_code("NO_ACTIVE_CASE").retryable is False


def test_server_side_failures_are_retryable() -> None:
    """A 5xx says the service could not do it now (busy, a dependency down, a task crashed
    or not queued: the H5 submits again), so a later try may succeed."""
    for entry in registry().values():
        if entry.status >= 500:
            assert entry.retryable, entry.code
    for code in ("TASK_FAILED", "TASK_QUEUE_UNAVAILABLE", "RATE_LIMITED"):
        assert error_code(code).retryable, code
