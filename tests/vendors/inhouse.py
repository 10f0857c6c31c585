"""Fake in-house SMS platform: the contract of ``idrenew.verification.sms_http`` checked
independently (HMAC-SHA256 over ``timestamp + "\\n" + body``, key id, 300 s clock window)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from tests.vendors.base import FakeVendorServer, ReceivedRequest, Reply


def inhouse_error(
    code: str, *, status: int = 400, retryable: bool | None = None, recipient: bool = False
) -> Reply:
    body: dict[str, Any] = {"ok": False, "code": code, "message": code, "recipient": recipient}
    if retryable is not None:
        body["retryable"] = retryable
    return Reply(body, status=status)


class FakeInhouseSms(FakeVendorServer):
    def __init__(
        self,
        *,
        key_id: str = "idrenew",
        secret: str = "inhouse-secret",  # noqa: S107
        max_skew_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.keys = {key_id: secret}
        self.max_skew_seconds = max_skew_seconds
        self.clock = clock
        self.sent: list[dict[str, Any]] = []
        self.on("send", self._send)
        self.on("probe", lambda req: {"ok": True})

    def parse(self, req: ReceivedRequest) -> None:
        req.params = json.loads(req.body or b"{}")
        req.action = str(req.params.get("action") or "")

    def _refuse(self, req: ReceivedRequest, code: str, status: int) -> Reply:
        req.refused = code
        return inhouse_error(code, status=status, retryable=False)

    def authenticate(self, req: ReceivedRequest) -> Reply | None:
        if req.method != "POST" or not req.header("content-type").startswith("application/json"):
            return self._refuse(req, "BAD_REQUEST", 400)
        secret = self.keys.get(req.header("x-idrenew-key-id"))
        if secret is None:
            return self._refuse(req, "KEY_UNKNOWN", 401)
        timestamp = req.header("x-idrenew-timestamp")
        if not timestamp.isdigit() or abs(self.clock() - int(timestamp)) > self.max_skew_seconds:
            return self._refuse(req, "TIMESTAMP_EXPIRED", 401)
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"\n" + req.body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, req.header("x-idrenew-signature")):
            return self._refuse(req, "SIGNATURE_INVALID", 401)
        return None

    def _send(self, req: ReceivedRequest) -> Reply | dict[str, Any]:
        if not str(req.params.get("mobile", "")).isdigit():
            return inhouse_error("MOBILE_INVALID", recipient=True)
        self.sent.append(req.params)
        return {"ok": True, "message_id": f"IH-{uuid.uuid4().hex[:12]}"}

    def unknown_action(self, req: ReceivedRequest) -> Reply:
        return self._refuse(req, "ACTION_UNKNOWN", 400)

    def wrap(self, req: ReceivedRequest, result: dict[str, Any]) -> Reply:
        return Reply(result)
