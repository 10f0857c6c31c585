"""review/errors.py: the back office's refusals are AppError classes registered under review,
never retryable, and a raise words them precisely (the body the API sends)."""

from __future__ import annotations

import pytest

from idrenew.core.errors import AppError, error_code, staff_message
from idrenew.review import errors

REFUSALS: list[tuple[AppError, str, int, str]] = [
    (
        errors.CaseClaimedByOther("张审核", "10:30"),
        "CASE_CLAIMED_BY_OTHER",
        409,
        "该申请正由 张审核 办理（锁定至 10:30），请选择其他申请",
    ),
    (
        errors.CaseNotClaimed(),
        "CASE_NOT_CLAIMED",
        409,
        "请先领取该申请再办理（领取超时后需重新领取）",
    ),
    (
        errors.CaseAlreadyDecided("已通过"),
        "CASE_ALREADY_DECIDED",
        409,
        "该申请已处理（当前状态：已通过），无需重复操作",
    ),
    (
        errors.FourEyesSamePerson(),
        "FOUR_EYES_SAME_PERSON",
        409,
        "双人复核：初审人不能复核自己初审的申请，请由另一位审批员复核",
    ),
    (
        errors.ReviewPermissionDenied("最终通过"),
        "REVIEW_PERMISSION_DENIED",
        403,
        "您没有最终通过的权限，请联系管理员",
    ),
    (errors.ReviewReasonRequired(), "REVIEW_REASON_REQUIRED", 422, "请选择至少一个原因"),
    (errors.ReturnStepsRequired(), "RETURN_STEPS_REQUIRED", 422, "请选择需要客户重新办理的步骤"),
]


@pytest.mark.parametrize(("error", "code", "status", "message"), REFUSALS)
def test_a_refusal_answers_with_its_code_status_and_precise_message(
    error: AppError, code: str, status: int, message: str
) -> None:
    assert error.http_status() == status
    assert error.as_body() == {
        "code": code,
        "message": message,
        "retryable": False,
        "fields": None,
        "detail": None,
    }
    assert staff_message(error) == message  # staff see the raise's own wording


@pytest.mark.parametrize(("error", "code", "status", "message"), REFUSALS)
def test_the_registry_entry_is_the_class(
    error: AppError, code: str, status: int, message: str
) -> None:
    entry = error_code(code)
    assert (entry.app, entry.status, entry.retryable) == ("review", status, False)
    # The table in docs/api.md shows review's default wording, not the staff API's
    # documentation subclasses (review/api_staff.py).
    assert entry.message == type(error).default_message
