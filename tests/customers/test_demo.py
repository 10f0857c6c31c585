from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.customers.constants import AccountStatus
from idrenew.customers.domain.idnumber import age_on, parse_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.customers.models import Customer
from idrenew.devkit.customers import demo_customers, seed_demo_customers


@pytest.mark.parametrize("today", [date(2026, 11, 25), date(2028, 2, 29), date(2031, 1, 1)])
def test_demo_cards_follow_the_law(today: date) -> None:
    for demo in demo_customers(today):
        assert expected_end(demo.birth, demo.valid_from) == demo.valid_to, demo.name


def test_demo_covers_the_required_situations() -> None:
    today = date(2026, 11, 25)
    demos = demo_customers(today)
    ends = [d.valid_to for d in demos if d.valid_to]
    assert any(e < today for e in ends)  # already expired
    assert any(today <= e <= today + timedelta(days=30) for e in ends)  # expiring soon
    assert any(e > today + timedelta(days=365 * 3) for e in ends)  # valid for years
    assert any(age_on(d.birth, today) >= 46 for d in demos)
    assert any(16 <= age_on(d.birth, today) <= 25 for d in demos)
    assert any(d.status == AccountStatus.FROZEN for d in demos)


@pytest.mark.django_db
def test_seed_is_idempotent_and_encrypts(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert Customer.objects.count() == 7
    out = capsys.readouterr().out
    assert "80010001" in out and "135790" in out
    customer = Customer.objects.get(fund_account="80010002")
    parse_id_number(customer.id_number)  # a valid number comes back decrypted
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, address FROM customers_customer WHERE id = %s",
            [customer.pk],
        )
        raw_id, raw_mobile, raw_address = cursor.fetchone()
    assert customer.id_number not in raw_id
    assert customer.mobile not in raw_mobile
    assert "上海" not in raw_address
    assert (
        customer.id_number_masked == customer.id_number[:6] + "********" + customer.id_number[-4:]
    )


@pytest.mark.django_db
def test_seed_dates_are_relative_to_today() -> None:
    rows = seed_demo_customers(today=timezone.localdate())
    expired = [c for _, c in rows if c.id_valid_to and c.id_valid_to < timezone.localdate()]
    assert len(expired) == 2


@pytest.mark.django_db
def test_seed_records_why_each_restricted_account_is_restricted() -> None:
    from idrenew.customers.models import AccountRestriction
    from idrenew.customers.selectors import customer_restrictions

    rows = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}
    assert customer_restrictions(rows["80010001"]) == ["id_expired"]  # only the expired ID
    assert customer_restrictions(rows["80010007"]) == ["suitability"]  # another reason
    restricted = {a for a, c in rows.items() if c.status == AccountStatus.RESTRICTED}
    assert restricted == {"80010001", "80010007"}
    # The expired ID's restriction began the day after the card expired.
    since = AccountRestriction.objects.get(customer=rows["80010001"]).since
    assert timezone.localdate(since) == rows["80010001"].id_valid_to + timedelta(days=1)
    # A refresh starts over: a lifted restriction comes back, nothing is duplicated.
    AccountRestriction.objects.update(lifted_at=timezone.now(), lifted_by="case:X")
    seed_demo_customers(today=timezone.localdate())
    assert AccountRestriction.objects.filter(lifted_at=None).count() == 2
    assert AccountRestriction.objects.count() == 2
