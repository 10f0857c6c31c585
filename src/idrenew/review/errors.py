"""The back office's refusals, worded for staff (Chinese messages say what to do next).

Each is an ``AppError`` subclass, registered in ``core/errors.py`` when it is defined: its
``default_message`` is the registry's (the table in docs/api.md); a raise that knows more
(the colleague holding the claim, the case's state, the operation refused) words it
precisely. None of them is retryable: staff must act first (choose another case, claim it,
ask a colleague or an administrator, fill in the form)."""

from __future__ import annotations

from idrenew.core.errors import AppError


class CaseClaimedByOther(AppError):
    code = "CASE_CLAIMED_BY_OTHER"
    status = 409
    default_message = "该申请正由其他人员办理，请选择其他申请"
    retryable = False

    def __init__(self, name: str, until: str) -> None:
        super().__init__(f"该申请正由 {name} 办理（锁定至 {until}），请选择其他申请")


class CaseNotClaimed(AppError):
    code = "CASE_NOT_CLAIMED"
    status = 409
    default_message = "请先领取该申请再办理（领取超时后需重新领取）"
    retryable = False


class CaseAlreadyDecided(AppError):
    code = "CASE_ALREADY_DECIDED"
    status = 409
    default_message = "该申请已处理，无需重复操作"
    retryable = False

    def __init__(self, state_label: str) -> None:
        super().__init__(f"该申请已处理（当前状态：{state_label}），无需重复操作")


class FourEyesSamePerson(AppError):
    code = "FOUR_EYES_SAME_PERSON"
    status = 409
    default_message = "双人复核：初审人不能复核自己初审的申请，请由另一位审批员复核"
    retryable = False


class ReviewPermissionDenied(AppError):
    code = "REVIEW_PERMISSION_DENIED"
    status = 403
    default_message = "您没有该操作的权限，请联系管理员"
    retryable = False

    def __init__(self, what: str) -> None:
        """``what``: the operation refused, e.g. "最终通过"."""
        super().__init__(f"您没有{what}的权限，请联系管理员")


class ReviewReasonRequired(AppError):
    code = "REVIEW_REASON_REQUIRED"
    status = 422
    default_message = "请选择至少一个原因"
    retryable = False


class ReturnStepsRequired(AppError):
    code = "RETURN_STEPS_REQUIRED"
    status = 422
    default_message = "请选择需要客户重新办理的步骤"
    retryable = False
