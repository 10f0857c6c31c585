"""An in-house SMS platform over HTTP: one signed JSON POST per message.

Request (``POST IDRENEW_SMS_HTTP_URL``, ``Content-Type: application/json``)::

    {"action": "send", "message_id": "<uuid>", "mobile": "13800138000",
     "purpose": "signin_code", "template": "<its IDRENEW_SMS_TEMPLATES entry, or null>",
     "params": {"code": "123456", "minutes": "5"},
     "sign_name": "<IDRENEW_SMS_SIGN_NAME>", "text": "【…】您的验证码为123456…"}

``{"action": "probe"}`` is the read-only check (``probe()``). Headers:

* ``X-Idrenew-Key-Id``: ``IDRENEW_SMS_HTTP_KEY_ID`` (which secret the platform uses);
* ``X-Idrenew-Timestamp``: Unix seconds (the platform refuses more than 300 s off);
* ``X-Idrenew-Signature``: lowercase hex ``HMAC-SHA256(secret, timestamp + "\\n" + body)``
  over the exact body bytes sent (``IDRENEW_SMS_HTTP_SECRET``).

Answer: HTTP 2xx with ``{"ok": true, "message_id": "<the platform's id>"}``; a refusal
``{"ok": false, "code": "…", "message": "…", "retryable": false, "recipient": false}``.
Without a body's say, HTTP 408, 429 and 5xx are retryable, other 4xx not; a timeout or a
refused connection is retryable. ``message_id`` lets the platform drop a duplicate.
No delivery receipts (the platform's own business).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from idrenew.verification.sms import SmsMessage, SmsSendError
from idrenew.verification.sms_templates import (
    TemplateSmsBackend,
    template_for,
    template_problems,
)

SIGNATURE_HEADER = "X-Idrenew-Signature"
KEY_ID_HEADER = "X-Idrenew-Key-Id"
TIMESTAMP_HEADER = "X-Idrenew-Timestamp"


def http_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class HttpSmsBackend(TemplateSmsBackend):
    name = "http"

    def check_config(self) -> list[str]:
        # The platform may render the text itself: templates are optional, the rest not.
        problems = [p for p in template_problems() if "IDRENEW_SMS_TEMPLATES has no" not in p]
        return problems + self.vendor_problems()

    def vendor_problems(self) -> list[str]:
        problems = []
        url = urlsplit(settings.IDRENEW_SMS_HTTP_URL)
        if url.scheme not in ("https", "http") or not url.netloc:
            problems.append("IDRENEW_SMS_HTTP_URL must be an https:// URL")
        elif settings.PRODUCTION and url.scheme != "https":
            problems.append("IDRENEW_SMS_HTTP_URL must use https in production")
        if not settings.IDRENEW_SMS_HTTP_KEY_ID.strip():
            problems.append("IDRENEW_SMS_HTTP_KEY_ID is not set")
        if not settings.IDRENEW_SMS_HTTP_SECRET:
            problems.append("IDRENEW_SMS_HTTP_SECRET (or _FILE) is not set")
        return problems

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            KEY_ID_HEADER: settings.IDRENEW_SMS_HTTP_KEY_ID,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: http_signature(settings.IDRENEW_SMS_HTTP_SECRET, timestamp, body),
        }
        try:
            resp = requests.post(
                settings.IDRENEW_SMS_HTTP_URL,
                data=body,
                headers=headers,
                timeout=settings.IDRENEW_SMS_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise SmsSendError(
                f"SMS platform unreachable ({type(exc).__name__})", code="NETWORK"
            ) from None
        try:
            answer = resp.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if 200 <= resp.status_code < 300 and answer.get("ok") is True:
            return answer
        code = str(answer.get("code") or f"HTTP_{resp.status_code}")
        default_retry = resp.status_code in (408, 429) or resp.status_code >= 500
        if 200 <= resp.status_code < 300:  # 2xx without ok: true is a malformed answer
            default_retry = True
        retryable = answer.get("retryable")
        raise SmsSendError(
            f"SMS platform {code}: {str(answer.get('message') or '')[:160]}",
            code=code,
            retryable=default_retry if retryable is None else bool(retryable),
            recipient=bool(answer.get("recipient")),
        )

    def send(self, message: SmsMessage) -> str | None:
        template, params = None, dict(message.params)
        try:
            template, ordered = template_for(message)
            params = dict(ordered)
        except SmsSendError as exc:
            if exc.code != "TEMPLATE_NOT_CONFIGURED":
                raise
        answer = self._post(
            {
                "action": "send",
                "message_id": str(uuid.uuid4()),
                "mobile": message.mobile,
                "purpose": message.purpose,
                "template": template,
                "params": params,
                "sign_name": settings.IDRENEW_SMS_SIGN_NAME,
                "text": message.text,
            }
        )
        return str(answer.get("message_id") or "") or None

    def probe(self) -> list[str]:
        problems = self.check_config()
        if problems:
            return problems
        try:
            self._post({"action": "probe"})
        except SmsSendError as exc:
            return [f"probe: {exc.code}"]
        return []
