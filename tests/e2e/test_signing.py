"""Steps 7–10 in a real browser at 375×667: read both agreements to the end, sign with a
finger (mouse strokes on the pad), get two signed PDFs that verify, submit, see the status."""

from __future__ import annotations

from typing import Any

import pytest

from idrenew.cases.models import RenewalCase
from idrenew.lib.files import read_encrypted
from idrenew.signing import services
from idrenew.signing.models import HandSignature, SignedDocument

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def to_step_7(customer: Any) -> None:
    """Steps 3–6 are tested on their own (e2e/test_face.py, e2e/test_idcard.py)."""
    from idrenew.idcard import services as idcard
    from tests.idcard.conftest import new_period, store_reading

    case = RenewalCase.objects.get(customer=customer)
    RenewalCase.objects.filter(pk=case.pk).update(state="face_passed")
    store_reading(customer)
    case.refresh_from_db()
    idcard.idcard_confirm(case=case, request=None)
    case.refresh_from_db()
    idcard.identity_confirm(case=case, request=None)
    case.refresh_from_db()
    start, end = new_period(customer)
    idcard.update_submit(
        case=case,
        valid_from=start,
        valid_to=end,
        long_term=end is None,
        address=customer.address,
        request=None,
    )


def draw_signature(page: Any) -> None:
    pad = page.get_by_test_id("sign-pad-canvas")
    box = pad.bounding_box()
    assert box
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    strokes = [
        [(0.10, 0.60), (0.20, 0.30), (0.28, 0.70), (0.36, 0.35)],
        [(0.45, 0.30), (0.50, 0.75), (0.60, 0.40), (0.70, 0.70), (0.88, 0.35)],
    ]
    for stroke in strokes:
        page.mouse.move(x0 + stroke[0][0] * w, y0 + stroke[0][1] * h)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x0 + fx * w, y0 + fy * h, steps=8)
        page.mouse.up()


def read_sign_and_submit(phone: Any, shoot: Any, customer: Any) -> RenewalCase:
    """Steps 7–10 in the browser, from the agreements list to the status page."""
    phone.goto("/h5/agreements")
    phone.get_by_test_id("agreements-list").wait_for()
    shoot(phone, "40-agreements")

    for key in ("change_application", "digital_certificate"):
        phone.get_by_test_id(f"agreement-{key}").click()
        phone.get_by_test_id("agreement-viewer").wait_for()
        phone.get_by_test_id("agreement-viewer-end").scroll_into_view_if_needed()
        if key == "change_application":
            shoot(phone, "41-agreement-reading")
        read_tag = phone.get_by_test_id(f"agreement-{key}-read")
        for _ in range(3):  # a refusal (too fast) restarts the page's countdown
            phone.wait_for_function(
                "() => !document.querySelector('[data-testid=agreement-viewer-confirm]').disabled",
                timeout=15_000,
            )
            phone.get_by_test_id("agreement-viewer-confirm").click()
            for _ in range(50):
                if read_tag.is_visible():
                    break
                phone.wait_for_timeout(100)
            if read_tag.is_visible():
                break
        read_tag.wait_for()
    shoot(phone, "42-agreements-read")
    phone.get_by_test_id("agreements-next").click()

    phone.wait_for_url("**/h5/sign")
    phone.get_by_text("请在下面签字").wait_for()
    draw_signature(phone)
    shoot(phone, "43-sign")
    phone.get_by_test_id("sign-submit").click()

    phone.wait_for_url("**/h5/signed", timeout=60_000)
    phone.get_by_test_id("signed-documents").wait_for()
    shoot(phone, "44-signed")
    phone.get_by_test_id("signed-confirm").click()
    phone.wait_for_url("**/h5/status")
    phone.get_by_test_id("status-reference").wait_for()
    shoot(phone, "45-status-submitted")

    case = RenewalCase.objects.get(customer=customer)
    assert case.state == "submitted" and case.submitted_at is not None
    signature = HandSignature.objects.get(case=case)
    assert signature.stroke_count == 2 and signature.point_count > 10
    docs = SignedDocument.objects.filter(case=case)
    assert docs.count() == 2
    for doc in docs:
        report = services.pdf_verify(read_encrypted(doc.pdf_name))
        assert report.valid and len(report.signatures) == 2, report.as_json()
    return case
