"""The card's coded refusals (steps 4-6), registered from the domain tables that word them:
the image checks (``domain/types.FILE_ERRORS``), the card and update rules
(``domain/rules.MESSAGES``), the address (``domain/address.MESSAGES``, ``lib.text``), and the
demo's shortcut at step 4. They are raised as ``CodedError(code, …)``."""

from __future__ import annotations

from idrenew.core.errors import ErrorCode, register
from idrenew.idcard.domain.address import LABEL, MAX_LENGTH
from idrenew.idcard.domain.address import MESSAGES as ADDRESS_MESSAGES
from idrenew.idcard.domain.rules import MESSAGES as RULE_MESSAGES
from idrenew.idcard.domain.rules import RENEWAL_REFUSALS
from idrenew.idcard.domain.types import FILE_ERRORS

IDCARD_NOT_READY = ErrorCode("IDCARD_NOT_READY", 409, "请先上传并通过身份证正反面照片")

CODES = register(
    __name__,
    *(
        ErrorCode(code, 413 if code == "IMAGE_TOO_LARGE" else 400, message)
        for code, message in FILE_ERRORS.items()
    ),
    # A refusal that only a branch can resolve (another person's card) is not retryable.
    *(
        ErrorCode(
            code,
            422,
            message,
            retryable=code not in RENEWAL_REFUSALS,
            staff_message=(
                "客户上传的证件与开户登记信息不一致，需临柜办理" if code in RENEWAL_REFUSALS else ""
            ),
        )
        for code, message in RULE_MESSAGES.items()
    ),
    # ADDRESS_TOO_SHORT and lib.text's TEXT_EMPTY are answered as VALIDATION_ERROR.
    *(
        ErrorCode(code, 422, message)
        for code, message in ADDRESS_MESSAGES.items()
        if code != "ADDRESS_TOO_SHORT"
    ),
    # lib.text's refusals of the address (its label and a 10x length cap: domain/address.py).
    ErrorCode("TEXT_INVALID_CHARACTERS", 422, f"{LABEL}含有不可见或控制字符，请删除后重新输入"),
    ErrorCode("TEXT_TOO_LONG", 422, f"{LABEL}不能超过{10 * MAX_LENGTH}个字"),
    IDCARD_NOT_READY,
    ErrorCode(
        "DEMO_DISABLED", 404, "仅演示环境提供此功能，请拍摄或上传您的身份证照片", retryable=False
    ),
    ErrorCode(
        "DEMO_CUSTOMER_ONLY",
        403,
        "仅演示客户可生成演示证件，请拍摄或上传您的身份证照片",
        retryable=False,
    ),
    ErrorCode(
        "DEMO_NO_BEST_FRAME",
        409,
        "未找到本次人脸识别的照片，请拍摄或上传身份证照片",
        retryable=False,
    ),
    ErrorCode(
        "DEMO_PORTRAIT_NO_FACE",
        409,
        "人脸识别的照片无法用作证件人像，请拍摄或上传身份证照片",
        retryable=False,
    ),
)
