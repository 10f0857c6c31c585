"""The coded refusals of steps 7-10 (agreements, signature, documents), raised as
``CodedError(code, …)`` by ``signing/steps.py``; the document download's own errors are the
classes in ``signing/documents.py``."""

from __future__ import annotations

from idrenew.core.errors import ErrorCode, register

CODES = register(
    __name__,
    ErrorCode("AGREEMENT_UNKNOWN", 404, "未找到该协议，请返回重试"),
    ErrorCode("AGREEMENT_VERSION_OUTDATED", 409, "协议已更新，请重新阅读最新版本"),
    ErrorCode("AGREEMENT_NOT_SCROLLED", 422, "请完整阅读协议（滑动至文末）后再确认"),
    ErrorCode("AGREEMENT_TOO_FAST", 422, "请仔细阅读协议，稍后再确认已阅读"),
    ErrorCode("AGREEMENTS_NOT_READ", 409, "请先阅读全部协议"),
    ErrorCode("SIGNATURE_EMPTY", 422, "请先在空白处签名"),
    ErrorCode("SIGNATURE_TOO_SMALL", 422, "签名过小或过于简单，请在空白处写下完整的姓名"),
    ErrorCode("SIGNATURE_TOO_COMPLEX", 422, "签名笔画过多，请清除后用正常笔迹重新签名"),
    ErrorCode("SIGNATURE_INVALID", 422, "签名数据不正确，请清除后重新签名"),
)
