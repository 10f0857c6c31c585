"""The fakes refuse what the vendors refuse (raw HTTP, no SDK) and accept the SDKs' requests."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime

import requests

from tests.vendors import (
    FakeAlibabaCloud,
    FakeTencentCloud,
    Reply,
    acs3_signature,
    alibaba_error,
    tc3_signature,
    tencent_error,
)

SK = "tencent-secret"
AK_SECRET = "alibaba-secret"


def _tencent_post(
    fake: FakeTencentCloud,
    body: dict,
    *,
    secret: str = SK,
    ts: int | None = None,
    timeout: float = 5,
) -> dict:
    data = json.dumps(body).encode()
    ts = int(time.time()) if ts is None else ts
    headers = {"content-type": "application/json", "host": fake.host}
    sig = tc3_signature(
        secret_key=secret,
        method="POST",
        path="/",
        query="",
        headers=headers,
        signed_headers=["content-type", "host"],
        body=data,
        timestamp=ts,
        service="sms",
    )
    date = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    resp = requests.post(
        fake.url + "/",
        data=data,
        headers={
            "Content-Type": "application/json",
            "X-TC-Action": "Ping",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(ts),
            "X-TC-Region": "ap-guangzhou",
            "Authorization": f"TC3-HMAC-SHA256 Credential=AKID1/{date}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={sig}",
        },
        timeout=timeout,
    )
    assert resp.status_code == 200
    return resp.json()["Response"]


def test_tencent_fake_checks_the_tc3_signature_and_the_clock() -> None:
    with FakeTencentCloud(secret_id="AKID1", secret_key=SK) as fake:
        fake.on("Ping", lambda req: {"Echo": req.params["x"]}, service="sms", version="2021-01-11")
        assert _tencent_post(fake, {"x": 1})["Echo"] == 1
        wrong = _tencent_post(fake, {"x": 1}, secret="not-the-secret")
        assert wrong["Error"]["Code"] == "AuthFailure.SignatureFailure"
        assert wrong["RequestId"]
        stale = _tencent_post(fake, {"x": 1}, ts=int(time.time()) - 301)
        assert stale["Error"]["Code"] == "AuthFailure.SignatureExpire"
        fake.script("Ping", tencent_error("RequestLimitExceeded"))
        assert _tencent_post(fake, {"x": 1})["Error"]["Code"] == "RequestLimitExceeded"
        assert _tencent_post(fake, {"x": 2})["Echo"] == 2  # the script is used once
        assert [r.refused for r in fake.requests] == [
            None,
            "AuthFailure.SignatureFailure",
            "AuthFailure.SignatureExpire",
            None,
            None,
        ]


def _alibaba_post(
    fake: FakeAlibabaCloud,
    query: dict[str, str],
    *,
    secret: str = AK_SECRET,
    nonce: str | None = None,
    date: str | None = None,
    signed: list[str] | None = None,
) -> requests.Response:
    body = b""
    headers = {
        "host": fake.host,
        "x-acs-action": "Ping",
        "x-acs-version": "2017-05-25",
        "x-acs-date": date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    signed = signed or sorted(headers)
    sig, _ = acs3_signature(
        secret=secret,
        method="POST",
        path="/",
        query_pairs=list(query.items()),
        headers=headers,
        signed_headers=signed,
        body=body,
    )
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential=LTAI1,SignedHeaders={';'.join(signed)},Signature={sig}"
    )
    return requests.post(fake.url + "/", params=query, data=body, headers=headers, timeout=5)


def test_alibaba_fake_checks_the_v3_signature_nonce_and_clock() -> None:
    with FakeAlibabaCloud(access_key_id="LTAI1", access_key_secret=AK_SECRET) as fake:
        fake.on("Ping", lambda req: {"Code": "OK", "Echo": req.params["A b"]}, version="2017-05-25")
        ok = _alibaba_post(fake, {"A b": "值 *~"}, nonce="n1")
        assert ok.status_code == 200 and ok.json()["Echo"] == "值 *~"
        again = _alibaba_post(fake, {"A b": "x"}, nonce="n1")
        assert again.json()["Code"] == "SignatureNonceUsed"
        wrong = _alibaba_post(fake, {"A b": "x"}, secret="nope")
        assert wrong.status_code == 400
        assert wrong.json()["Code"] == "SignatureDoesNotMatch"
        stale = _alibaba_post(fake, {"A b": "x"}, date="2020-01-01T00:00:00Z")
        assert stale.json()["Code"] == "InvalidTimeStamp.Expired"
        partial = _alibaba_post(fake, {"A b": "x"}, signed=["host", "x-acs-action"])
        assert partial.json()["Code"] == "IncompleteSignature"
        fake.script("Ping", alibaba_error("Throttling.User"))
        throttled = _alibaba_post(fake, {"A b": "x"})
        assert (throttled.status_code, throttled.json()["Code"]) == (400, "Throttling.User")


def test_a_delayed_answer_outlasts_the_client_timeout() -> None:
    with FakeTencentCloud(secret_id="AKID1", secret_key=SK) as fake:
        fake.on("Ping", lambda req: {}, service="sms", version="2021-01-11")
        fake.script("Ping", Reply(delay=3))
        started = time.monotonic()
        try:
            _tencent_post(fake, {}, timeout=0.5)
        except requests.Timeout:
            pass
        else:  # pragma: no cover
            raise AssertionError("no timeout")
        assert time.monotonic() - started < 2
        assert fake.accepted("Ping")  # authenticated, then held past the timeout
