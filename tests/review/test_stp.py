"""Straight-through processing: approves only when every automatic check passed."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.review.models import CaseReview, Decision
from tests.conftest import ApiClient
from tests.review.conftest import sign_and_submit

pytestmark = pytest.mark.django_db


def make_checks_pass(case: RenewalCase) -> None:
    """What a clean run of steps 3–6 leaves behind (the fixtures skip the real analysis)."""
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=case.customer_id,
        actions=["blink", "turn_left"],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status="passed",
        actions=["blink", "turn_left"],
        spoof_score=0.99,  # passive anti-spoofing said live (MiniFASNet, the default)
        spoof_threshold=0.4,
        spoof_attack=False,
    )
    reading = CardReading.objects.get(case=case)
    reading.face_similarity, reading.face_threshold = 0.81, 0.52
    reading.review_flags = []  # FACE_CARD_UNCHECKED goes once the portrait was compared
    ocr = reading.ocr
    ocr.update({k: v for k, v in reading.edits.items() if k == "address"})
    reading.ocr_json = json.dumps(ocr, ensure_ascii=False)
    reading.save()
    CardUpload.objects.filter(case=case).update(confidence={"name": 0.99, "id_number": 0.97})
    # A customer whose address did not change (an address change always goes to a person).
    Customer.objects.filter(pk=case.customer_id).update(address=reading.edits["address"])


def test_off_by_default_even_when_every_check_passes(at_step_8: ApiClient, signing_ca: Any) -> None:
    make_checks_pass(RenewalCase.objects.get())
    case = sign_and_submit(at_step_8)
    assert CaseReview.objects.get(case=case).checks_passed is True
    assert case.state == "submitted" and not Decision.objects.exists()


def test_on_it_approves_and_records_the_rule_set(
    at_step_8: ApiClient, signing_ca: Any, settings: Any
) -> None:
    settings.IDRENEW_STP_ENABLED = True
    make_checks_pass(RenewalCase.objects.get())
    case = sign_and_submit(at_step_8)
    assert case.state == "approved"
    decision = Decision.objects.get(case=case)
    assert decision.kind == "auto_approve" and decision.decided_by is None
    assert decision.rule_set["version"] and decision.rule_set["face_margin"] == 0.10


def test_on_an_address_change_sends_the_case_to_a_person(
    at_step_8: ApiClient, signing_ca: Any, settings: Any
) -> None:
    settings.IDRENEW_STP_ENABLED = True
    case = RenewalCase.objects.get()
    make_checks_pass(case)
    Customer.objects.filter(pk=case.customer_id).update(address="北京市东城区某某胡同1号")
    case = sign_and_submit(at_step_8)
    assert case.state == "submitted" and not Decision.objects.exists()
    checks = CaseReview.objects.get(case=case).checks
    assert [c["code"] for c in checks["checks"] if not c["ok"]] == ["ADDRESS_ON_FILE"]


def test_on_a_customer_edit_sends_the_case_to_a_person(
    at_step_8: ApiClient, signing_ca: Any, settings: Any
) -> None:
    settings.IDRENEW_STP_ENABLED = True
    case = RenewalCase.objects.get()
    make_checks_pass(case)
    reading = CardReading.objects.get(case=case)
    ocr = reading.ocr
    ocr["address"] = "北京市东城区某某胡同1号"  # what the card said; the customer typed another
    reading.ocr_json = json.dumps(ocr, ensure_ascii=False)
    reading.save()
    case = sign_and_submit(at_step_8)
    assert case.state == "submitted" and not Decision.objects.exists()
    checks = CaseReview.objects.get(case=case).checks
    failing = [c["code"] for c in checks["checks"] if not c["ok"]]
    assert failing == ["NO_EDITS"] and checks["edited"] == ["address"]
    out = StringIO()
    call_command("stp_report", stdout=out)
    assert "已提交申请 1 笔，规则可自动通过 0 笔（0.0%）" in out.getvalue()
    assert "NO_EDITS" in out.getvalue()


def test_after_signing_again_only_the_newest_documents_count(submitted: RenewalCase) -> None:
    from datetime import timedelta

    from idrenew.review.checks import Check, case_checks
    from idrenew.signing.models import HandSignature, SignedDocument

    def documents_check() -> Check:
        return {c.code: c for c in case_checks(submitted).checks}["SIGNED_DOCUMENTS"]

    assert documents_check().value == "2/2 份完整"
    # A second signing (after a return of step 8): a new signature and two new documents.
    old = list(SignedDocument.objects.all())
    old_ids = [d.pk for d in old]
    signature = HandSignature.objects.get()
    signature.pk = None
    signature.save()
    for doc in old:
        doc.pk = None
        doc.signature = signature
        doc.save()
        SignedDocument.objects.filter(pk=doc.pk).update(
            signed_at=doc.signed_at + timedelta(minutes=5)
        )
    # The first pass's files no longer matter, even broken.
    SignedDocument.objects.filter(pk__in=old_ids).update(pdf_sha256="0" * 64)
    check = documents_check()
    assert check.ok is True and check.value == "2/2 份完整"
