"""Coded refusals after a definite answer of the public-security identity check."""

from idrenew.core.errors import AppError
from idrenew.face.errors import BRANCH_ROUTE


class IdentityNotSamePerson(AppError):
    code = "IDENTITY_NOT_SAME_PERSON"
    status = 409
    default_message = "人脸与公安部门登记的身份证照片比对未通过，无法在线办理。" + BRANCH_ROUTE
    retryable = False
    staff_message = "公安人像比对结论为非同一人：不可在线通过，客户需临柜办理"


class IdentityRecordMismatch(AppError):
    code = "IDENTITY_RECORD_MISMATCH"
    status = 409
    default_message = (
        "您的身份证号码、姓名与公安部门登记的信息核验不一致，无法在线办理。" + BRANCH_ROUTE
    )
    retryable = False
    staff_message = "公安身份核验结论为号码与姓名不一致：不可在线通过，客户需临柜办理"


class IdentityValidityMismatch(AppError):
    code = "IDENTITY_VALIDITY_MISMATCH"
    status = 422
    default_message = "证件有效期与公安部门登记的信息不一致，请按身份证背面核对有效期后重新提交"
