from idrenew.core.errors import AppError

BRANCH_ROUTE = "您可以携带本人有效身份证件到任一营业部临柜办理证件更新。"


class ConsentRequired(AppError):
    code = "FACE_CONSENT_REQUIRED"
    status = 409
    default_message = "请先阅读并同意《人脸识别信息处理告知书》"
    retryable = False


class NoticeOutdated(AppError):
    code = "FACE_NOTICE_OUTDATED"
    status = 409
    default_message = "告知书已更新，请重新阅读后再同意"


class AttemptsExhausted(AppError):
    code = "FACE_ATTEMPTS_EXHAUSTED"
    status = 429
    default_message = "今日人脸识别次数已用完，请明天再试。" + BRANCH_ROUTE
    retryable = False


class NonceUnknown(AppError):
    code = "FACE_NONCE_INVALID"
    status = 400
    default_message = "认证已失效，请重新开始人脸识别"


class NonceExpired(AppError):
    code = "FACE_NONCE_EXPIRED"
    status = 400
    default_message = "认证超时（需在60秒内完成），请重新开始人脸识别"


class NonceReused(AppError):
    code = "FACE_NONCE_REUSED"
    status = 409
    default_message = "该次认证已提交过，请重新开始人脸识别"
    retryable = False


class ClipRejected(AppError):
    code = "FACE_CLIP_INVALID"
    status = 400
    default_message = "视频文件无效，请重新录制"


class NoAttempt(AppError):
    code = "FACE_NO_ATTEMPT"
    status = 404
    default_message = "尚未进行人脸识别，请先完成人脸识别"


class ClipTooLarge(AppError):
    code = "FACE_CLIP_TOO_LARGE"
    status = 413
    default_message = "视频文件过大，请重新录制（时长请控制在15秒以内）"


class ClipTimingInvalid(AppError):
    code = "FACE_CLIP_TIMING"
    status = 400
    default_message = "录制计时异常，请重新开始人脸识别并按提示完成动作"
