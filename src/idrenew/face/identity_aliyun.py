"""Alibaba Cloud ID Verification (实人认证, cloudauth 2019-03-07) as the identity check,
through its SDK (``alibabacloud-cloudauth20190307``, RPC style, HMAC-SHA1 signature).

* ``ContrastFaceVerify`` (ProductCode ``ID_MIN``, the broker's ``SceneId``): the best frame
  against the public-security photo of the name and ID number; ``ResultObject.SubCode``
  200 passed, 201/202 number and name do not match / no record, 204 (207) not the same
  person, 209 the authoritative source failed; ``MaterialInfo`` carries the vendor's score.
* ``Id2MetaVerify`` (number + name), then ``Id2MetaPeriodVerify`` (+ validity) when the
  validity is known: ``BizCode`` 1 consistent, 2 inconsistent, 3 no record.
* ``probe()``: ``Id2MetaVerify`` with a malformed number, which the service refuses as an
  invalid parameter before any check (no personal data, nothing billed).

Settings: ``IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID`` / ``_ACCESS_KEY_SECRET`` (or their
``_FILE``), ``IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID``, ``IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT``
(default ``https://cloudauth.aliyuncs.com``), ``IDRENEW_IDENTITY_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from idrenew.face.identity import IdentityCheck, Outcome, Validity
from idrenew.lib.vendor_config import Required, vendor_config_problems

logger = logging.getLogger(__name__)

PROBE_ID_NUMBER = "000000000000000000"

_SUBCODES: dict[str, Outcome] = {
    "200": Outcome.MATCH,
    "201": Outcome.RECORD_MISMATCH,  # 姓名和身份证号不一致
    "202": Outcome.RECORD_MISMATCH,  # 查询不到身份信息
    "203": Outcome.INCONCLUSIVE,  # 查询不到照片或照片不可用
    "204": Outcome.NOT_SAME_PERSON,  # 人脸比对不一致
    "205": Outcome.INCONCLUSIVE,  # 活体检测存在风险
    "206": Outcome.INCONCLUSIVE,  # 业务策略限制
    "207": Outcome.NOT_SAME_PERSON,  # 人脸与身份证人像比对失败
    "209": Outcome.UNAVAILABLE,  # 权威比对源异常
}
# The response's own ``Code`` when not 200.
_CODES: dict[str, Outcome] = {
    "400": Outcome.CONFIG_ERROR,  # 参数不能为空
    "401": Outcome.CONFIG_ERROR,  # 参数非法
    "402": Outcome.CONFIG_ERROR,  # 应用配置不存在
    "404": Outcome.CONFIG_ERROR,  # 认证场景配置不存在
    "410": Outcome.CONFIG_ERROR,  # 未开通服务
    "411": Outcome.CONFIG_ERROR,  # RAM无权限
    "412": Outcome.CONFIG_ERROR,  # 欠费中
    "417": Outcome.INCONCLUSIVE,  # 比对源不可用，建议人工审核
    "418": Outcome.UNAVAILABLE,  # 当日次数过多
    "500": Outcome.UNAVAILABLE,  # 系统错误
}
_BIZ_CODES: dict[str, Outcome] = {
    "1": Outcome.MATCH,
    "2": Outcome.RECORD_MISMATCH,
    "3": Outcome.RECORD_MISMATCH,
}
_NOTES = {
    Outcome.MATCH: "一致",
    Outcome.NOT_SAME_PERSON: "与公安登记照片比对未通过",
    Outcome.RECORD_MISMATCH: "身份证号码与姓名与公安记录不一致或无此记录",
    Outcome.VALIDITY_MISMATCH: "证件有效期与公安记录不一致",
    Outcome.INCONCLUSIVE: "无法比对（无登记照片、风险策略或比对源不可用）",
    Outcome.UNAVAILABLE: "核验服务暂不可用（超时、限流或故障）",
    Outcome.CONFIG_ERROR: "核验服务配置错误（密钥、开通、场景或欠费）",
}
_THROTTLED = ("Throttling", "ServiceUnavailable", "InternalError")


class AliyunCloudAuthVerifier:
    vendor = "aliyun-cloudauth"

    def _client(self) -> Any:
        from alibabacloud_cloudauth20190307.client import Client  # type: ignore[import-untyped]
        from alibabacloud_tea_openapi import models as open_api_models  # type: ignore[import-untyped]

        url = urlsplit(settings.IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT)
        timeout_ms = settings.IDRENEW_IDENTITY_TIMEOUT_SECONDS * 1000
        config = open_api_models.Config(
            access_key_id=settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID,
            access_key_secret=settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET,
            endpoint=url.netloc or url.path,
            protocol=url.scheme or "https",
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
        return Client(config)

    def _call(
        self, action: str, call: Callable[[Any], Any]
    ) -> tuple[dict[str, Any] | None, IdentityCheck | None]:
        """(response body, None) or (None, IdentityCheck for the failure)."""
        from alibabacloud_tea_openapi.exceptions import (  # type: ignore[import-untyped]
            AlibabaCloudException,
            ClientException,
            ThrottlingException,
        )

        try:
            response = call(self._client())
        except ThrottlingException as exc:
            return None, self._failed(action, Outcome.UNAVAILABLE, exc.code, exc.request_id)
        except ClientException as exc:
            code = str(exc.code or "")
            outcome = Outcome.UNAVAILABLE if code.startswith(_THROTTLED) else Outcome.CONFIG_ERROR
            return None, self._failed(action, outcome, code, exc.request_id)
        except AlibabaCloudException as exc:  # ServerException: 5xx
            return None, self._failed(action, Outcome.UNAVAILABLE, str(exc.code), exc.request_id)
        except Exception as exc:  # network, timeout (UnretryableException)
            inner = getattr(exc, "inner_exception", exc)
            return None, self._failed(action, Outcome.UNAVAILABLE, type(inner).__name__, "")
        body = response.body.to_map() if response.body is not None else {}
        code = str(body.get("Code") or "")
        if code != "200":
            outcome = _CODES.get(code, Outcome.UNAVAILABLE)
            return None, self._failed(action, outcome, code, str(body.get("RequestId") or ""))
        return body, None

    def _failed(self, action: str, outcome: Outcome, code: Any, request_id: Any) -> IdentityCheck:
        # The code and request id only: the vendor's message may echo what was sent.
        logger.warning("cloudauth %s failed: %s (request %s)", action, code, request_id)
        return IdentityCheck(outcome, str(code or ""), str(request_id or ""), note=_NOTES[outcome])

    def verify(self, *, name: str, id_number: str, face_jpeg: bytes) -> IdentityCheck:
        from alibabacloud_cloudauth20190307 import models  # type: ignore[import-untyped]

        request = models.ContrastFaceVerifyRequest(
            cert_name=name,
            cert_no=id_number,
            cert_type="IDENTITY_CARD",
            face_contrast_picture=base64.b64encode(face_jpeg).decode("ascii"),
            outer_order_no=uuid.uuid4().hex,
            product_code="ID_MIN",
            scene_id=int(settings.IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID or 0),
        )
        body, error = self._call("ContrastFaceVerify", lambda c: c.contrast_face_verify(request))
        if error is not None:
            return error
        assert body is not None
        result = body.get("ResultObject") or {}
        sub = str(result.get("SubCode") or "")
        outcome = _SUBCODES.get(sub, Outcome.INCONCLUSIVE)
        if outcome == Outcome.MATCH and result.get("Passed") != "T":
            outcome = Outcome.INCONCLUSIVE
        score = _verify_score(result.get("MaterialInfo"))
        note = _NOTES[outcome] + (f"（分数 {score:.2f}）" if score is not None else "")
        return IdentityCheck(outcome, sub, str(body.get("RequestId") or ""), score, note)

    def verify_record(
        self, *, name: str, id_number: str, validity: Validity | None
    ) -> IdentityCheck:
        from alibabacloud_cloudauth20190307 import models

        two = models.Id2MetaVerifyRequest(
            identify_num=id_number, user_name=name, param_type="normal"
        )
        body, error = self._call("Id2MetaVerify", lambda c: c.id_2meta_verify(two))
        if error is not None:
            return error
        assert body is not None
        biz = str((body.get("ResultObject") or {}).get("BizCode") or "")
        outcome = _BIZ_CODES.get(biz, Outcome.UNAVAILABLE)
        if outcome != Outcome.MATCH or validity is None:
            return IdentityCheck(
                outcome, biz, str(body.get("RequestId") or ""), note=_NOTES[outcome]
            )
        period = models.Id2MetaPeriodVerifyRequest(
            identify_num=id_number,
            user_name=name,
            param_type="normal",
            validity_start_date=validity.start.strftime("%Y%m%d"),
            validity_end_date=validity.end.strftime("%Y%m%d") if validity.end else "长期",
        )
        body, error = self._call("Id2MetaPeriodVerify", lambda c: c.id_2meta_period_verify(period))
        if error is not None:
            return error
        assert body is not None
        biz = str((body.get("ResultObject") or {}).get("BizCode") or "")
        outcome = {"1": Outcome.MATCH, "2": Outcome.VALIDITY_MISMATCH}.get(
            biz, Outcome.RECORD_MISMATCH if biz == "3" else Outcome.UNAVAILABLE
        )
        note = _NOTES[outcome] + ("（含有效期）" if outcome == Outcome.MATCH else "")
        return IdentityCheck(outcome, biz, str(body.get("RequestId") or ""), note=note)

    def check_config(self) -> list[str]:
        return vendor_config_problems(
            secrets=(
                "IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID",
                "IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET",
            ),
            required=(
                Required(
                    "IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID", "the console's scene id", str.isdigit
                ),
            ),
            endpoint="IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT",
        )

    def probe(self) -> list[str]:
        from alibabacloud_cloudauth20190307 import models

        problems = self.check_config()
        if problems:
            return problems
        request = models.Id2MetaVerifyRequest(
            identify_num=PROBE_ID_NUMBER, user_name="测试", param_type="normal"
        )
        _body, error = self._call("Id2MetaVerify", lambda c: c.id_2meta_verify(request))
        # An invalid-parameter answer (401) proves the keys, the signature and the endpoint.
        if error is not None and error.vendor_code not in ("400", "401"):
            return [f"Id2MetaVerify: {error.vendor_code or '?'} ({error.note})"]
        return []


def _verify_score(material: Any) -> float | None:
    """``MaterialInfo``: a JSON string whose ``facialPictureFront.verifyScore`` is the score."""
    if not material:
        return None
    try:
        data = json.loads(material) if isinstance(material, str) else material
        value = (data.get("facialPictureFront") or {}).get("verifyScore")
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None
