"""Vendor SMS templates: one per purpose, with the purpose's parameters.

Chinese SMS vendors send only templates approved in advance (模板) under an approved
signature (签名). Register one template per purpose with these variables, in this order
(Tencent numbers them ``{1}``, ``{2}``…; Alibaba names them ``${code}``…), and set
``IDRENEW_SMS_TEMPLATES`` to ``purpose=template,…`` and ``IDRENEW_SMS_SIGN_NAME``:

- ``signin_code`` (code, minutes): 您的验证码为{code}，{minutes}分钟内有效。请勿将验证码告知他人。
- ``case_accepted`` (reference): 您的证件更新申请（编号{reference}）已受理，
  办理结果将以短信通知您。
- ``case_approved`` (reference, trading): 您的证件更新申请（编号{reference}）已通过，
  证件信息已更新。{trading}
- ``case_returned`` (reference, steps): 您的证件更新申请（编号{reference}）需补充：
  请重新完成{steps}。请登录<H5 地址>继续办理。
- ``case_rejected`` (reference, reason): 您的证件更新申请（编号{reference}）未通过，
  原因：{reason}。如有疑问请联系客服或至营业部办理。
- ``expiry_reminder`` (state, date): 您在我司留存的身份证件{state}（有效期至{date}），
  请尽快在线办理证件更新：<H5 地址>

Values are short plain text (a vendor limits each variable, typically to 20–35 characters;
longer values are cut here with "等"). No name, ID number or address is ever a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from idrenew.verification.sms import (
    CASE_ACCEPTED,
    CASE_APPROVED,
    CASE_REJECTED,
    CASE_RETURNED,
    EXPIRY_REMINDER,
    SIGNIN_CODE,
    SmsBackend,
    SmsMessage,
    SmsSendError,
)

PURPOSE_PARAMS: dict[str, tuple[str, ...]] = {
    SIGNIN_CODE: ("code", "minutes"),
    CASE_ACCEPTED: ("reference",),
    CASE_APPROVED: ("reference", "trading"),
    CASE_RETURNED: ("reference", "steps"),
    CASE_REJECTED: ("reference", "reason"),
    EXPIRY_REMINDER: ("state", "date"),
}
PURPOSES = tuple(PURPOSE_PARAMS)
MAX_PARAM_CHARS = 20


def param_value(value: str, limit: int = MAX_PARAM_CHARS) -> str:
    """A variable's value within the vendor's length limit."""
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "等"


def join_within(items: list[str], sep: str = "；", limit: int = MAX_PARAM_CHARS) -> str:
    """Whole items joined while they fit the limit, then "等" (never a cut word)."""
    out = ""
    for n, item in enumerate(items):
        joined = f"{out}{sep}{item}" if out else item
        rest = n + 1 < len(items)
        if len(joined) + (1 if rest else 0) > limit:
            return param_value(out + "等" if out else item, limit)
        out = joined
    return out


def parse_templates(raw: str | Mapping[str, str]) -> dict[str, str]:
    """``"signin_code=SMS_1,case_accepted=SMS_2"`` (or a mapping) → ``{purpose: template}``."""
    if isinstance(raw, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in raw.items() if str(v).strip()}
    out: dict[str, str] = {}
    for item in str(raw or "").replace(";", ",").split(","):
        if not item.strip():
            continue
        purpose, sep, template = item.partition("=")
        if not sep:
            raise ValueError(f"IDRENEW_SMS_TEMPLATES: {item.strip()!r} is not purpose=template")
        out[purpose.strip()] = template.strip()
    return out


def configured_templates() -> dict[str, str]:
    return parse_templates(settings.IDRENEW_SMS_TEMPLATES)


def template_problems() -> list[str]:
    """Missing or unknown purposes in IDRENEW_SMS_TEMPLATES, a missing signature."""
    try:
        templates = configured_templates()
    except ValueError as exc:
        return [str(exc)]
    problems = [
        f"IDRENEW_SMS_TEMPLATES has no template for {purpose}"
        for purpose in PURPOSES
        if not templates.get(purpose)
    ]
    problems += [
        f"IDRENEW_SMS_TEMPLATES names an unknown purpose {purpose!r} (known: {', '.join(PURPOSES)})"
        for purpose in templates
        if purpose not in PURPOSE_PARAMS
    ]
    if not settings.IDRENEW_SMS_SIGN_NAME.strip():
        problems.append("IDRENEW_SMS_SIGN_NAME (the approved SMS signature) is not set")
    return problems


def template_for(message: SmsMessage) -> tuple[str, list[tuple[str, str]]]:
    """The message's template and its (name, value) parameters in order; a message the
    templates cannot express is refused for good (a retry would not help)."""
    names = PURPOSE_PARAMS.get(message.purpose)
    if names is None:
        raise SmsSendError(
            f"no SMS template purpose {message.purpose!r}", code="PURPOSE_UNKNOWN", retryable=False
        )
    template = configured_templates().get(message.purpose)
    if not template:
        raise SmsSendError(
            f"IDRENEW_SMS_TEMPLATES has no template for {message.purpose}",
            code="TEMPLATE_NOT_CONFIGURED",
            retryable=False,
        )
    missing = [n for n in names if n not in message.params]
    if missing:
        raise SmsSendError(
            f"{message.purpose} lacks parameters {', '.join(missing)}",
            code="TEMPLATE_PARAMS_MISSING",
            retryable=False,
        )
    return template, [(n, param_value(message.params[n])) for n in names]


class TemplateSmsBackend(SmsBackend):
    """A vendor backend that sends approved templates under an approved signature."""

    def check_config(self) -> list[str]:
        return template_problems() + self.vendor_problems()

    def vendor_problems(self) -> list[str]:
        return []
