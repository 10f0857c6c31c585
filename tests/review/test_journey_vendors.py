"""The journey once more with the vendors' adapters pointed at local fakes: Tencent Cloud SMS
(the sign-in code, 已受理, 已通过) and Tencent FaceID (the best frame against the police photo
after liveness, number + name + validity at step 6), both on one fake Tencent Cloud endpoint
that checks every TC3-HMAC-SHA256 signature. A real clip through the real face engine; the
reviewer sees both identity results and approves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt, IdentityVerification
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import CaseReview
from tests.conftest import SHARED, ApiClient
from tests.face.test_face_analysis import _run
from tests.idcard.conftest import CASES, confirm, new_period, store_reading
from tests.review.conftest import deliver_all, sign_and_submit
from tests.review.test_admin_case import as_staff, page_url
from tests.signing.test_steps_api import read_all
from tests.vendors import FakeTencentCloud
from tests.vendors.faceid import PoliceRecord, install_faceid
from tests.vendors.sms import install_tencent_sms

pytestmark = pytest.mark.django_db
CLIPS = SHARED / "testdata" / "liveness"
SECRET_ID, SECRET_KEY = "AKIDjourneyVendors", "journey-vendors-secret-0123456789"
APP_ID, SIGN = "1400000042", "示例期货"
TEMPLATES = {  # purpose -> (template id, its parameters)
    "signin_code": ("2001", ["code", "minutes"]),
    "case_accepted": ("2002", ["reference"]),
    "case_approved": ("2003", ["reference", "trading"]),
    "case_returned": ("2004", ["reference", "steps"]),
    "case_rejected": ("2005", ["reference", "reason"]),
    "expiry_reminder": ("2006", ["state", "date"]),
}


@pytest.mark.slow
@pytest.mark.skipif(not CLIPS.exists(), reason="../shared/testdata/liveness absent")
def test_journey_with_fake_sms_and_faceid_vendors(
    api: ApiClient,
    client: Client,
    alice: Any,
    approver: User,
    signing_ca: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    start, end = new_period(alice)
    police = {
        alice.id_number: PoliceRecord(
            alice.name, start.strftime("%Y%m%d"), end.strftime("%Y%m%d") if end else "00000000"
        )
    }
    with FakeTencentCloud(secret_id=SECRET_ID, secret_key=SECRET_KEY) as fake:
        sms = install_tencent_sms(
            fake,
            app_id=APP_ID,
            signs={SIGN},
            templates={tid: params for tid, params in TEMPLATES.values()},
        )
        install_faceid(fake, police)
        settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_tencent.TencentSmsBackend"
        settings.IDRENEW_SMS_TEMPLATES = ",".join(f"{p}={t}" for p, (t, _) in TEMPLATES.items())
        settings.IDRENEW_SMS_SIGN_NAME = SIGN
        settings.IDRENEW_SMS_TENCENT_SECRET_ID = SECRET_ID
        settings.IDRENEW_SMS_TENCENT_SECRET_KEY = SECRET_KEY
        settings.IDRENEW_SMS_TENCENT_APP_ID = APP_ID
        settings.IDRENEW_SMS_TENCENT_ENDPOINT = fake.url
        settings.IDRENEW_FACE_IDENTITY_VERIFIER = "tencent"
        settings.IDRENEW_TENCENT_FACEID_SECRET_ID = SECRET_ID
        settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = SECRET_KEY
        settings.IDRENEW_TENCENT_FACEID_ENDPOINT = fake.url
        settings.IDRENEW_CFMMC_DIR = tmp_path / "cfmmc"

        # step 2: the sign-in code goes out through the SMS vendor
        account = {"fund_account": alice.fund_account, "mobile_last4": alice.mobile[-4:]}
        assert api.post_json("/api/auth/sms/send", account).status_code == 200
        (code_sms,) = sms.sent
        assert code_sms.template == "2001" and code_sms.mobile == alice.mobile
        assert isinstance(code_sms.params, list)  # Tencent: numbered parameters
        code = code_sms.params[0]
        assert api.post_json("/api/auth/sms/verify", {**account, "code": code}).status_code == 200

        # step 3: a real clip, the real engine, then the police photo via FaceID
        task = _run(
            api, settings, "liveportrait_d12.mp4", "turn_left,turn_right", cut=tmp_path / "c.mp4"
        )
        assert task["result"]["passed"], task
        portrait = IdentityVerification.objects.get(kind="portrait")
        assert portrait.outcome == "match" and portrait.attempt == FaceAttempt.objects.get()
        (photo_check,) = fake.accepted("ImageRecognitionV2")
        assert photo_check.params["IdCard"] == alice.id_number

        # steps 4–6: the card; number, name and the confirmed validity against the record
        store_reading(alice)
        assert confirm(api).status_code == 200
        assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
        payload = {
            "valid_from": start.isoformat(),
            "valid_to": end.isoformat() if end else None,
            "long_term": end is None,
            "address": "上海市浦东新区世纪大道100号",
        }
        assert api.post_json(f"{CASES}/update", payload, key=api.new_key()).status_code == 200
        record = IdentityVerification.objects.get(kind="record")
        assert record.outcome == "match"
        assert [r.action for r in fake.accepted()][-2:] == ["IdCardVerification", "CheckIdNameDate"]

        # steps 7–10, then the reviewer (the card fixture has no OCR confidences: no STP)
        read_all(api)
        assert api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key()).status_code == 200
        case = sign_and_submit(api)
        outbox_dispatch()  # the 已受理 SMS, after the submission's commit in a real request
        checks = {c["code"]: c for c in CaseReview.objects.get(case=case).checks["checks"]}
        assert checks["IDENTITY_PORTRAIT"]["ok"] and checks["IDENTITY_RECORD"]["ok"]
        assert portrait.vendor_reference in checks["IDENTITY_PORTRAIT"]["value"]
        assert checks["IDENTITY_PORTRAIT"]["label"] == "公安人像比对"
        page = as_staff(client, approver).get(page_url(case)).content.decode()
        assert "公安人像比对" in page and "公民身份信息核验" in page
        assert portrait.vendor_reference in page and record.vendor_reference in page
        services.review_claim(case_id=case.id, user=approver)
        services.review_approve(case_id=case.id, user=approver, note="资料齐全")
        deliver_all()
        assert RenewalCase.objects.get(pk=case.pk).state == "approved"
        sent = [(s.template, next(iter(s.params))) for s in sms.sent]
        assert ("2002", case.reference) in sent and ("2003", case.reference) in sent
        # every request the adapters made was signed correctly (nothing refused)
        assert all(r.refused is None for r in fake.requests)
