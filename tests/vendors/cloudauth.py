"""Alibaba Cloud ID Verification (cloudauth 2019-03-07) on the fake Alibaba Cloud endpoint.

``install_cloudauth(fake, records, scene_id=…)`` adds ``ContrastFaceVerify`` (ProductCode
``ID_MIN``; ``ResultObject.Passed``/``SubCode``/``MaterialInfo``), ``Id2MetaVerify`` and
``Id2MetaPeriodVerify`` (``ResultObject.BizCode`` 1/2/3), answering from the same
``PoliceRecord`` table as the FaceID fake, with the documented ``Code`` for a missing
parameter (400), an invalid one (401) and an unknown scene (404).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from tests.vendors.alibaba import FakeAlibabaCloud
from tests.vendors.base import ReceivedRequest
from tests.vendors.faceid import PoliceRecord, jpeg_digest, valid_id_number

VERSION = "2019-03-07"


def _code(code: str, message: str) -> dict[str, Any]:
    return {"Code": code, "Message": message}


def install_cloudauth(
    fake: FakeAlibabaCloud, records: dict[str, PoliceRecord], *, scene_id: str
) -> None:
    def contrast_face_verify(req: ReceivedRequest) -> dict[str, Any]:
        p = req.params
        for name in ("CertName", "CertNo", "CertType", "ProductCode", "SceneId", "OuterOrderNo"):
            if not p.get(name):
                return _code("400", "参数不能为空")
        if p["ProductCode"] != "ID_MIN" or p["CertType"] != "IDENTITY_CARD":
            return _code("401", "参数非法")
        if p["SceneId"] != scene_id:
            return _code("404", "认证场景配置不存在")
        try:
            image = base64.b64decode(str(p.get("FaceContrastPicture") or ""), validate=True)
        except (binascii.Error, ValueError):
            return _code("401", "参数非法")
        if not valid_id_number(p["CertNo"]) or image[:2] != b"\xff\xd8":
            return _code("401", "参数非法")
        record = records.get(p["CertNo"])
        certify_id = uuid.uuid4().hex
        if record is None:
            sub, passed, score = "202", "F", None
        elif record.name != p["CertName"]:
            sub, passed, score = "201", "F", None
        elif record.photo_sha256 is not None and record.photo_sha256 != jpeg_digest(image):
            sub, passed, score = "204", "F", record.sim_other
        else:
            sub, passed, score = "200", "T", record.sim_same
        material = {"facialPictureFront": {"qualityScore": 88.1, "verifyScore": score}}
        return {
            "Code": "200",
            "Message": "success",
            "ResultObject": {
                "CertifyId": certify_id,
                "Passed": passed,
                "SubCode": sub,
                "MaterialInfo": json.dumps(material) if score is not None else "",
            },
        }

    def biz(p: dict[str, Any]) -> tuple[dict[str, Any] | None, PoliceRecord | None]:
        if not p.get("IdentifyNum") or not p.get("UserName") or not p.get("ParamType"):
            return _code("400", "参数不能为空"), None
        if p["ParamType"] != "normal" or not valid_id_number(p["IdentifyNum"]):
            return _code("401", "参数非法"), None
        record = records.get(p["IdentifyNum"])
        if record is None:
            return _result("3"), None
        if record.name != p["UserName"]:
            return _result("2"), None
        return None, record

    def id2meta(req: ReceivedRequest) -> dict[str, Any]:
        answer, _ = biz(req.params)
        return answer or _result("1")

    def id2meta_period(req: ReceivedRequest) -> dict[str, Any]:
        answer, record = biz(req.params)
        if answer is not None:
            return answer
        assert record is not None
        start = str(req.params.get("ValidityStartDate") or "")
        end = str(req.params.get("ValidityEndDate") or "")
        if not start or not end:
            return _code("400", "参数不能为空")
        record_end = "长期" if record.valid_to == "00000000" else record.valid_to
        return _result("1" if (start, end) == (record.valid_from, record_end) else "2")

    fake.on("ContrastFaceVerify", contrast_face_verify, version=VERSION)
    fake.on("Id2MetaVerify", id2meta, version=VERSION)
    fake.on("Id2MetaPeriodVerify", id2meta_period, version=VERSION)


def _result(code: str) -> dict[str, Any]:
    return {"Code": "200", "Message": "success", "ResultObject": {"BizCode": code}}
