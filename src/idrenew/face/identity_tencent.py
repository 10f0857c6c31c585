"""Tencent Cloud FaceID (人脸核身) as the identity check, through its SDK
(``tencentcloud-sdk-python-faceid``, API version 2018-03-01, TC3-HMAC-SHA256).

* ``ImageRecognitionV2``: the best frame against the public-security photo of the ID number
  and name (照片人脸核身); ``Sim`` on 0–100, the vendor's fixed pass mark 70.
* ``CheckIdNameDate``: number, name and the card's validity (身份信息及有效期核验), used when
  the validity is known; ``IdCardVerification`` (two-element check) otherwise, and first,
  so that a validity mismatch is told apart from a number/name mismatch.
* ``probe()``: ``IdCardVerification`` with a malformed number, which the vendor answers with
  its not-charged result ``-2`` (no personal data leaves, nothing is billed).

Settings: ``IDRENEW_TENCENT_FACEID_SECRET_ID`` / ``_SECRET_KEY`` (or their ``_FILE``),
``IDRENEW_TENCENT_FACEID_ENDPOINT`` (default ``https://faceid.tencentcloudapi.com``),
``IDRENEW_TENCENT_FACEID_REGION``, ``IDRENEW_IDENTITY_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from idrenew.face.identity import IdentityCheck, Outcome, Validity
from idrenew.lib.vendor_config import vendor_config_problems

logger = logging.getLogger(__name__)
# The SDK logs every request and response in full at DEBUG (ID number, name, the image):
# never below WARNING, whatever level the root logger is set to.
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.WARNING)

PASS_SIM = 70.0  # ImageRecognitionV2: the vendor's fixed threshold (FAR 1e-4)
PROBE_ID_NUMBER = "000000000000000000"  # fails the format check: result -2, not billed

# ImageRecognitionV2 ``Result`` (FailedOperation.*) → outcome.
_IMAGE_RESULTS: dict[str, Outcome] = {
    "Success": Outcome.MATCH,
    "FailedOperation.CompareLowSimilarity": Outcome.NOT_SAME_PERSON,
    "FailedOperation.CompareFail": Outcome.NOT_SAME_PERSON,
    "FailedOperation.IdNameMisMatch": Outcome.RECORD_MISMATCH,
    "FailedOperation.IdNoExistSystem": Outcome.RECORD_MISMATCH,
    "FailedOperation.IdFormatError": Outcome.RECORD_MISMATCH,
    "FailedOperation.NameFormatError": Outcome.RECORD_MISMATCH,
    "FailedOperation.IdPhotoNoExist": Outcome.INCONCLUSIVE,
    "FailedOperation.IdPhotoPoorQuality": Outcome.INCONCLUSIVE,
    "FailedOperation.LifePhotoDetectNoFaces": Outcome.INCONCLUSIVE,
    "FailedOperation.LifePhotoDetectFaces": Outcome.INCONCLUSIVE,
    "FailedOperation.LifePhotoPoorQuality": Outcome.INCONCLUSIVE,
    "FailedOperation.LifePhotoSizeError": Outcome.INCONCLUSIVE,
    "FailedOperation.ImageDecodeFailed": Outcome.INCONCLUSIVE,
    "FailedOperation.LifePhotoDetectFake": Outcome.INCONCLUSIVE,
    "FailedOperation.IdentityAuthLimitExceeded": Outcome.UNAVAILABLE,
    "FailedOperation.CompareSystemError": Outcome.UNAVAILABLE,
    "FailedOperation.CompareLibServiceUnavailable": Outcome.UNAVAILABLE,
    "FailedOperation.IdPhotoSystemNoanswer": Outcome.UNAVAILABLE,
    "FailedOperation.RequestLimitExceeded": Outcome.UNAVAILABLE,
    "FailedOperation.DbError": Outcome.UNAVAILABLE,
    "FailedOperation.UnKnown": Outcome.UNAVAILABLE,
}

# IdCardVerification ``Result``.
_ID2_RESULTS: dict[str, Outcome] = {
    "0": Outcome.MATCH,
    "-1": Outcome.RECORD_MISMATCH,  # 姓名和身份证号不一致
    "-2": Outcome.RECORD_MISMATCH,  # 非法身份证号
    "-3": Outcome.RECORD_MISMATCH,  # 非法姓名
    "-4": Outcome.UNAVAILABLE,  # 证件库服务异常
    "-5": Outcome.RECORD_MISMATCH,  # 证件库中无此身份证记录
    "-6": Outcome.UNAVAILABLE,  # 权威比对系统升级中
    "-7": Outcome.UNAVAILABLE,  # 认证次数超过当日限制
}

# CheckIdNameDate ``Result`` (asked only after number and name matched).
_DATE_RESULTS: dict[str, Outcome] = {
    "0": Outcome.MATCH,
    "-1": Outcome.VALIDITY_MISMATCH,  # 不一致
    "-2": Outcome.RECORD_MISMATCH,  # 非法身份证号
    "-3": Outcome.RECORD_MISMATCH,  # 非法姓名
    "-4": Outcome.VALIDITY_MISMATCH,  # 非法有效期
    "-5": Outcome.VALIDITY_MISMATCH,  # 身份信息无效 (e.g. a card since replaced)
    "-6": Outcome.UNAVAILABLE,  # 证件库服务异常
    "-7": Outcome.RECORD_MISMATCH,  # 证件库中无此身份证记录
    "-8": Outcome.UNAVAILABLE,  # 认证次数超过当日限制
}

# Error codes of the API itself (TencentCloudSDKException.code) → outcome.
_CONFIG_ERRORS = (
    "AuthFailure",
    "UnauthorizedOperation",
    "OperationDenied",
    "InvalidParameter",
    "MissingParameter",
    "UnsupportedOperation",
    "ResourceUnavailable.NotExist",
)
_NOTES = {
    Outcome.MATCH: "一致",
    Outcome.NOT_SAME_PERSON: "与公安登记照片比对未通过",
    Outcome.RECORD_MISMATCH: "身份证号码与姓名与公安记录不一致或无此记录",
    Outcome.VALIDITY_MISMATCH: "证件有效期与公安记录不一致",
    Outcome.INCONCLUSIVE: "照片无法比对（无人脸、质量差或无登记照片）",
    Outcome.UNAVAILABLE: "核验服务暂不可用（超时、限流或故障）",
    Outcome.CONFIG_ERROR: "核验服务配置错误（密钥、开通或欠费）",
}


def _api_error(code: str) -> Outcome:
    if code.startswith(_CONFIG_ERRORS):
        return Outcome.CONFIG_ERROR
    return Outcome.UNAVAILABLE  # RequestLimitExceeded, InternalError, network, timeout


class TencentFaceIdVerifier:
    vendor = "tencent-faceid"

    def _client(self) -> Any:
        from tencentcloud.common import credential  # type: ignore[import-untyped]
        from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
        from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
        from tencentcloud.faceid.v20180301 import faceid_client  # type: ignore[import-untyped]

        url = urlsplit(settings.IDRENEW_TENCENT_FACEID_ENDPOINT)
        http = HttpProfile(
            protocol=url.scheme or "https",
            endpoint=url.netloc or url.path,
            reqTimeout=settings.IDRENEW_IDENTITY_TIMEOUT_SECONDS,
        )
        cred = credential.Credential(
            settings.IDRENEW_TENCENT_FACEID_SECRET_ID, settings.IDRENEW_TENCENT_FACEID_SECRET_KEY
        )
        return faceid_client.FaceidClient(
            cred, settings.IDRENEW_TENCENT_FACEID_REGION, ClientProfile(httpProfile=http)
        )

    def _call(
        self, action: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, IdentityCheck | None]:
        """(response fields, None) or (None, IdentityCheck for the API error)."""
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # type: ignore[import-untyped]
            TencentCloudSDKException,
        )
        from tencentcloud.faceid.v20180301 import models

        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params, ensure_ascii=False))
        try:
            response = getattr(self._client(), action)(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "ClientError")
            outcome = _api_error(code)
            # The code and request id only: the message may echo what was sent.
            logger.warning("FaceID %s failed: %s (request %s)", action, code, exc.get_request_id())
            return None, IdentityCheck(
                outcome, code, str(exc.get_request_id() or ""), note=_NOTES[outcome]
            )
        return dict(json.loads(response.to_json_string())), None

    def verify(self, *, name: str, id_number: str, face_jpeg: bytes) -> IdentityCheck:
        fields, error = self._call(
            "ImageRecognitionV2",
            {
                "IdCard": id_number,
                "Name": name,
                "ImageBase64": base64.b64encode(face_jpeg).decode("ascii"),
            },
        )
        if error is not None:
            return error
        assert fields is not None
        result = str(fields.get("Result") or "")
        sim = fields.get("Sim")
        score = float(sim) if sim is not None else None
        outcome = _IMAGE_RESULTS.get(result, Outcome.INCONCLUSIVE)
        if outcome == Outcome.MATCH and (score is None or score < PASS_SIM):
            outcome = Outcome.NOT_SAME_PERSON
        shown = f"（相似度 {score:.2f} / 通过线 {PASS_SIM:.0f}）" if score is not None else ""
        note = _NOTES[outcome] + shown
        return IdentityCheck(outcome, result, str(fields.get("RequestId") or ""), score, note)

    def verify_record(
        self, *, name: str, id_number: str, validity: Validity | None
    ) -> IdentityCheck:
        fields, error = self._call("IdCardVerification", {"IdCard": id_number, "Name": name})
        if error is not None:
            return error
        assert fields is not None
        result = str(fields.get("Result") or "")
        outcome = _ID2_RESULTS.get(result, Outcome.UNAVAILABLE)
        reference = str(fields.get("RequestId") or "")
        if outcome != Outcome.MATCH or validity is None:
            return IdentityCheck(outcome, result, reference, note=_NOTES[outcome])
        fields, error = self._call(
            "CheckIdNameDate",
            {
                "IdCard": id_number,
                "Name": name,
                "ValidityBegin": validity.start.strftime("%Y%m%d"),
                "ValidityEnd": validity.end.strftime("%Y%m%d") if validity.end else "00000000",
            },
        )
        if error is not None:
            return error
        assert fields is not None
        result = str(fields.get("Result") or "")
        outcome = _DATE_RESULTS.get(result, Outcome.UNAVAILABLE)
        note = _NOTES[outcome] + ("（含有效期）" if outcome == Outcome.MATCH else "")
        return IdentityCheck(outcome, result, str(fields.get("RequestId") or ""), note=note)

    def check_config(self) -> list[str]:
        return vendor_config_problems(
            secrets=("IDRENEW_TENCENT_FACEID_SECRET_ID", "IDRENEW_TENCENT_FACEID_SECRET_KEY"),
            endpoint="IDRENEW_TENCENT_FACEID_ENDPOINT",
        )

    def probe(self) -> list[str]:
        problems = self.check_config()
        if problems:
            return problems
        fields, error = self._call(
            "IdCardVerification", {"IdCard": PROBE_ID_NUMBER, "Name": "测试"}
        )
        if error is not None:
            return [f"IdCardVerification: {error.vendor_code} ({error.note})"]
        assert fields is not None
        result = str(fields.get("Result") or "")
        # "-2" (malformed number, not billed) proves the keys, the signature and the endpoint.
        if _ID2_RESULTS.get(result, Outcome.UNAVAILABLE) == Outcome.UNAVAILABLE:
            return [f"IdCardVerification: the service answered {result!r} (not available)"]
        return []
