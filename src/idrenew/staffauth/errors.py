"""Coded refusals of the staff API's sign-in (messages say what to do next)."""

from __future__ import annotations

from django.conf import settings

from idrenew.core.errors import AppError


class StaffNotSignedIn(AppError):
    code = "STAFF_NOT_SIGNED_IN"
    status = 401
    default_message = "请先登录后台，或使用接口令牌（Authorization: Bearer）调用"
    retryable = False


class StaffTokenExpired(AppError):
    code = "STAFF_TOKEN_EXPIRED"
    status = 401
    default_message = "接口令牌已过期、已吊销或长时间未使用，请重新申请令牌"
    retryable = False


class StaffOtpRequired(AppError):
    code = "STAFF_OTP_REQUIRED"
    status = 403
    default_message = "请先在后台完成两步验证（动态验证码）后再调用接口"
    retryable = False


class StaffCredentialsInvalid(AppError):
    code = "STAFF_CREDENTIALS_INVALID"
    status = 401
    default_message = "用户名、密码或动态验证码不正确，请核对后重试（多次失败将被锁定）"
    retryable = False


class StaffOtpNotEnrolled(AppError):
    code = "STAFF_OTP_NOT_ENROLLED"
    status = 403
    default_message = "该账户尚未绑定身份验证器，请先登录后台完成绑定后再申请令牌"
    retryable = False


class StaffLockedOut(AppError):
    code = "STAFF_LOCKED_OUT"
    status = 429
    default_message = "登录失败次数过多，已暂时锁定，请稍后再试或联系管理员解除锁定"
    retryable = False

    def __init__(self) -> None:
        minutes = settings.IDRENEW_STAFF_LOCKOUT_MINUTES
        super().__init__(
            f"登录失败次数过多，已锁定 {minutes} 分钟，请稍后再试或联系管理员解除锁定",
            detail={"lockout_minutes": minutes},
        )
