"""The case page's presenter: typed, frozen values built from what the selectors read."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import User

from idrenew.cases.models import RenewalCase
from idrenew.review import presenters
from idrenew.review.models import CaseReview
from idrenew.review.selectors import SignatureState, Verification

pytestmark = pytest.mark.django_db


def test_case_page_is_typed_and_frozen(reviewer: User, submitted: RenewalCase) -> None:
    page = presenters.case_page(submitted, reviewer)
    assert isinstance(page, presenters.CasePage)
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.waiting = False  # type: ignore[misc]
    assert page.waiting and page.can_review and not page.can_unmask
    assert [r.label for r in page.comparison][:2] == ["姓名", "公民身份号码"]
    stored = CaseReview.objects.get(case=submitted).checks["checks"]
    assert [c.code for c in page.checks] == [c["code"] for c in stored]
    assert [d.summary for d in page.documents] == ["签名有效", "签名有效"]
    assert all(d.url == "" for d in page.documents)  # a reviewer may not download the PDF
    assert page.audit_trail[0].label == "客户开始办理"


@pytest.mark.parametrize(
    ("verified", "summary"),
    [
        (Verification(intact=False, reported=False, valid=False), "文件缺失或无法验签"),
        (Verification(intact=False, reported=True, valid=False), "文件摘要与签署时不一致"),
        (Verification(intact=True, reported=True, valid=False), "签名无效"),
        (Verification(intact=True, reported=True, valid=True), "签名有效"),
    ],
)
def test_document_summary(verified: Verification, summary: str) -> None:
    assert presenters._summary(verified) == summary


def test_a_signature_without_timestamp_shows_a_dash(
    submitted: RenewalCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    signature = SignatureState("CA", intact=True, trusted=True, revoked=False, timestamp=None)
    monkeypatch.setattr(
        "idrenew.review.selectors.verification",
        lambda doc: Verification(True, True, True, (signature,)),
    )
    (first, *_) = presenters.documents(submitted)
    assert first.signatures[0].timestamp == "—"
