from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from idrenew.customers.gateway import DatabaseCounterGateway, IdUpdate, counter_gateway
from idrenew.devkit.customers import DEMO_PASSWORD


@pytest.mark.django_db
class TestDatabaseCounterGateway:
    def test_finds_by_either_account(self, alice: Any) -> None:
        gw = DatabaseCounterGateway()
        assert gw.find_by_fund_account(alice.fund_account) == alice
        assert gw.find_by_trading_account(alice.trading_account) == alice
        assert gw.find_by_fund_account("99999999") is None

    def test_verifies_argon2_password(self, alice: Any) -> None:
        gw = DatabaseCounterGateway()
        assert alice.trading_password.startswith("argon2")
        assert gw.verify_trading_password(alice, DEMO_PASSWORD)
        assert not gw.verify_trading_password(alice, "000000")
        assert not gw.verify_trading_password(None, DEMO_PASSWORD)

    def test_applies_an_id_update(self, alice: Any) -> None:
        counter_gateway().apply_id_update(
            alice,
            IdUpdate(
                valid_from=date(2026, 11, 1),
                valid_to=None,
                address="上海市新地址1号",
                evidence_ref="case-x",
            ),
        )
        alice.refresh_from_db()
        assert alice.id_long_term and alice.id_valid_to is None
        assert alice.address == "上海市新地址1号"


@pytest.mark.django_db
def test_trading_password_hash_profile_and_upgrade(alice: Any) -> None:
    from django.contrib.auth.hashers import make_password

    assert "$m=19456,t=2,p=1$" in alice.trading_password
    alice.trading_password = make_password(DEMO_PASSWORD, hasher="argon2")  # Django's default
    alice.save(update_fields=["trading_password"])
    assert "$m=19456," not in alice.trading_password
    assert DatabaseCounterGateway().verify_trading_password(alice, DEMO_PASSWORD)
    alice.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in alice.trading_password


@pytest.mark.django_db
class TestRestrictionLift:
    """An ID update lifts the reasons it names; the account trades when none is left."""

    def update(self, *lift: str) -> IdUpdate:
        return IdUpdate(
            valid_from=date(2026, 11, 1),
            valid_to=date(2046, 11, 1),
            address="北京市东城区东华门街道南池子大街12号",
            evidence_ref="case:ZJ1",
            lift_restrictions=lift,
        )

    def test_lifts_the_expired_id_and_restores_trading_once(self, bob: Any) -> None:
        from idrenew.customers.models import AccountRestriction

        result = counter_gateway().apply_id_update(bob, self.update("id_expired"))
        assert (result.lifted, result.remaining, result.status) == (("id_expired",), (), "active")
        bob.refresh_from_db()
        assert bob.status == "active"
        row = AccountRestriction.objects.get(customer=bob)
        assert row.lifted_by == "case:ZJ1" and row.lifted_at is not None
        again = counter_gateway().apply_id_update(bob, self.update("id_expired"))
        assert (again.lifted, again.remaining, again.status) == ((), (), "active")
        assert AccountRestriction.objects.get(customer=bob).lifted_at == row.lifted_at

    def test_other_reasons_keep_the_account_restricted(self, bob: Any) -> None:
        from idrenew.customers.services import customer_restrict

        customer_restrict(customer=bob, reason="suitability")
        result = counter_gateway().apply_id_update(bob, self.update("id_expired"))
        assert result.lifted == ("id_expired",) and result.remaining == ("suitability",)
        bob.refresh_from_db()
        assert bob.status == "restricted"

    def test_nothing_named_nothing_lifted(self, bob: Any) -> None:
        result = counter_gateway().apply_id_update(bob, self.update())
        assert result.lifted == () and result.remaining == ("id_expired",)
        bob.refresh_from_db()
        assert bob.status == "restricted"

    def test_one_active_row_per_reason(self, bob: Any) -> None:
        from django.db import IntegrityError, transaction

        from idrenew.customers.models import AccountRestriction

        with pytest.raises(IntegrityError), transaction.atomic():
            AccountRestriction.objects.create(
                customer=bob, reason="id_expired", since=bob.created_at
            )
