"""Local fakes of the vendors' HTTP APIs, so the adapters are tested without the internet.

Each fake is a small threaded ``http.server`` on 127.0.0.1 (a free port) that checks every
request exactly as the vendor documents it and answers with the vendor's documented bodies:

- ``tencent.FakeTencentCloud``: Tencent Cloud API 3.0. Headers ``X-TC-Action``,
  ``X-TC-Version``, ``X-TC-Timestamp``, ``X-TC-Region``; ``Authorization: TC3-HMAC-SHA256
  Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=content-type;host,
  Signature=<hex>``, recomputed independently from the documented algorithm (Tencent Cloud
  API 3.0 "签名方法 v3": canonical request → string to sign → HMAC key chain
  ``"TC3"+SecretKey → date → service → "tc3_request"``). Refusals as in "公共错误码":
  ``AuthFailure.SignatureFailure``, ``AuthFailure.SignatureExpire`` (more than 5 minutes
  off), ``AuthFailure.SecretIdNotFound``, ``AuthFailure.InvalidAuthorization``,
  ``InvalidAction``, ``NoSuchVersion``, ``UnsupportedRegion``; every answer is HTTP 200 with
  ``{"Response": {…, "RequestId"}}``.
- ``alibaba.FakeAlibabaCloud``: Alibaba Cloud OpenAPI, RPC style, signature V3
  ``ACS3-HMAC-SHA256`` (what ``alibabacloud-tea-openapi`` 0.4 signs with by default; see the
  module) recomputed from Alibaba Cloud's "V3版本请求体&签名机制". Refusals:
  ``SignatureDoesNotMatch``, ``IncompleteSignature``, ``InvalidAccessKeyId.NotFound``,
  ``InvalidTimeStamp.Expired`` (more than 15 minutes off), ``SignatureNonceUsed``,
  ``InvalidAction.NotFound``, ``InvalidVersion``, with the documented HTTP status and
  ``{"Code", "Message", "RequestId", "HostId", "Recommend"}``.
- ``sms``: the SMS products on top (Tencent SMS 2021-01-11 SendSms / PullSmsSendStatus /
  DescribeSmsTemplateList; Alibaba Dysmsapi 2017-05-25 SendSms / QuerySendDetails /
  QuerySmsTemplate).

Pluggable: ``fake.on(action, handler, …)`` adds an action (a handler gets the
``ReceivedRequest`` and returns the response fields, or a ``Reply``); ``fake.script(action,
reply, …)`` queues answers used once each, after authentication, e.g.
``tencent_error("LimitExceeded.PhoneNumberDailyLimit")``, ``tencent_error("RequestLimitExceeded")``,
``alibaba_error("Throttling.User")``, ``alibaba_business_error("isv.BUSINESS_LIMIT_CONTROL", …)``,
or ``Reply(delay=5)`` (longer than the client's timeout). ``fake.requests`` records every
request (``refused`` is the error code the fake answered with, None when authenticated).

Usage::

    with FakeTencentCloud(secret_id=..., secret_key=...) as fake:
        install_tencent_sms(fake, app_id="1400000001", signs={"示例期货"}, templates={...})
        client endpoint: fake.host (plain http)
"""

from tests.vendors.alibaba import (
    FakeAlibabaCloud,
    acs3_signature,
    alibaba_business_error,
    alibaba_error,
)
from tests.vendors.base import FakeVendorServer, ReceivedRequest, Reply
from tests.vendors.sms import FakeSmsState, install_alibaba_sms, install_tencent_sms
from tests.vendors.tencent import FakeTencentCloud, tc3_signature, tencent_error

__all__ = [
    "FakeAlibabaCloud",
    "FakeSmsState",
    "FakeTencentCloud",
    "FakeVendorServer",
    "ReceivedRequest",
    "Reply",
    "acs3_signature",
    "alibaba_business_error",
    "alibaba_error",
    "install_alibaba_sms",
    "install_tencent_sms",
    "tc3_signature",
    "tencent_error",
]
