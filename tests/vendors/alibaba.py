"""Fake Alibaba Cloud OpenAPI endpoint (RPC style, signature V3 ACS3-HMAC-SHA256).

``alibabacloud-tea-openapi`` 0.4.x (used by ``alibabacloud-dysmsapi20170525`` 4.x) signs
every call with ACS3-HMAC-SHA256 unless the client is configured for the old V2 RPC
signature: ``Client.do_request``, default ``signature_algorithm``. The signature is
recomputed here from the documented algorithm (V3 请求体&签名机制), never with the SDK:

    CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n
                       CanonicalHeaders \\n SignedHeaders \\n HexEncode(SHA256(body))
    StringToSign     = "ACS3-HMAC-SHA256" \\n HexEncode(SHA256(CanonicalRequest))
    Signature        = HexEncode(HMAC-SHA256(AccessKeySecret, StringToSign))

with query names and values percent-encoded (RFC 3986: only ``A-Za-z0-9-_.~`` kept) and
sorted, and ``host``, ``content-type`` and every ``x-acs-*`` header signed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from tests.vendors.base import FakeVendorServer, Handler, ReceivedRequest, Reply

# Documented gateway errors: (HTTP status, message).
ERRORS = {
    "SignatureDoesNotMatch": (400, "Specified signature does not match our calculation."),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "MissingSignatureNonce": (400, "SignatureNonce is mandatory for this action."),
    "InvalidAction.NotFound": (
        404,
        "Specified api is not found, please check your url and method.",
    ),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "Throttling": (400, "Request was denied due to request throttling."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
    "InternalError": (500, "The request processing has failed due to some unknown error."),
}

AUTH_RE = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<id>[^,]+),SignedHeaders=(?P<signed>[a-z0-9;\-]+),"
    r"Signature=(?P<sig>[0-9a-f]{64})$"
)


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def acs3_signature(
    *,
    secret: str,
    method: str,
    path: str,
    query_pairs: list[tuple[str, str]],
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
) -> tuple[str, str]:
    """(signature, string to sign), as documented."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in query_pairs)
    canonical_query = "&".join(f"{k}={v}" for k, v in encoded)
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed_headers)
    canonical_request = "\n".join(
        [
            method,
            path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return signature, string_to_sign


def alibaba_error(
    code: str, message: str | None = None, *, status: int | None = None, delay: float = 0.0
) -> Reply:
    """A gateway error (HTTP 4xx/5xx with ``Code``/``Message``/``RequestId``)."""
    default_status, default_message = ERRORS.get(code, (400, code))
    return Reply(
        {
            "Code": code,
            "Message": message or default_message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}",
        },
        status=status or default_status,
        delay=delay,
    )


def alibaba_business_error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """A business refusal: HTTP 200 with ``Code`` other than ``OK`` (e.g. SendSms's
    ``isv.BUSINESS_LIMIT_CONTROL``)."""
    return {"Code": code, "Message": message, **extra}


@dataclass
class _Action:
    version: str
    handler: Handler


class FakeAlibabaCloud(FakeVendorServer):
    """An Alibaba Cloud product endpoint (``Config(endpoint=fake.host, protocol="http")``).
    ``on(action, handler, version=...)``: a handler gets the request (query and form
    parameters in ``req.params``) and returns the JSON fields (``RequestId`` added)."""

    def __init__(
        self,
        *,
        access_key_id: str = "LTAIfakeAlibabaKeyId00000",
        access_key_secret: str = "fakeAlibabaKeySecret000000000000",  # noqa: S107
        max_skew_seconds: int = 900,
        host_id: str = "dysmsapi.aliyuncs.com",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.credentials = {access_key_id: access_key_secret}
        self.max_skew_seconds = max_skew_seconds
        self.host_id = host_id
        self.clock = clock
        self.actions: dict[str, _Action] = {}
        self._nonces: set[str] = set()

    def on(  # type: ignore[override]
        self, action: str, handler: Handler, *, version: str
    ) -> None:
        self.actions[action] = _Action(version=version, handler=handler)
        super().on(action, handler)

    def parse(self, req: ReceivedRequest) -> None:
        req.action = req.header("x-acs-action")
        req.version = req.header("x-acs-version")
        params: dict[str, Any] = dict(req.query)
        if req.header("content-type").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(req.body.decode(), keep_blank_values=True))
        req.params = params

    def _refuse(self, req: ReceivedRequest, code: str, message: str | None = None) -> Reply:
        req.refused = code
        reply = alibaba_error(code, message)
        assert isinstance(reply.body, dict)
        reply.body.update(RequestId=req.request_id, HostId=self.host_id)
        return reply

    def authenticate(self, req: ReceivedRequest) -> Reply | None:
        auth_header = req.header("authorization")
        if not auth_header:
            return self._refuse(req, "IncompleteSignature", "Authorization is mandatory.")
        auth = AUTH_RE.match(auth_header)
        if auth is None:
            return self._refuse(req, "IncompleteSignature")
        action = self.actions.get(req.action)
        if action is None:
            return self._refuse(req, "InvalidAction.NotFound")
        if req.version != action.version:
            return self._refuse(req, "InvalidVersion")
        try:
            sent = datetime.strptime(req.header("x-acs-date"), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return self._refuse(req, "InvalidTimeStamp.Format")
        if abs(self.clock() - sent.replace(tzinfo=UTC).timestamp()) > self.max_skew_seconds:
            return self._refuse(req, "InvalidTimeStamp.Expired")
        nonce = req.header("x-acs-signature-nonce")
        if not nonce:
            return self._refuse(req, "MissingSignatureNonce")
        secret = self.credentials.get(auth["id"])
        if secret is None:
            return self._refuse(req, "InvalidAccessKeyId.NotFound")
        signed = auth["signed"].split(";")
        must_sign = {"host"} | {h for h in req.headers if h.startswith("x-acs-")}
        if "content-type" in req.headers:
            must_sign.add("content-type")
        if not must_sign <= set(signed) or signed != sorted(signed):
            return self._refuse(req, "IncompleteSignature")
        body_hash = hashlib.sha256(req.body).hexdigest()
        if req.header("x-acs-content-sha256") != body_hash:
            return self._refuse(
                req, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body."
            )
        expected, string_to_sign = acs3_signature(
            secret=secret,
            method=req.method,
            path=req.path,
            query_pairs=parse_qsl(req.raw_query, keep_blank_values=True),
            headers=req.headers,
            signed_headers=signed,
            body=req.body,
        )
        if not hmac.compare_digest(expected, auth["sig"]):
            return self._refuse(
                req,
                "SignatureDoesNotMatch",
                f"Specified signature does not match our calculation. The string to sign is: {string_to_sign}",
            )
        with self._lock:  # a nonce counts once its request is authentic
            if nonce in self._nonces:
                return self._refuse(req, "SignatureNonceUsed")
            self._nonces.add(nonce)
        return None

    def unknown_action(self, req: ReceivedRequest) -> Reply:
        return self._refuse(req, "InvalidAction.NotFound")

    def wrap(self, req: ReceivedRequest, result: dict[str, Any]) -> Reply:
        return Reply({**result, "RequestId": req.request_id})

    def answer(self, req: ReceivedRequest) -> Reply:
        reply = super().answer(req)
        body = reply.body
        if isinstance(body, dict) and "RequestId" not in body:
            body["RequestId"] = req.request_id
            if reply.status >= 400:
                body.setdefault("HostId", self.host_id)
        return reply
