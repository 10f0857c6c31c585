"""Tencent Cloud FaceID (人脸核身, 2018-03-01) on the fake Tencent Cloud endpoint.

``install_faceid(fake, records)`` adds ``ImageRecognitionV2``, ``IdCardVerification`` and
``CheckIdNameDate``, answering from a small "police record" (``PoliceRecord`` by ID number)
with the vendor's documented result codes: ``Success`` / ``FailedOperation.*`` for the
photo check (``Sim`` 0–100), ``0``/``-1``/``-2``/``-3``/``-5`` for the two-element check,
``0``/``-1``… for the check with validity. Outages, throttling and timeouts are scripted with
``fake.script(action, …)`` as for any action.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.vendors.base import ReceivedRequest, Reply
from tests.vendors.tencent import FakeTencentCloud, tencent_error

SERVICE = "faceid"
VERSION = "2018-03-01"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


@dataclass
class PoliceRecord:
    name: str
    valid_from: str = ""  # YYYYMMDD of the current card
    valid_to: str = ""  # YYYYMMDD, "00000000" for 长期
    photo_sha256: str | None = None  # the photo that matches; None: any face matches
    sim_same: float = 91.37
    sim_other: float = 23.5


def police_record(
    name: str, start: date, end: date | None, photo_sha256: str | None = None
) -> PoliceRecord:
    """The police record of a card valid from ``start`` to ``end`` (None: 长期)."""
    return PoliceRecord(
        name,
        start.strftime("%Y%m%d"),
        end.strftime("%Y%m%d") if end else "00000000",
        photo_sha256=photo_sha256,
    )


def use_faceid(
    settings: Any, fake: FakeTencentCloud, secret_id: str, secret_key: str, *, timeout: int = 2
) -> None:
    """Point the Tencent FaceID adapter (``IDRENEW_FACE_IDENTITY_VERIFIER=tencent``) at ``fake``."""
    settings.IDRENEW_FACE_IDENTITY_VERIFIER = "tencent"
    settings.IDRENEW_TENCENT_FACEID_SECRET_ID = secret_id
    settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = secret_key
    settings.IDRENEW_TENCENT_FACEID_ENDPOINT = fake.url
    settings.IDRENEW_IDENTITY_TIMEOUT_SECONDS = timeout


def jpeg_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def valid_id_number(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], WEIGHTS, strict=True))
    return CHECK[total % 11] == value[17].upper() and value[6:10] > "1900"


def _image(params: dict[str, Any]) -> bytes | None:
    try:
        data = base64.b64decode(str(params.get("ImageBase64") or ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data[:2] == b"\xff\xd8" else None  # jpg (the adapter sends JPEG)


def install_faceid(fake: FakeTencentCloud, records: dict[str, PoliceRecord]) -> None:
    def image_recognition(req: ReceivedRequest) -> dict[str, Any] | Reply:
        p = req.params
        if not p.get("IdCard") or not p.get("Name") or not p.get("ImageBase64"):
            return tencent_error("MissingParameter")
        image = _image(p)
        if image is None:
            return {
                "Sim": 0,
                "Result": "FailedOperation.ImageDecodeFailed",
                "Description": "图片解码失败",
                "Extra": "",
            }
        if not valid_id_number(str(p["IdCard"])):
            return {
                "Sim": 0,
                "Result": "FailedOperation.IdFormatError",
                "Description": "输入的身份证号有误",
                "Extra": "",
            }
        record = records.get(str(p["IdCard"]))
        if record is None:
            return {
                "Sim": 0,
                "Result": "FailedOperation.IdNoExistSystem",
                "Description": "库中无此号，请到户籍所在地进行核实",
                "Extra": "",
            }
        if record.name != p["Name"]:
            return {
                "Sim": 0,
                "Result": "FailedOperation.IdNameMisMatch",
                "Description": "姓名和身份证号不一致，请核实后重试",
                "Extra": "",
            }
        if record.photo_sha256 is not None and record.photo_sha256 != jpeg_digest(image):
            return {
                "Sim": record.sim_other,
                "Result": "FailedOperation.CompareLowSimilarity",
                "Description": "比对相似度未达到通过标准",
                "Extra": "",
            }
        return {"Sim": record.sim_same, "Result": "Success", "Description": "成功", "Extra": ""}

    def two_elements(p: dict[str, Any]) -> tuple[str, str, PoliceRecord | None]:
        id_number, name = str(p.get("IdCard") or ""), str(p.get("Name") or "")
        if not valid_id_number(id_number):
            return "-2", "非法身份证号（长度、校验位等不正确）", None
        if not name or len(name) > 30:
            return "-3", "非法姓名（长度、格式等不正确）", None
        record = records.get(id_number)
        if record is None:
            return "-5", "证件库中无此身份证记录", None
        if record.name != name:
            return "-1", "姓名和身份证号不一致", None
        return "0", "姓名和身份证号一致", record

    def id_card_verification(req: ReceivedRequest) -> dict[str, Any] | Reply:
        if "IdCard" not in req.params or "Name" not in req.params:
            return tencent_error("MissingParameter")
        result, description, _ = two_elements(req.params)
        return {"Result": result, "Description": description}

    def check_id_name_date(req: ReceivedRequest) -> dict[str, Any] | Reply:
        p = req.params
        if not all(k in p for k in ("IdCard", "Name", "ValidityBegin", "ValidityEnd")):
            return tencent_error("MissingParameter")
        result, description, record = two_elements(p)
        codes = {"-2": "-2", "-3": "-3", "-5": "-7", "-1": "-1"}
        if record is None:
            return {"Result": codes[result], "Description": description}
        begin, end = str(p["ValidityBegin"]), str(p["ValidityEnd"])
        if len(begin) != 8 or not begin.isdigit() or len(end) != 8 or not end.isdigit():
            return {"Result": "-4", "Description": "非法有效期（长度、格式等不正确）"}
        if (begin, end) != (record.valid_from, record.valid_to):
            return {"Result": "-1", "Description": "不一致"}
        return {"Result": "0", "Description": "一致"}

    for action, handler in (
        ("ImageRecognitionV2", image_recognition),
        ("IdCardVerification", id_card_verification),
        ("CheckIdNameDate", check_id_name_date),
    ):
        fake.on(action, handler, service=SERVICE, version=VERSION)
