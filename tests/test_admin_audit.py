from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.audit.models import AuditEvent
from idrenew.cases.services import case_start
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def test_staff_views_of_customer_data_are_logged(admin_client: Client, alice: Any) -> None:
    case = case_start(customer=alice)
    assert admin_client.get(f"/admin/customers/customer/{alice.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/cases/renewalcase/{case.pk}/change/").status_code == 200
    assert admin_client.get("/admin/customers/customer/").status_code == 200
    viewed = AuditEvent.objects.filter(actor_type="staff")
    assert viewed.filter(action="staff.viewed_customer", customer_id=alice.pk).exists()
    assert viewed.filter(action="staff.viewed_case", case_id=case.pk).exists()
    assert viewed.filter(action="staff.viewed_customer_list").exists()


def test_admin_pages_show_only_masked_personal_data(admin_client: Client, alice: Any) -> None:
    case = case_start(customer=alice)
    for url in [
        "/admin/customers/customer/",
        f"/admin/customers/customer/{alice.pk}/change/",
        f"/admin/cases/renewalcase/{case.pk}/change/",
    ]:
        page = admin_client.get(url).content.decode()
        assert alice.id_number not in page, url
        assert alice.mobile not in page, url
    assert alice.id_number_masked in admin_client.get("/admin/customers/customer/").content.decode()


def test_reviewer_role_can_view_but_not_edit(client: Client, alice: Any) -> None:
    from idrenew.core.staff import staff_create

    staff_create(username="rev", password="Rev-Pass-2026!", role="审核员")
    staff_login(client, User.objects.get(username="rev"))
    assert client.get("/admin/customers/customer/").status_code == 200
    assert client.get("/admin/tradingcalendar/tradingdayoverride/add/").status_code == 403
