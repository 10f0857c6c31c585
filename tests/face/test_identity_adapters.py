"""The identity-check adapters against local fakes of Tencent FaceID and Alibaba cloudauth:
the request is signed with the vendors' algorithms (checked by the fakes), each documented
result code maps to its outcome, and throttling, timeouts, outages and a wrong key are
reported, never raised."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from idrenew.customers.domain.idnumber import make_id_number
from idrenew.face.identity import Outcome, Validity
from idrenew.face.identity_aliyun import AliyunCloudAuthVerifier
from idrenew.face.identity_tencent import TencentFaceIdVerifier
from tests.vendors import FakeAlibabaCloud, FakeTencentCloud, Reply, alibaba_error, tencent_error
from tests.vendors.cloudauth import install_cloudauth
from tests.vendors.faceid import PoliceRecord, install_faceid, jpeg_digest

ID = make_id_number("110101", date(1980, 5, 17), 123)
OTHER_ID = make_id_number("110101", date(1979, 1, 2), 456)
NAME = "张三"
FACE = b"\xff\xd8\xff\xe0" + b"the customer's best frame" + b"\xff\xd9"
STRANGER = b"\xff\xd8\xff\xe0" + b"someone else" + b"\xff\xd9"
SCENE = "1000001234"
VALIDITY = Validity(date(2026, 11, 20), date(2046, 11, 20))


def records() -> dict[str, PoliceRecord]:
    return {
        ID: PoliceRecord(NAME, "20261120", "20461120", photo_sha256=jpeg_digest(FACE)),
        OTHER_ID: PoliceRecord("李四", "20200101", "00000000"),
    }


@pytest.fixture
def faceid(settings: Any) -> Iterator[FakeTencentCloud]:
    with FakeTencentCloud(secret_id="AKIDidvTest", secret_key="idv-secret-key-0123456789") as fake:
        install_faceid(fake, records())
        settings.IDRENEW_TENCENT_FACEID_SECRET_ID = "AKIDidvTest"
        settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = "idv-secret-key-0123456789"
        settings.IDRENEW_TENCENT_FACEID_ENDPOINT = fake.url
        settings.IDRENEW_IDENTITY_TIMEOUT_SECONDS = 1
        yield fake


@pytest.fixture
def cloudauth(settings: Any) -> Iterator[FakeAlibabaCloud]:
    with FakeAlibabaCloud(
        access_key_id="LTAIidvTest",
        access_key_secret="idv-ali-secret-0123456789",
        host_id="cloudauth.aliyuncs.com",
    ) as fake:
        install_cloudauth(fake, records(), scene_id=SCENE)
        settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID = "LTAIidvTest"
        settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET = "idv-ali-secret-0123456789"
        settings.IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT = fake.url
        settings.IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID = SCENE
        settings.IDRENEW_IDENTITY_TIMEOUT_SECONDS = 1
        yield fake


# --- Tencent FaceID -------------------------------------------------------------------------


def test_faceid_same_person(faceid: FakeTencentCloud) -> None:
    check = TencentFaceIdVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert check.outcome == Outcome.MATCH and check.same_person is True
    assert check.score == pytest.approx(91.37) and check.vendor_code == "Success"
    (req,) = faceid.accepted("ImageRecognitionV2")
    assert check.vendor_reference == req.request_id
    assert req.header("x-tc-version") == "2018-03-01" and req.params["IdCard"] == ID
    assert base64.b64decode(req.params["ImageBase64"]) == FACE


@pytest.mark.parametrize(
    ("name", "number", "face", "outcome", "code"),
    [
        (NAME, ID, STRANGER, Outcome.NOT_SAME_PERSON, "FailedOperation.CompareLowSimilarity"),
        ("王五", ID, FACE, Outcome.RECORD_MISMATCH, "FailedOperation.IdNameMisMatch"),
        (
            NAME,
            make_id_number("110101", date(1990, 1, 1), 9),
            FACE,
            Outcome.RECORD_MISMATCH,
            "FailedOperation.IdNoExistSystem",
        ),
        (NAME, ID, b"not a jpeg", Outcome.INCONCLUSIVE, "FailedOperation.ImageDecodeFailed"),
    ],
)
def test_faceid_portrait_refusals(
    faceid: FakeTencentCloud, name: str, number: str, face: bytes, outcome: Outcome, code: str
) -> None:
    check = TencentFaceIdVerifier().verify(name=name, id_number=number, face_jpeg=face)
    assert (check.outcome, check.vendor_code) == (outcome, code)
    assert check.available


def test_faceid_record_with_validity(faceid: FakeTencentCloud) -> None:
    verifier = TencentFaceIdVerifier()
    check = verifier.verify_record(name=NAME, id_number=ID, validity=VALIDITY)
    assert check.outcome == Outcome.MATCH
    assert [r.action for r in faceid.accepted()] == ["IdCardVerification", "CheckIdNameDate"]
    assert faceid.accepted("CheckIdNameDate")[0].params["ValidityEnd"] == "20461120"
    wrong = Validity(date(2026, 11, 21), date(2046, 11, 21))
    check = verifier.verify_record(name=NAME, id_number=ID, validity=wrong)
    assert (check.outcome, check.vendor_code) == (Outcome.VALIDITY_MISMATCH, "-1")
    long_term = verifier.verify_record(
        name="李四", id_number=OTHER_ID, validity=Validity(date(2020, 1, 1), None)
    )
    assert long_term.outcome == Outcome.MATCH
    assert faceid.accepted("CheckIdNameDate")[-1].params["ValidityEnd"] == "00000000"
    check = verifier.verify_record(name="王五", id_number=ID, validity=VALIDITY)
    assert (check.outcome, check.vendor_code) == (Outcome.RECORD_MISMATCH, "-1")
    assert check.same_person is False


@pytest.mark.parametrize(
    ("reply", "outcome", "code"),
    [
        (tencent_error("RequestLimitExceeded"), Outcome.UNAVAILABLE, "RequestLimitExceeded"),
        (tencent_error("InternalError"), Outcome.UNAVAILABLE, "InternalError"),
        ({"Result": "-4", "Description": "证件库服务异常"}, Outcome.UNAVAILABLE, "-4"),
        ({"Result": "-7", "Description": "认证次数超过当日限制"}, Outcome.UNAVAILABLE, "-7"),
        (
            tencent_error("UnauthorizedOperation.Arrears"),
            Outcome.CONFIG_ERROR,
            "UnauthorizedOperation.Arrears",
        ),
        (Reply(delay=3), Outcome.UNAVAILABLE, "ClientNetworkError"),
    ],
)
def test_faceid_outages_are_reported_not_raised(
    faceid: FakeTencentCloud, reply: Any, outcome: Outcome, code: str
) -> None:
    faceid.script("IdCardVerification", reply)
    check = TencentFaceIdVerifier().verify_record(name=NAME, id_number=ID, validity=None)
    assert (check.outcome, check.vendor_code) == (outcome, code)
    assert not check.available and check.same_person is None


def test_faceid_wrong_signature_is_refused_by_the_fake(
    faceid: FakeTencentCloud, settings: Any
) -> None:
    settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = "not-the-key"
    check = TencentFaceIdVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert check.outcome == Outcome.CONFIG_ERROR
    assert check.vendor_code == "AuthFailure.SignatureFailure"
    assert faceid.requests[-1].refused == "AuthFailure.SignatureFailure"
    assert not faceid.accepted()
    problems = TencentFaceIdVerifier().probe()
    assert problems and "AuthFailure.SignatureFailure" in problems[0]


def test_faceid_probe_sends_no_personal_data(faceid: FakeTencentCloud) -> None:
    assert TencentFaceIdVerifier().probe() == []
    (req,) = faceid.accepted()
    assert req.action == "IdCardVerification" and req.params["IdCard"] == "0" * 18


def test_faceid_check_config(settings: Any) -> None:
    settings.IDRENEW_TENCENT_FACEID_SECRET_ID = ""
    settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = ""
    problems = TencentFaceIdVerifier().check_config()
    assert len(problems) == 2 and "IDRENEW_TENCENT_FACEID_SECRET_ID" in problems[0]
    assert TencentFaceIdVerifier().probe() == problems  # no call without keys


# --- Alibaba cloudauth ----------------------------------------------------------------------


def test_cloudauth_same_person(cloudauth: FakeAlibabaCloud) -> None:
    check = AliyunCloudAuthVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert (check.outcome, check.vendor_code) == (Outcome.MATCH, "200")
    assert check.score == pytest.approx(91.37)
    (req,) = cloudauth.accepted("ContrastFaceVerify")
    assert check.vendor_reference == req.request_id
    assert req.version == "2019-03-07" and req.params["SceneId"] == SCENE
    assert base64.b64decode(req.params["FaceContrastPicture"]) == FACE


@pytest.mark.parametrize(
    ("name", "face", "outcome", "code"),
    [
        (NAME, STRANGER, Outcome.NOT_SAME_PERSON, "204"),
        ("王五", FACE, Outcome.RECORD_MISMATCH, "201"),
    ],
)
def test_cloudauth_portrait_refusals(
    cloudauth: FakeAlibabaCloud, name: str, face: bytes, outcome: Outcome, code: str
) -> None:
    check = AliyunCloudAuthVerifier().verify(name=name, id_number=ID, face_jpeg=face)
    assert (check.outcome, check.vendor_code) == (outcome, code)


def test_cloudauth_record_with_validity(cloudauth: FakeAlibabaCloud) -> None:
    verifier = AliyunCloudAuthVerifier()
    assert verifier.verify_record(name=NAME, id_number=ID, validity=VALIDITY).outcome == (
        Outcome.MATCH
    )
    assert [r.action for r in cloudauth.accepted()] == ["Id2MetaVerify", "Id2MetaPeriodVerify"]
    wrong = Validity(date(2026, 11, 21), date(2046, 11, 21))
    check = verifier.verify_record(name=NAME, id_number=ID, validity=wrong)
    assert (check.outcome, check.vendor_code) == (Outcome.VALIDITY_MISMATCH, "2")
    check = verifier.verify_record(name="王五", id_number=ID, validity=None)
    assert (check.outcome, check.vendor_code) == (Outcome.RECORD_MISMATCH, "2")
    unknown = make_id_number("110101", date(1990, 1, 1), 9)
    check = verifier.verify_record(name=NAME, id_number=unknown, validity=None)
    assert (check.outcome, check.vendor_code) == (Outcome.RECORD_MISMATCH, "3")


@pytest.mark.parametrize(
    ("reply", "outcome", "code"),
    [
        (alibaba_error("Throttling.User"), Outcome.UNAVAILABLE, "Throttling.User"),
        (
            alibaba_error("ServiceUnavailable", status=503),
            Outcome.UNAVAILABLE,
            "ServiceUnavailable",
        ),
        ({"Code": "500", "Message": "系统错误"}, Outcome.UNAVAILABLE, "500"),
        ({"Code": "412", "Message": "欠费中"}, Outcome.CONFIG_ERROR, "412"),
        (Reply(delay=3), Outcome.UNAVAILABLE, ""),
    ],
)
def test_cloudauth_outages_are_reported_not_raised(
    cloudauth: FakeAlibabaCloud, reply: Any, outcome: Outcome, code: str
) -> None:
    cloudauth.script("ContrastFaceVerify", reply)
    check = AliyunCloudAuthVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert check.outcome == outcome
    if code:
        assert check.vendor_code == code
    assert not check.available


def test_cloudauth_wrong_signature_and_scene(cloudauth: FakeAlibabaCloud, settings: Any) -> None:
    settings.IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID = "999"
    check = AliyunCloudAuthVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert (check.outcome, check.vendor_code) == (Outcome.CONFIG_ERROR, "404")
    settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET = "not-the-secret"
    check = AliyunCloudAuthVerifier().verify(name=NAME, id_number=ID, face_jpeg=FACE)
    assert (check.outcome, check.vendor_code) == (Outcome.CONFIG_ERROR, "SignatureDoesNotMatch")
    assert cloudauth.requests[-1].refused == "SignatureDoesNotMatch"
    assert AliyunCloudAuthVerifier().probe()


def test_cloudauth_probe(cloudauth: FakeAlibabaCloud) -> None:
    assert AliyunCloudAuthVerifier().probe() == []
    (req,) = cloudauth.accepted()
    assert req.action == "Id2MetaVerify" and req.params["IdentifyNum"] == "0" * 18


def test_no_personal_data_in_logs(
    faceid: FakeTencentCloud, cloudauth: FakeAlibabaCloud, caplog: Any
) -> None:
    import logging

    faceid.script("ImageRecognitionV2", tencent_error("InternalError"))
    cloudauth.script("ContrastFaceVerify", alibaba_error("Throttling.User"))
    with caplog.at_level(logging.DEBUG):
        for verifier in (TencentFaceIdVerifier(), AliyunCloudAuthVerifier()):
            verifier.verify(name=NAME, id_number=ID, face_jpeg=FACE)
            verifier.verify(name=NAME, id_number=ID, face_jpeg=FACE)
            verifier.verify_record(name=NAME, id_number=ID, validity=VALIDITY)
    assert caplog.records  # the failures are logged...
    text = caplog.text
    assert ID not in text and NAME not in text and "idv-secret" not in text  # ...without data
    assert base64.b64encode(FACE).decode() not in text
