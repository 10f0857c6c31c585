"""Steps 4–6 in a real browser at 375×667: a demo customer uploads photos of the renewed
card (made like the synthetic test cards), the real OCR reads them, the customer confirms
the identity and submits the update; the case reaches step 7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from idrenew.cases.models import RenewalCase
from idrenew.devkit.idcards import write_demo_card
from idrenew.idcard.models import CardReading
from tests.e2e.test_face import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_customer_goes_from_step_4_to_step_6(
    phone: Any, shoot: Any, tmp_path: Path, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010001"
    ]
    front, back = write_demo_card(customer, tmp_path, timezone.localdate())
    sign_in(phone, customer)
    RenewalCase.objects.filter(customer=customer).update(
        state="face_passed"
    )  # step 3: e2e/test_face
    phone.goto("/h5/idcard")
    phone.get_by_test_id("idcard-tile-front").wait_for()
    phone.get_by_text("请注意保持身份证照片清晰、不切边").first.wait_for()
    shoot(phone, "30-idcard-empty")

    phone.get_by_test_id("idcard-input-front-album").set_input_files(str(front))
    phone.get_by_test_id("idcard-status-front").wait_for(timeout=60_000)
    phone.get_by_test_id("idcard-input-back-album").set_input_files(str(back))
    phone.get_by_test_id("idcard-status-back").wait_for(timeout=60_000)
    assert "通过" in phone.get_by_test_id("idcard-status-front").inner_text()
    assert "通过" in phone.get_by_test_id("idcard-status-back").inner_text()
    shoot(phone, "31-idcard-both-sides")
    phone.get_by_test_id("idcard-confirm").click()

    phone.wait_for_url("**/h5/identity")
    phone.get_by_test_id("identity-fields").wait_for()
    page_text = phone.get_by_test_id("identity-fields").inner_text()
    assert customer.name in page_text and customer.id_number_masked in page_text
    assert customer.id_number not in phone.content()
    shoot(phone, "32-identity-confirm")
    phone.get_by_test_id("identity-confirm").click()

    phone.wait_for_url("**/h5/update")
    phone.get_by_test_id("update-submit").wait_for()
    phone.get_by_text("尊敬的客户，请确保您所提供的信息准确、真实、完整。").wait_for()
    shoot(phone, "33-update")
    phone.get_by_test_id("update-submit").click()
    phone.wait_for_url("**/h5/agreements")
    shoot(phone, "34-after-update-step-7")

    case = RenewalCase.objects.get(customer=customer)
    assert case.state == "update_confirmed"
    reading = CardReading.objects.get(case=case)
    assert reading.ocr["id_number"] == customer.id_number
    assert reading.ocr["name"] == customer.name
