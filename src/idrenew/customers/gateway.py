"""The counter system (柜台) seen through a small interface.

The built-in ``DatabaseCounterGateway`` treats this project's ``Customer`` table as the
record of truth. A broker plugs in its counter (e.g. a vendor's API) by implementing
``CounterGateway`` and naming the class in ``IDRENEW_COUNTER_GATEWAY``; such an adapter keeps
the local ``Customer`` mirror in step (the restrictions too, through
``customers.services.customer_restrictions_lift``) and raises ``CounterUnavailable`` on
transport errors so callers can retry.
"""

from __future__ import annotations

import abc
import functools
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string

from idrenew.customers.hashers import TradingPasswordHasher
from idrenew.customers.models import Customer
from idrenew.customers.services import customer_restrictions_lift

# A real argon2 hash of a random value: verifying against it when the account does not
# exist costs the same time as a real check, so timing does not reveal which accounts exist.
_DUMMY_HASH_CACHE: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE.append(hash_trading_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH_CACHE[0]


class CounterUnavailable(Exception):
    """The counter system could not be reached; the operation may be retried."""


@dataclass(frozen=True)
class IdUpdate:
    valid_from: date
    valid_to: date | None  # None = 长期
    address: str
    evidence_ref: str  # reference to the card images / case, for the counter's records
    # Restriction reasons the renewal cures (e.g. ``id_expired``), lifted in the same update;
    # the counter lifts those still active and restores trading when no other reason is left.
    lift_restrictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdUpdateResult:
    lifted: tuple[str, ...] = ()  # lifted by this call (empty on a repeat)
    remaining: tuple[str, ...] = ()  # restriction reasons still active afterwards
    status: str = ""  # the account status afterwards


class CounterGateway(abc.ABC):
    @abc.abstractmethod
    def find_by_fund_account(self, fund_account: str) -> Customer | None: ...

    @abc.abstractmethod
    def find_by_trading_account(self, trading_account: str) -> Customer | None: ...

    @abc.abstractmethod
    def verify_trading_password(self, customer: Customer | None, password: str) -> bool:
        """Check a password; given None, spend the same time and return False."""

    @abc.abstractmethod
    def apply_id_update(self, customer: Customer, update: IdUpdate) -> IdUpdateResult:
        """Write the new validity and address and lift ``update.lift_restrictions``, all or
        nothing; idempotent (a repeat changes nothing and reports the same state)."""

    def check_config(self) -> list[str]:
        """Problems an administrator must fix (empty when ready); run by ``idrenew check
        --deploy`` and when the web server starts. Keep network calls short (timeouts)."""
        return []


class DatabaseCounterGateway(CounterGateway):
    def check_config(self) -> list[str]:
        try:
            Customer.objects.exists()
        except DatabaseError as exc:
            return [
                f"the customer table cannot be read ({exc.__class__.__name__}): "
                "run `idrenew migrate` and check IDRENEW_DATABASE_URL"
            ]
        return []

    def find_by_fund_account(self, fund_account: str) -> Customer | None:
        return Customer.objects.filter(fund_account=fund_account).first()

    def find_by_trading_account(self, trading_account: str) -> Customer | None:
        return Customer.objects.filter(trading_account=trading_account).first()

    def verify_trading_password(self, customer: Customer | None, password: str) -> bool:
        if customer is None:
            _verify(password, _dummy_hash())
            return False
        ok = _verify(password, customer.trading_password)
        if ok and _needs_upgrade(customer.trading_password):
            Customer.objects.filter(pk=customer.pk).update(
                trading_password=hash_trading_password(password)
            )
        return ok

    def apply_id_update(self, customer: Customer, update: IdUpdate) -> IdUpdateResult:
        with transaction.atomic():
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            locked.id_valid_from = update.valid_from
            locked.id_valid_to = update.valid_to
            locked.id_long_term = update.valid_to is None
            locked.address = update.address
            locked.full_clean(exclude=["trading_password", "reference_face"])
            locked.save(
                update_fields=[
                    "id_valid_from",
                    "id_valid_to",
                    "id_long_term",
                    "address",
                    "updated_at",
                ]
            )
            lift = customer_restrictions_lift(
                customer_id=locked.pk,
                reasons=update.lift_restrictions,
                lifted_by=update.evidence_ref,
            )
        return IdUpdateResult(lifted=lift.lifted, remaining=lift.remaining, status=lift.status)


@functools.cache
def _gateway(path: str) -> CounterGateway:
    cls = import_string(path)
    instance = cls()
    if not isinstance(instance, CounterGateway):
        raise TypeError(f"{path} is not a CounterGateway")
    return instance


def counter_gateway() -> CounterGateway:
    return _gateway(settings.IDRENEW_COUNTER_GATEWAY)


_HASHER = TradingPasswordHasher()


def _verify(password: str, encoded: str) -> bool:
    try:
        hasher = identify_hasher(encoded)
    except ValueError:
        return False
    return bool(hasher.verify(password, encoded))


def _needs_upgrade(encoded: str) -> bool:
    return identify_hasher(encoded).algorithm != _HASHER.algorithm or bool(
        _HASHER.must_update(encoded)
    )


def hash_trading_password(password: str) -> str:
    return make_password(password, hasher=_HASHER)
