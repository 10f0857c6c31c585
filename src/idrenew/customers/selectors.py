from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from idrenew.customers.constants import LIFTED_BY_RENEWAL, AccountStatus, RestrictionReason
from idrenew.customers.models import AccountRestriction, Customer


def customer_id_expired(customer: Customer, *, today: date) -> bool:
    return (
        not customer.id_long_term
        and customer.id_valid_to is not None
        and (customer.id_valid_to < today)
    )


def customer_restrictions(customer: Customer) -> list[str]:
    """The reasons the account is restricted now (codes, oldest first)."""
    return list(
        AccountRestriction.objects.filter(customer=customer, lifted_at=None)
        .order_by("since", "pk")
        .values_list("reason", flat=True)
    )


def restriction_label(code: str) -> str:
    try:
        return str(RestrictionReason(code).label)
    except ValueError:
        return code


@dataclass(frozen=True)
class RestrictionPlan:
    """What an approved renewal does to the account's restrictions (read before approving)."""

    lifted: tuple[str, ...]  # cured by the new card: lifted with the counter update
    staying: tuple[str, ...]  # other reasons: stay until handled elsewhere

    @property
    def restores_trading(self) -> bool:
        return bool(self.lifted) and not self.staying

    @property
    def lifted_labels(self) -> list[str]:
        return [restriction_label(c) for c in self.lifted]

    @property
    def staying_labels(self) -> list[str]:
        return [restriction_label(c) for c in self.staying]


def renewal_restriction_plan(customer: Customer) -> RestrictionPlan:
    active = customer_restrictions(customer)
    return RestrictionPlan(
        lifted=tuple(c for c in active if c in LIFTED_BY_RENEWAL),
        staying=tuple(c for c in active if c not in LIFTED_BY_RENEWAL),
    )


def renewal_evidence_ref(reference: str) -> str:
    """How an approved renewal names itself to the counter (and on the restrictions it lifts)."""
    return f"case:{reference}"


def renewal_lifted(customer: Customer, *, evidence_ref: str) -> list[str]:
    """The restrictions the renewal named by ``evidence_ref`` (``case:<reference>``) lifted."""
    return list(
        AccountRestriction.objects.filter(customer=customer, lifted_by=evidence_ref)
        .exclude(lifted_at=None)
        .values_list("reason", flat=True)
    )


# What the customer reads about trading once the renewal is approved. Other reasons are
# never named to the customer (some, like an AML review, must not be disclosed).
TRADING_MESSAGES = {
    "restored": "证件过期限制已解除，您的账户交易权限已恢复",
    "pending": "证件信息更新后将解除证件过期限制、恢复交易，完成后将短信通知您",
    "pending_partly": (
        "证件信息更新后将解除证件过期限制；账户另有交易限制，详情请联系客服或至营业部了解"
    ),
    "partly": "证件过期限制已解除；账户另有交易限制，详情请联系客服或至营业部了解",
    "restricted": "您的账户另有交易限制，详情请联系客服或至营业部了解",
}


@dataclass(frozen=True)
class TradingAfterRenewal:
    kind: str  # a key of TRADING_MESSAGES
    restored: bool

    @property
    def message(self) -> str:
        return TRADING_MESSAGES[self.kind]


def trading_after_renewal(customer: Customer, *, evidence_ref: str) -> TradingAfterRenewal | None:
    """Trading after an approved renewal, as the record has it now; None when the account
    was never restricted (nothing to say)."""
    lifted = renewal_lifted(customer, evidence_ref=evidence_ref)
    plan = renewal_restriction_plan(customer)
    if plan.lifted:  # approved, the counter update not applied yet
        return TradingAfterRenewal("pending_partly" if plan.staying else "pending", False)
    if lifted and not plan.staying and customer.status == AccountStatus.ACTIVE:
        return TradingAfterRenewal("restored", True)
    if lifted:
        return TradingAfterRenewal("partly", False)
    if plan.staying:
        return TradingAfterRenewal("restricted", False)
    return None
