from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from idrenew.customers.demo import DEMO_PASSWORD
from idrenew.customers.gateway import DatabaseCounterGateway, IdUpdate, counter_gateway


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
