"""Tencent Cloud SMS (短信) through its SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11,
signed TC3-HMAC-SHA256 by the SDK).

* ``send``: ``SendSms`` with the purpose's template (``sms_templates``), the approved
  signature and the application (``SmsSdkAppId``); returns the message's ``SerialNo``.
* ``receipts``: ``PullSmsSendStatus`` (the receipts the vendor has collected since the last
  pull; each is handed out once), matched on ``SerialNo``.
* ``probe()``: ``DescribeSmsTemplateList`` for the configured templates (read-only, free):
  each must exist and be approved.

Errors: the request's ``Error.Code`` or the number's ``SendStatusSet[].Code``, mapped by
``classify`` to retryable (throttling, the vendor's internal errors, network, timeouts,
an exhausted package) or not (keys, signature, template, parameters, the number).

Settings: ``IDRENEW_SMS_TENCENT_SECRET_ID`` / ``_SECRET_KEY`` (or their ``_FILE``),
``IDRENEW_SMS_TENCENT_APP_ID``, ``IDRENEW_SMS_TENCENT_REGION`` (``ap-guangzhou``),
``IDRENEW_SMS_TENCENT_ENDPOINT`` (``https://sms.tencentcloudapi.com``),
``IDRENEW_SMS_TEMPLATES`` (template ids), ``IDRENEW_SMS_SIGN_NAME``,
``IDRENEW_SMS_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from idrenew.lib.vendor_config import Required, vendor_config_problems
from idrenew.verification.sms import PendingReceipt, SmsMessage, SmsReceipt, SmsSendError
from idrenew.verification.sms_templates import (
    TemplateSmsBackend,
    configured_templates,
    template_for,
)

logger = logging.getLogger(__name__)
# The SDK logs whole requests and answers (numbers, codes) at DEBUG: never let it.
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.WARNING)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Codes a retry may cure (besides the prefixes in ``classify``).
RETRYABLE = {
    "RequestLimitExceeded",
    "ClientNetworkError",  # SDK: connection refused, reset, timed out
    "ServerNetworkError",  # SDK: an answer other than HTTP 200
    "FailedOperation.InsufficientBalanceInSmsPackage",  # 套餐包余量不足: top up, then retried
    "FailedOperation.FailResolvePacket",
    "ResourceUnavailable",
}
# The customer's number itself cannot receive (the sign-in page says so).
RECIPIENT = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberOnBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "UnsupportedOperation.UnsupportedRegion",
}
# Not retryable although in a retryable family.
FINAL = {"LimitExceeded.PhoneNumberCountLimit"}


def classify(code: str) -> tuple[bool, bool]:
    """(retryable, recipient) of a Tencent Cloud error code."""
    if code in RECIPIENT:
        return False, True
    if code in FINAL:
        return False, False
    if code in RETRYABLE:
        return True, False
    family = code.split(".", 1)[0]
    # RequestLimitExceeded.*, LimitExceeded.* (per-number 30 s / 1 h / day limits, the
    # application's daily limit), InternalError.* (vendor timeouts, system errors).
    if family in ("RequestLimitExceeded", "LimitExceeded", "InternalError"):
        return True, False
    # AuthFailure.*, FailedOperation.* (signature, template, content), InvalidParameter*,
    # MissingParameter, UnauthorizedOperation.*, UnsupportedOperation.*: a person must act.
    return False, False


def _error(code: str, message: str, request_id: str = "") -> SmsSendError:
    retryable, recipient = classify(code)
    suffix = f" (RequestId {request_id})" if request_id else ""
    return SmsSendError(
        f"Tencent SMS {code}: {message}"[:250] + suffix,
        code=code,
        retryable=retryable,
        recipient=recipient,
    )


class TencentSmsBackend(TemplateSmsBackend):
    name = "tencent"

    def vendor_problems(self) -> list[str]:
        problems = vendor_config_problems(
            secrets=("IDRENEW_SMS_TENCENT_SECRET_ID", "IDRENEW_SMS_TENCENT_SECRET_KEY"),
            required=(Required("IDRENEW_SMS_TENCENT_APP_ID", "the SmsSdkAppId"),),
            endpoint="IDRENEW_SMS_TENCENT_ENDPOINT",
        )
        for purpose, template in configured_templates().items():
            if not template.isdigit():
                problems.append(
                    f"IDRENEW_SMS_TEMPLATES: {purpose}'s Tencent template id must be a number"
                )
        return problems

    # -- the SDK -----------------------------------------------------------------------------
    def _client(self) -> Any:
        from tencentcloud.common import credential  # type: ignore[import-untyped]
        from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
        from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
        from tencentcloud.sms.v20210111 import sms_client  # type: ignore[import-untyped]

        url = urlsplit(settings.IDRENEW_SMS_TENCENT_ENDPOINT)
        http = HttpProfile(
            protocol=url.scheme,
            endpoint=url.netloc,
            reqTimeout=max(1, math.ceil(settings.IDRENEW_SMS_TIMEOUT_SECONDS)),
        )
        cred = credential.Credential(
            settings.IDRENEW_SMS_TENCENT_SECRET_ID, settings.IDRENEW_SMS_TENCENT_SECRET_KEY
        )
        return sms_client.SmsClient(
            cred, settings.IDRENEW_SMS_TENCENT_REGION, ClientProfile(httpProfile=http)
        )

    def _call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One call; the answer's ``Response`` fields, or ``SmsSendError``."""
        import json

        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # type: ignore[import-untyped]
            TencentCloudSDKException,
        )

        try:
            body = self._client().call(action, params)
            answer = json.loads(body)["Response"]
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "ClientNetworkError")
            # The SDK puts the HTTP body or the socket error in the message: not logged whole.
            message = str(exc.get_message() or "")[:160]
            raise _error(code, message, str(exc.get_request_id() or "")) from None
        except (ValueError, KeyError, OSError) as exc:
            raise _error("ServerNetworkError", type(exc).__name__) from None
        if "Error" in answer:
            raise _error(
                str(answer["Error"].get("Code")),
                str(answer["Error"].get("Message", "")),
                str(answer.get("RequestId", "")),
            )
        return dict(answer)

    # -- SmsBackend --------------------------------------------------------------------------
    def send(self, message: SmsMessage) -> str | None:
        template, params = template_for(message)
        answer = self._call(
            "SendSms",
            {
                "PhoneNumberSet": [f"+86{message.mobile}"],
                "SmsSdkAppId": settings.IDRENEW_SMS_TENCENT_APP_ID,
                "SignName": settings.IDRENEW_SMS_SIGN_NAME,
                "TemplateId": template,
                "TemplateParamSet": [value for _name, value in params],
                "SessionContext": message.purpose,
            },
        )
        statuses = answer.get("SendStatusSet") or []
        if not statuses:
            raise _error("ServerNetworkError", "no SendStatusSet", str(answer.get("RequestId", "")))
        status = statuses[0]
        if status.get("Code") != "Ok":
            raise _error(
                str(status.get("Code")),
                str(status.get("Message", "")),
                str(answer.get("RequestId", "")),
            )
        return str(status.get("SerialNo") or "") or None

    def receipts(self, pending: Sequence[PendingReceipt]) -> list[SmsReceipt]:
        if not pending:
            return []
        wanted = {p.vendor_message_id for p in pending}
        out: list[SmsReceipt] = []
        while True:  # each pull hands out up to 100 receipts, each once
            answer = self._call(
                "PullSmsSendStatus",
                {"SmsSdkAppId": settings.IDRENEW_SMS_TENCENT_APP_ID, "Limit": 100},
            )
            batch = answer.get("PullSmsSendStatusSet") or []
            for row in batch:
                serial = str(row.get("SerialNo") or "")
                if serial not in wanted:
                    continue
                out.append(
                    SmsReceipt(
                        vendor_message_id=serial,
                        delivered=row.get("ReportStatus") == "SUCCESS",
                        code=str(row.get("Description") or row.get("ReportStatus") or "")[:80],
                        at=_vendor_time(str(row.get("UserReceiveTime") or "")),
                    )
                )
            if len(batch) < 100:
                return out

    def probe(self) -> list[str]:
        problems = self.check_config()
        if problems:
            return problems
        ids = sorted({int(t) for t in configured_templates().values()})
        try:
            answer = self._call(
                "DescribeSmsTemplateList", {"TemplateIdSet": ids, "International": 0}
            )
        except SmsSendError as exc:
            return [f"DescribeSmsTemplateList: {exc.code}"]
        found = {int(t.get("TemplateId")): t for t in answer.get("DescribeTemplateStatusSet") or []}
        for purpose, template in configured_templates().items():
            row = found.get(int(template))
            if row is None:
                problems.append(f"template {template} ({purpose}) not found")
            elif row.get("StatusCode") != 0:  # 0 approved, 1 under review, -1 refused
                problems.append(f"template {template} ({purpose}) is not approved")
        return problems


def _vendor_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None
