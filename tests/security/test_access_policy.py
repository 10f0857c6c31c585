"""Issue #10 item 2: one access policy (docs/access-policy.md and core/access.py) that every
back-office path follows: the signed PDF (it carries the full ID number) only for staff who may
unmask, task records without personal data, no card validity for a 管理员."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.core.access import POLICY, ROLES, Data
from idrenew.core.models import TaskRecord
from idrenew.core.staff import ROLE_PERMISSIONS, staff_create
from idrenew.idcard.models import CardReading
from idrenew.signing.models import SignedDocument
from tests.conftest import staff_login
from tests.review.conftest import (
    _ca_dir,
    at_step_4,
    at_step_7,
    at_step_8,
    authority,
    make_staff,
    signing_ca,
    submitted,
)

# Fixtures, imported for their names.
__all__ = [
    "_ca_dir",
    "at_step_4",
    "at_step_7",
    "at_step_8",
    "authority",
    "make_staff",
    "signing_ca",
    "submitted",
]

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-policy.md"
PASSWORD = "Staff-Pass-2026!"


def docs_table() -> dict[str, set[str]]:
    """Row label → the roles marked ✓ in docs/access-policy.md."""
    rows: dict[str, set[str]] = {}
    header: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "数据":
            header = cells
            continue
        rows[cells[0]] = {header[i] for i, c in enumerate(cells) if c == "✓"}
    return rows


def as_role(role: str, name: str | None = None) -> tuple[User, Client]:
    user = staff_create(username=name or f"user-{ROLES.index(role)}", password=PASSWORD, role=role)
    client = Client()
    staff_login(client, user)
    return user, client


def test_the_written_table_and_the_module_agree() -> None:
    table = docs_table()
    assert set(table) == {rule.label for rule in POLICY.values()}
    for rule in POLICY.values():
        assert table[rule.label] == set(rule.roles), rule.label
    assert set(ROLES) == set(ROLE_PERMISSIONS)


@pytest.mark.parametrize("role", ROLES)
def test_every_row_holds_for_the_role(role: str) -> None:
    user = staff_create(username="u1", password=PASSWORD, role=role)
    user = User.objects.get(pk=user.pk)  # fresh permission cache
    for data, rule in POLICY.items():
        assert access.can(user, data) is (role in rule.roles), (role, data)


def test_nobody_outside_the_staff_and_no_inactive_account_sees_anything() -> None:
    user = staff_create(username="a1", password=PASSWORD, role="审计员")
    user.is_active = False
    user.save()
    assert not any(access.can(User.objects.get(pk=user.pk), d) for d in Data)
    assert not any(access.can(None, d) for d in Data)


def test_a_reviewer_gets_the_verification_not_the_signed_pdf(submitted: RenewalCase) -> None:
    """The issue's report: a 审核员 without unmask read the full number from the PDF."""
    _, reviewer = as_role("审核员")
    doc = SignedDocument.objects.filter(case=submitted).first()
    assert doc is not None
    url = f"/admin/signing/signeddocument/{doc.pk}/document.pdf"
    resp = reviewer.get(url)
    assert resp.status_code == 403
    assert resp["Content-Type"].startswith("text/html")
    assert "完整证件号码" in resp.content.decode() and b"%PDF-" not in resp.content
    page = reviewer.get(f"/admin/cases/renewalcase/{submitted.pk}/change/").content.decode()
    assert url not in page and 'data-testid="document-status"' in page
    assert submitted.customer.id_number not in page
    change = reviewer.get(f"/admin/signing/signeddocument/{doc.pk}/change/").content.decode()
    assert url not in change


@pytest.mark.parametrize(("role", "status"), [("审批员", 200), ("审计员", 200), ("管理员", 403)])
def test_the_signed_pdf_for_the_other_roles(role: str, status: int, submitted: RenewalCase) -> None:
    _, client = as_role(role)
    doc = SignedDocument.objects.filter(case=submitted).first()
    assert doc is not None
    resp = client.get(f"/admin/signing/signeddocument/{doc.pk}/document.pdf")
    assert resp.status_code == status
    assert (resp.content[:5] == b"%PDF-") is (status == 200)


def test_task_records_show_no_personal_data(submitted: RenewalCase) -> None:
    """The issue's report: a 管理员 read name, address, birth date and card validity there."""
    reading = CardReading.objects.get(case=submitted)
    personal = [
        str(reading.ocr[k])
        for k in ("name", "address", "birth_date", "valid_to", "id_number")
        if reading.ocr.get(k)
    ]
    customer = submitted.customer
    personal += [customer.name, customer.address, customer.id_number]
    assert len(personal) >= 5
    assert TaskRecord.objects.exists(), "the case's slow steps left task records"
    # Whatever a task keeps (arguments, result, an error message), the admin shows none of it.
    stored = {
        "name": "欧阳明远",
        "address": "北京市东城区景山前街4号",
        "birth_date": "1990-03-07",
        "valid_to": "2036-03-07",
        "id_number": "11010119900307123X",
    }
    TaskRecord.objects.create(
        name="idcard.analyze",
        status="failed",
        arguments=stored,
        result=stored,
        error={"code": "TASK_FAILED", "message": f"{stored['name']} {stored['id_number']}"},
    )
    personal += list(stored.values())
    records = list(TaskRecord.objects.all())
    for role in ("管理员", "审计员"):
        _, client = as_role(role, f"t-{ROLES.index(role)}")
        pages = [client.get("/admin/core/taskrecord/")]
        pages += [client.get(f"/admin/core/taskrecord/{r.pk}/change/") for r in records]
        for page in pages:
            assert page.status_code == 200
            html = page.content.decode()
            for value in personal:
                assert value not in html, (role, value)
        assert (
            "错误代码" in pages[0].content.decode() and "TASK_FAILED" in pages[0].content.decode()
        )


def test_an_operator_sees_no_card_validity_in_reminders(demo_customers: dict[str, Any]) -> None:
    from idrenew.reminders.services import remind_expiring

    remind_expiring(days=30)
    _, operator = as_role("管理员")
    html = operator.get("/admin/reminders/expiryreminder/").content.decode()
    assert "80010001" in html and "证件有效期止" not in html


def test_outbox_payloads_are_shown_to_no_one(submitted: RenewalCase) -> None:
    from idrenew.outbox.services import outbox_add

    event = outbox_add(
        topic="cfmmc.customer_change",
        dedupe_key="policy-test",
        payload={"id_number": submitted.customer.id_number, "name": submitted.customer.name},
        case_id=submitted.pk,
    )
    for role in ROLES:
        _, client = as_role(role, f"o-{ROLES.index(role)}")
        for url in ("/admin/outbox/outboxevent/", f"/admin/outbox/outboxevent/{event.pk}/change/"):
            html = client.get(url).content.decode()
            assert submitted.customer.id_number not in html, (role, url)
            assert re.search(re.escape(submitted.customer.name), html) is None, (role, url)


def test_unmask_follows_the_policy(submitted: RenewalCase) -> None:
    for role in ROLES:
        _, client = as_role(role, f"m-{ROLES.index(role)}")
        resp = client.post(f"/backoffice/review/cases/{submitted.pk}/unmask")
        allowed = role in POLICY[Data.FULL_ID_NUMBER].roles
        assert resp.status_code == (200 if allowed else 403), role
        assert (submitted.customer.id_number in resp.content.decode()) is allowed
