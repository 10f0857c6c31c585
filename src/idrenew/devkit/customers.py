"""Demo customers, each showing one situation a renewal meets. Dates are relative to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from idrenew.customers.constants import AccountStatus, RestrictionReason
from idrenew.customers.domain.idnumber import make_id_number
from idrenew.customers.gateway import hash_trading_password
from idrenew.customers.models import AccountRestriction, Customer

DEMO_PASSWORD = "135790"  # noqa: S105 - printed for testers; demo data only


@dataclass(frozen=True)
class DemoCustomer:
    situation: str
    name: str
    fund_account: str
    trading_account: str
    mobile: str
    area_code: str
    birth: date
    sequence: int
    valid_from: date
    valid_to: date | None
    address: str
    status: str = AccountStatus.ACTIVE
    # Why trading is restricted (status 限制交易), e.g. only the expired ID.
    restrictions: tuple[str, ...] = ()


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def demo_customers(today: date) -> list[DemoCustomer]:
    def card(valid_to: date, years: int) -> tuple[date, date]:
        return _years_later(valid_to, -years), valid_to

    # Each card's period follows 居民身份证法 §5 for the age at its start date.
    expired_from, expired_to = card(today - timedelta(days=20), 10)  # issued at 23
    soon_from, soon_to = card(today + timedelta(days=12), 10)  # issued at 25
    years_from, years_to = card(today + timedelta(days=365 * 8 + 40), 20)  # issued at 28
    elder_from, elder_to = card(today + timedelta(days=5), 20)  # issued at 32
    young_from, young_to = card(today + timedelta(days=25), 5)  # issued at 15
    locked_from, locked_to = card(today - timedelta(days=3), 20)  # issued at 35
    other_from, other_to = card(today + timedelta(days=365 * 3 + 100), 20)  # issued at 28
    return [
        DemoCustomer(
            "证件已过期",
            "张伟",
            "80010001",
            "10010001",
            "13800138001",
            "110101",
            _years_later(today, -33) - timedelta(days=60),
            123,
            expired_from,
            expired_to,
            "北京市东城区东华门街道南池子大街12号",
            AccountStatus.RESTRICTED,
            (RestrictionReason.ID_EXPIRED,),  # lifted by the approved renewal
        ),
        DemoCustomer(
            "30天内到期",
            "李娜",
            "80010002",
            "10010002",
            "13800138002",
            "310104",
            _years_later(today, -35) + timedelta(days=77),
            246,
            soon_from,
            soon_to,
            "上海市徐汇区漕溪北路88号",
        ),
        DemoCustomer(
            "有效期内（距到期多年）",
            "王芳",
            "80010003",
            "10010003",
            "13800138003",
            "440305",
            _years_later(today, -40) + timedelta(days=40),
            362,
            years_from,
            years_to,
            "广东省深圳市南山区科技园南区8栋",
        ),
        DemoCustomer(
            "46周岁以上（可换长期证件）",
            "刘洋",
            "80010004",
            "10010004",
            "13800138004",
            "340104",
            _years_later(today, -52) - timedelta(days=200),
            417,
            elder_from,
            elder_to,
            "安徽省合肥市蜀山区长江西路200号",
        ),
        DemoCustomer(
            "16至25周岁（将换10年期证件）",
            "陈静",
            "80010005",
            "10010005",
            "13800138005",
            "330106",
            _years_later(today, -20) - timedelta(days=100),
            528,
            young_from,
            young_to,
            "浙江省杭州市西湖区文三路90号",
        ),
        DemoCustomer(
            "账户已冻结",
            "赵磊",
            "80010006",
            "10010006",
            "13800138006",
            "510107",
            _years_later(today, -55) - timedelta(days=15),
            631,
            locked_from,
            locked_to,
            "四川省成都市武侯区人民南路四段11号",
            AccountStatus.FROZEN,
        ),
        DemoCustomer(
            "账户另有限制（适当性评估过期，换证后仍限制）",
            "孙丽",
            "80010007",
            "10010007",
            "13800138007",
            "420106",
            _years_later(today, -45) + timedelta(days=30),
            742,
            other_from,
            other_to,
            "湖北省武汉市武昌区中北路166号",
            AccountStatus.RESTRICTED,
            (RestrictionReason.SUITABILITY,),  # not the renewal's business: it stays
        ),
    ]


def since_expiry(demo: DemoCustomer, today: date) -> datetime:
    """When the restriction began: the day after the card expired, else a month ago."""
    day = today - timedelta(days=30)
    if demo.valid_to is not None and demo.valid_to < today:
        day = demo.valid_to + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


@transaction.atomic
def seed_demo_customers(*, today: date) -> list[tuple[DemoCustomer, Customer]]:
    """Create or refresh the demo customers (idempotent: keyed by fund account)."""
    password_hash = hash_trading_password(DEMO_PASSWORD)
    out = []
    for demo in demo_customers(today):
        customer = Customer.objects.filter(fund_account=demo.fund_account).first() or Customer(
            fund_account=demo.fund_account
        )
        customer.name = demo.name
        customer.trading_account = demo.trading_account
        customer.set_id_number(make_id_number(demo.area_code, demo.birth, demo.sequence))
        customer.set_mobile(demo.mobile)
        customer.id_valid_from = demo.valid_from
        customer.id_valid_to = demo.valid_to
        customer.id_long_term = demo.valid_to is None
        customer.address = demo.address
        customer.status = demo.status
        customer.trading_password = password_hash
        customer.full_clean(exclude=["reference_face"])
        customer.save()
        # A refresh starts the restrictions over (lifted history included): demo data only.
        AccountRestriction.objects.filter(customer=customer).delete()
        for reason in demo.restrictions:
            AccountRestriction.objects.create(
                customer=customer, reason=reason, since=since_expiry(demo, today)
            )
        out.append((demo, customer))
    return out
