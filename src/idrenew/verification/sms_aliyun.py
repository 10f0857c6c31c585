"""Alibaba Cloud SMS (短信服务, Dysmsapi 2017-05-25) through its SDK
(``alibabacloud-dysmsapi20170525``; ``alibabacloud-tea-openapi`` signs with
ACS3-HMAC-SHA256).

* ``send``: ``SendSms`` with the purpose's template code (``sms_templates``; named
  variables as JSON) and the approved signature; returns the ``BizId``.
* ``receipts``: ``QuerySendDetails`` per pending message (number, send date, BizId):
  ``SendStatus`` 3 delivered, 2 failed (``ErrCode``), 1 still waiting.
* ``probe()``: ``QuerySmsTemplate`` for each configured template (read-only, free): each
  must exist and be approved (``TemplateStatus`` 1).

Errors: the gateway's (HTTP 4xx/5xx, e.g. ``SignatureDoesNotMatch``, ``Throttling.User``)
and SendSms's business codes (HTTP 200, ``Code`` other than ``OK``, e.g.
``isv.BUSINESS_LIMIT_CONTROL``), mapped by ``classify``.

Settings: ``IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID`` / ``_ACCESS_KEY_SECRET`` (or their ``_FILE``),
``IDRENEW_SMS_ALIYUN_ENDPOINT`` (``https://dysmsapi.aliyuncs.com``), ``IDRENEW_SMS_TEMPLATES``
(template codes ``SMS_…``), ``IDRENEW_SMS_SIGN_NAME``, ``IDRENEW_SMS_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from idrenew.lib.vendor_config import vendor_config_problems
from idrenew.verification.sms import PendingReceipt, SmsMessage, SmsReceipt, SmsSendError
from idrenew.verification.sms_templates import (
    TemplateSmsBackend,
    configured_templates,
    template_for,
)

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

RETRYABLE = {
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
    "SignatureNonceUsed",  # a new attempt signs with a new nonce
    "isp.SYSTEM_ERROR",
    "isv.SYSTEM_ERROR",
    "isv.BUSINESS_LIMIT_CONTROL",  # 业务限流 (per-number minute/hour/day limits)
    "isv.DAY_LIMIT_CONTROL",
    "isv.SMS_OVER_LIMIT",
    "isv.AMOUNT_NOT_ENOUGH",  # 账户余额不足: top up, then retried
    "isv.OUT_OF_SERVICE",  # 业务停机 (arrears)
    "NETWORK",  # ours: connection refused, reset, timed out
}
RECIPIENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.SECURITY_FREEZE_ACCOUNT",
}


def classify(code: str) -> tuple[bool, bool]:
    """(retryable, recipient) of an Alibaba Cloud error code. Everything else (keys and
    signature, RAM permission, signature name, template, parameters) needs a person."""
    if code in RECIPIENT:
        return False, True
    return code in RETRYABLE, False


def _error(code: str, message: str, request_id: str = "") -> SmsSendError:
    retryable, recipient = classify(code)
    suffix = f" (RequestId {request_id})" if request_id else ""
    return SmsSendError(
        f"Aliyun SMS {code}: {message}"[:250] + suffix,
        code=code,
        retryable=retryable,
        recipient=recipient,
    )


class AliyunSmsBackend(TemplateSmsBackend):
    name = "aliyun"

    def vendor_problems(self) -> list[str]:
        return vendor_config_problems(
            secrets=("IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID", "IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET"),
            endpoint="IDRENEW_SMS_ALIYUN_ENDPOINT",
        )

    # -- the SDK -----------------------------------------------------------------------------
    def _client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client  # type: ignore[import-untyped]
        from alibabacloud_tea_openapi import models as open_api_models  # type: ignore[import-untyped]

        url = urlsplit(settings.IDRENEW_SMS_ALIYUN_ENDPOINT)
        timeout_ms = int(settings.IDRENEW_SMS_TIMEOUT_SECONDS * 1000)
        config = open_api_models.Config(
            access_key_id=settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=url.netloc,
            protocol=url.scheme,
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
        return Client(config)

    def _call(self, method: str, request: Any) -> dict[str, Any]:
        """One call; the answer's body as a dict (``Code`` OK), or ``SmsSendError``."""
        from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]

        try:
            response = getattr(self._client(), method)(request, RuntimeOptions())
        except Exception as exc:  # the SDK's exceptions share no base but carry a code
            code = getattr(exc, "code", None)
            if not code or code == "None":
                # Timeouts and refused connections: UnretryableException, requests' errors.
                raise _error("NETWORK", type(exc).__name__) from None
            message = str(getattr(exc, "message", "") or "")
            request_id = str(getattr(exc, "request_id", "") or "")
            raise _error(str(code), message[:160], request_id) from None
        body = response.body.to_map() if response.body is not None else {}
        if body.get("Code") != "OK":
            raise _error(
                str(body.get("Code")), str(body.get("Message", "")), str(body.get("RequestId", ""))
            )
        return dict(body)

    # -- SmsBackend --------------------------------------------------------------------------
    def send(self, message: SmsMessage) -> str | None:
        models = _models()
        template, params = template_for(message)
        body = self._call(
            "send_sms_with_options",
            models.SendSmsRequest(
                phone_numbers=message.mobile,
                sign_name=settings.IDRENEW_SMS_SIGN_NAME,
                template_code=template,
                template_param=json.dumps(dict(params), ensure_ascii=False),
                out_id=message.purpose,
            ),
        )
        return str(body.get("BizId") or "") or None

    def receipts(self, pending: Sequence[PendingReceipt]) -> list[SmsReceipt]:
        models = _models()
        out: list[SmsReceipt] = []
        for item in pending:
            body = self._call(
                "query_send_details_with_options",
                models.QuerySendDetailsRequest(
                    phone_number=item.mobile,
                    biz_id=item.vendor_message_id,
                    send_date=item.sent_at.astimezone(SHANGHAI).strftime("%Y%m%d"),
                    page_size=10,
                    current_page=1,
                ),
            )
            rows = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for row in rows:
                status = int(row.get("SendStatus") or 1)
                if status == 1:  # still waiting for the operator's receipt
                    continue
                out.append(
                    SmsReceipt(
                        vendor_message_id=item.vendor_message_id,
                        delivered=status == 3,
                        code=str(row.get("ErrCode") or "")[:80],
                        at=_vendor_time(str(row.get("ReceiveDate") or "")),
                    )
                )
                break
        return out

    def probe(self) -> list[str]:
        models = _models()
        problems = self.check_config()
        if problems:
            return problems
        for purpose, template in configured_templates().items():
            try:
                body = self._call(
                    "query_sms_template_with_options",
                    models.QuerySmsTemplateRequest(template_code=template),
                )
            except SmsSendError as exc:
                problems.append(f"QuerySmsTemplate {template} ({purpose}): {exc.code}")
                if exc.code in ("SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound"):
                    break  # the keys are wrong: every other call says the same
                continue
            if body.get("TemplateStatus") != 1:  # 0 under review, 1 approved, 2 refused
                problems.append(f"template {template} ({purpose}) is not approved")
        return problems


def _models() -> Any:
    from alibabacloud_dysmsapi20170525 import models  # type: ignore[import-untyped]

    return models


def _vendor_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None
