from idrenew.core.errors import AppError


class SmsCooldown(AppError):
    code = "SMS_COOLDOWN"
    status = 429
    default_message = "验证码已发送，请稍后再重新获取"


class SmsDailyLimit(AppError):
    code = "SMS_DAILY_LIMIT"
    status = 429
    default_message = "今日获取验证码次数已达上限，请明天再试或使用交易密码登录"
    retryable = False


class SmsSendFailed(AppError):
    code = "SMS_SEND_FAILED"
    status = 503
    default_message = "短信验证码发送失败，请稍后重新获取，或改用交易密码登录"


class SmsUndeliverable(AppError):
    code = "SMS_UNDELIVERABLE"
    status = 409
    default_message = "短信无法发送到您预留的手机号，请改用交易密码登录，或联系客服核实预留手机号"
    retryable = False


class SmsCodeInvalid(AppError):
    code = "SMS_CODE_INVALID"
    status = 400
    default_message = "验证码或账户信息不正确，请核对后重新输入"


class SmsCodeExpired(AppError):
    code = "SMS_CODE_EXPIRED"
    status = 400
    default_message = "验证码已失效，请点击“点击获取”重新获取"


class SmsCodeExhausted(AppError):
    code = "SMS_CODE_EXHAUSTED"
    status = 400
    default_message = "验证码错误次数过多已失效，请重新获取验证码"


class CaptchaInvalid(AppError):
    code = "CAPTCHA_INVALID"
    status = 400
    default_message = "图形验证码不正确，请看清新图片后重新输入"


class CaptchaExpired(AppError):
    code = "CAPTCHA_EXPIRED"
    status = 400
    default_message = "图形验证码已失效，请点击图片刷新后重新输入"


class CredentialsInvalid(AppError):
    code = "CREDENTIALS_INVALID"
    status = 400
    default_message = "交易账号或交易密码不正确，请核对后重新输入"


class SignInLocked(AppError):
    code = "LOGIN_LOCKED"
    status = 423
    default_message = "连续验证失败次数过多，该登录方式已暂时锁定，请稍后再试或改用其他方式登录"
    retryable = False


class SignInSlowDown(AppError):
    """This source failed several times in a row on this account: it must wait ``retry_after``
    seconds (2, 4, 8 … growing with each further failure) before the next try."""

    code = "SIGNIN_SLOW_DOWN"
    status = 429
    default_message = "尝试过于频繁，为保障账户安全，请稍后再试"


class CaptchaRateLimited(AppError):
    code = "CAPTCHA_RATE_LIMITED"
    status = 429
    default_message = "获取图形验证码过于频繁，请稍后再试"


class AccountRestricted(AppError):
    code = "ACCOUNT_RESTRICTED"
    status = 403
    default_message = "您的账户状态异常，暂不支持线上办理，请携带身份证到营业部办理或联系客服"
    retryable = False
