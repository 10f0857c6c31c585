"""Coded errors the back office shows staff (Chinese messages say what to do next)."""

from __future__ import annotations

from typing import Any

from idrenew.core.errors import CodedError, ErrorCode, register

# The back office's refusals: worded for staff (the message given at the raise names the
# colleague, the state, the permission); the default here is what the table in docs/api.md
# shows.
CODES = register(
    __name__,
    ErrorCode("CASE_CLAIMED_BY_OTHER", 409, "该申请正由其他人员办理，请选择其他申请", False),
    ErrorCode("CASE_NOT_CLAIMED", 409, "请先领取该申请再办理（领取超时后需重新领取）", False),
    ErrorCode("CASE_ALREADY_DECIDED", 409, "该申请已处理，无需重复操作", False),
    ErrorCode(
        "FOUR_EYES_SAME_PERSON",
        409,
        "双人复核：初审人不能复核自己初审的申请，请由另一位审批员复核",
        False,
    ),
    ErrorCode("REVIEW_PERMISSION_DENIED", 403, "您没有该操作的权限，请联系管理员", False),
    ErrorCode("REVIEW_REASON_REQUIRED", 422, "请选择至少一个原因", False),
    ErrorCode("RETURN_STEPS_REQUIRED", 422, "请选择需要客户重新办理的步骤", False),
)


def review_error(code: str, message: str, *, status: int = 409, **detail: Any) -> CodedError:
    return CodedError(code, message, status=status, retryable=False, detail=detail or None)


def claimed_by_other(name: str, until: str) -> CodedError:
    return review_error(
        "CASE_CLAIMED_BY_OTHER", f"该申请正由 {name} 办理（锁定至 {until}），请选择其他申请"
    )


def not_claimed() -> CodedError:
    return review_error("CASE_NOT_CLAIMED", "请先领取该申请再办理（领取超时后需重新领取）")


def already_decided(state_label: str) -> CodedError:
    return review_error(
        "CASE_ALREADY_DECIDED", f"该申请已处理（当前状态：{state_label}），无需重复操作"
    )


def same_person() -> CodedError:
    return review_error(
        "FOUR_EYES_SAME_PERSON", "双人复核：初审人不能复核自己初审的申请，请由另一位审批员复核"
    )


def no_permission(what: str) -> CodedError:
    return review_error("REVIEW_PERMISSION_DENIED", f"您没有{what}的权限，请联系管理员", status=403)


def reasons_required() -> CodedError:
    return review_error("REVIEW_REASON_REQUIRED", "请选择至少一个原因", status=422)


def steps_required() -> CodedError:
    return review_error("RETURN_STEPS_REQUIRED", "请选择需要客户重新办理的步骤", status=422)
