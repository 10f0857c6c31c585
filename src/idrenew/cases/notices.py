"""The SMS texts sent at submission and decision (no personal data beyond the reference)."""

from __future__ import annotations

from django.conf import settings

from idrenew.cases.domain.states import STEPS


def _sign() -> str:
    return f"【{settings.IDRENEW_SIGNING_BROKER_NAME}】"


def accepted(reference: str) -> str:
    return (
        f"{_sign()}您的证件更新申请（编号{reference}）已受理，我们将尽快办理，"
        "办理结果将以短信通知您。"
    )


# The 已通过 SMS's line on trading, by what the counter update did to the restrictions.
# Other restriction reasons are never named (some, like an AML review, must not be).
TRADING_LINES = {
    "restored": "证件过期限制已解除，交易权限已恢复。",
    "partly": "证件过期限制已解除；账户另有交易限制，详情请联系客服。",
    "restricted": "账户另有交易限制，详情请联系客服。",
}


def approved(reference: str, *, trading: str | None = None) -> str:
    """Sent once the counter has the new data; ``trading``: a key of ``TRADING_LINES``."""
    line = TRADING_LINES[trading] if trading else ""
    return f"{_sign()}您的证件更新申请（编号{reference}）已通过，证件信息已更新。{line}"


def rejected(reference: str, reasons: list[str]) -> str:
    why = "；".join(reasons) or "详见办理进度"
    return (
        f"{_sign()}您的证件更新申请（编号{reference}）未通过，原因：{why}。"
        "如有疑问请联系客服或至营业部办理。"
    )


def returned(reference: str, steps: list[int]) -> str:
    titles = "、".join(STEPS[n - 1].title for n in sorted(steps))
    return (
        f"{_sign()}您的证件更新申请（编号{reference}）需补充：请重新完成{titles}。"
        f"请登录 {settings.IDRENEW_PUBLIC_H5_URL} 继续办理。"
    )
