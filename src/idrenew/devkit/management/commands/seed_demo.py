from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from idrenew.devkit.customers import DEMO_PASSWORD, seed_demo_customers


class Command(BaseCommand):
    help = "Create or refresh the demo customers and print their credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = seed_demo_customers(today=timezone.localdate())
        self.stdout.write("演示客户 (demo customers) — 交易密码 trading password: " + DEMO_PASSWORD)
        self.stdout.write(
            f"{'资金账号':<8}  {'交易账号':<8}  {'手机后4位':<6}  {'有效期至':<10}  情形"
        )
        for demo, customer in rows:
            valid_to = customer.id_valid_to.isoformat() if customer.id_valid_to else "长期"
            self.stdout.write(
                f"{customer.fund_account:<12}  {customer.trading_account:<12}  "
                f"{demo.mobile[-4:]:<10}  {valid_to:<12}  {demo.situation}"
            )
