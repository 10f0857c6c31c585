from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from idrenew.customers.models import Customer
from idrenew.devkit.idcards import PortraitRefused, portrait_from_file, write_demo_card


class Command(BaseCommand):
    help = "Write photos of each demo customer's renewed ID card (for trying steps 4–6)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default=str(Path(settings.DATA_DIR) / "demo-idcards"))
        parser.add_argument("--fund-account", action="append", dest="accounts")
        parser.add_argument(
            "--portrait",
            metavar="PHOTO",
            help="a photo of the tester's own face (one person, frontal) to print as the "
            "card portrait, so the card matches the face in step 3 (straight-through demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        portrait = None
        if options["portrait"]:
            try:
                portrait = portrait_from_file(Path(options["portrait"]))
            except PortraitRefused as exc:
                raise CommandError(f"--portrait {options['portrait']}: {exc}") from None
        customers = Customer.objects.filter(fund_account__startswith="8001").order_by(
            "fund_account"
        )
        if options["accounts"]:
            customers = customers.filter(fund_account__in=options["accounts"])
        today = timezone.localdate()
        for customer in customers:
            files = write_demo_card(customer, out, today, portrait)
            self.stdout.write(f"{customer.fund_account}: " + "  ".join(str(f) for f in files))
