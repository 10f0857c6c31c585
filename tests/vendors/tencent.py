"""Fake Tencent Cloud API 3.0 endpoint (TC3-HMAC-SHA256), checked as the vendor documents.

The signature is recomputed here from the documented algorithm (签名方法 v3), never with
the SDK's signer: canonical request → string to sign → the derived key chain
``HMAC("TC3"+SecretKey, date) → service → "tc3_request"`` → hex HMAC-SHA256.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.vendors.base import FakeVendorServer, Handler, ReceivedRequest, Reply

# Documented common error codes (公共错误码) and their messages.
MESSAGES = {
    "AuthFailure.SignatureFailure": (
        "The provided credentials could not be validated. Please check your signature is correct."
    ),
    "AuthFailure.SignatureExpire": (
        "Signature expired. Timestamp and server time cannot differ by more than 5 minutes."
    ),
    "AuthFailure.SecretIdNotFound": "The SecretId is not found, please ensure that your SecretId is correct.",
    "AuthFailure.InvalidAuthorization": "Authorization is invalid.",
    "AuthFailure.InvalidSecretId": "Invalid key (not cloud API key type).",
    "MissingParameter": "The request is missing a required parameter.",
    "InvalidAction": "The requested action does not exist.",
    "NoSuchVersion": "The requested version does not exist.",
    "UnsupportedRegion": "The region is not supported by this API.",
    "RequestLimitExceeded": "Your current request times equals to `20` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.",
    "InternalError": "An internal error occurred.",
    "InvalidParameter": "Invalid parameter.",
}

AUTH_RE = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;\-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


def tc3_signature(
    *,
    secret_key: str,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
    timestamp: int,
    service: str,
) -> str:
    """The TC3-HMAC-SHA256 signature, step by step as documented."""
    canonical_headers = "".join(
        f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed_headers
    )
    canonical_request = "\n".join(
        [
            method,
            path or "/",
            query,
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    secret_date = _hmac(("TC3" + secret_key).encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_error(code: str, message: str | None = None, *, delay: float = 0.0) -> Reply:
    """A documented error answer: HTTP 200, ``{"Response": {"Error": …, "RequestId"}}``.
    The RequestId is filled in by the server."""
    return Reply(
        {"Response": {"Error": {"Code": code, "Message": message or MESSAGES.get(code, code)}}},
        delay=delay,
    )


@dataclass
class _Action:
    service: str
    version: str
    handler: Handler


class FakeTencentCloud(FakeVendorServer):
    """Tencent Cloud API 3.0 on a local port. Register actions with
    ``on(action, handler, service=..., version=...)``; a handler gets the request (its JSON
    body in ``req.params``) and returns the ``Response`` fields (or a ``Reply``)."""

    json_content_type = "application/json"

    def __init__(
        self,
        *,
        secret_id: str = "AKIDfakeTencentSecretId0000000000",  # noqa: S107
        secret_key: str = "fakeTencentSecretKey00000000000000",  # noqa: S107
        regions: tuple[str, ...] = ("ap-guangzhou", "ap-beijing", "ap-shanghai", "ap-nanjing"),
        max_skew_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.credentials = {secret_id: secret_key}
        self.regions = regions
        self.max_skew_seconds = max_skew_seconds
        self.clock = clock
        self.actions: dict[str, _Action] = {}

    def on(  # type: ignore[override]
        self, action: str, handler: Handler, *, service: str, version: str
    ) -> None:
        self.actions[action] = _Action(service=service, version=version, handler=handler)
        super().on(action, handler)

    def parse(self, req: ReceivedRequest) -> None:
        req.action = req.header("x-tc-action")
        req.version = req.header("x-tc-version")
        if req.method == "POST" and req.header("content-type").startswith("application/json"):
            req.params = json.loads(req.body or b"{}")
        else:
            req.params = dict(req.query)

    def _refuse(self, req: ReceivedRequest, code: str, message: str | None = None) -> Reply:
        req.refused = code
        reply = tencent_error(code, message)
        return self.wrap(req, reply.body["Response"])  # type: ignore[index]

    def authenticate(self, req: ReceivedRequest) -> Reply | None:
        if req.method not in ("POST", "GET") or req.path != "/":
            return self._refuse(req, "InvalidAction", "Only POST or GET on / is supported.")
        if not req.action:
            return self._refuse(req, "MissingParameter", "The request is missing X-TC-Action.")
        action = self.actions.get(req.action)
        if action is None:
            return self._refuse(req, "InvalidAction")
        if req.version != action.version:
            return self._refuse(req, "NoSuchVersion")
        auth = AUTH_RE.match(req.header("authorization"))
        if auth is None:
            return self._refuse(req, "AuthFailure.InvalidAuthorization")
        try:
            timestamp = int(req.header("x-tc-timestamp"))
        except ValueError:
            return self._refuse(req, "MissingParameter", "X-TC-Timestamp is missing or invalid.")
        if abs(self.clock() - timestamp) > self.max_skew_seconds:
            return self._refuse(req, "AuthFailure.SignatureExpire")
        secret_key = self.credentials.get(auth["id"])
        if secret_key is None:
            return self._refuse(req, "AuthFailure.SecretIdNotFound")
        signed = auth["signed"].split(";")
        if "content-type" not in signed or "host" not in signed or signed != sorted(signed):
            return self._refuse(req, "AuthFailure.InvalidAuthorization")
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        if auth["date"] != date or auth["service"] != action.service:
            return self._refuse(req, "AuthFailure.SignatureFailure")
        expected = tc3_signature(
            secret_key=secret_key,
            method=req.method,
            path=req.path,
            query=req.raw_query if req.method == "GET" else "",
            headers=req.headers,
            signed_headers=signed,
            body=b"" if req.method == "GET" else req.body,
            timestamp=timestamp,
            service=action.service,
        )
        if not hmac.compare_digest(expected, auth["sig"]):
            return self._refuse(req, "AuthFailure.SignatureFailure")
        region = req.header("x-tc-region")
        if region and region not in self.regions:
            return self._refuse(req, "UnsupportedRegion")
        return None

    def unknown_action(self, req: ReceivedRequest) -> Reply:
        return self._refuse(req, "InvalidAction")

    def wrap(self, req: ReceivedRequest, result: dict[str, Any]) -> Reply:
        return Reply({"Response": {**result, "RequestId": req.request_id}})

    def answer(self, req: ReceivedRequest) -> Reply:
        reply = super().answer(req)
        # Scripted error replies get the request id like any other answer.
        body = reply.body
        if isinstance(body, dict) and "Response" in body and "RequestId" not in body["Response"]:
            body["Response"]["RequestId"] = req.request_id
        return reply
