from idrenew.core.errors import AppError


class CaseAlreadyActive(AppError):
    code = "CASE_ALREADY_ACTIVE"
    status = 409
    default_message = "您已有一笔未完成的证件更新申请，请继续办理该申请"
    retryable = False


class NoActiveCase(AppError):
    code = "NO_ACTIVE_CASE"
    status = 404
    default_message = "没有进行中的证件更新申请，请从首页重新开始办理"
    retryable = False


class StepOutOfOrder(AppError):
    code = "CASE_STEP_OUT_OF_ORDER"
    status = 409
    default_message = "请按顺序完成办理步骤，当前应进行的步骤已为您打开"
    retryable = False


class CaseExpired(AppError):
    code = "CASE_EXPIRED"
    status = 410
    default_message = "申请已超过办理时限自动关闭，请重新开始办理"
    retryable = False


class RenewalNotAllowed(AppError):
    code = "ACCOUNT_RESTRICTED"
    status = 403
    default_message = "您的账户状态不支持线上办理，请携带身份证到营业部办理"
    retryable = False
