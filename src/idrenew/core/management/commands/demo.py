from __future__ import annotations

import signal
import subprocess
import sys
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.core.management.commands.serve import run_gunicorn
from idrenew.core.staff import DEMO_REVIEWER, DEMO_STAFF, ensure_demo_staff


class Command(BaseCommand):
    help = "Migrate, seed demo customers and staff, and serve on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare only")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo refuses to run with IDRENEW_ENV=production")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS("数据库已就绪 (database ready)"))
        call_command("seed_demo", stdout=self.stdout)
        totp_secrets = ensure_demo_staff()
        cards = settings.DATA_DIR / "demo-idcards"
        call_command("demo_idcards", out=str(cards), stdout=StringIO())
        base = f"http://127.0.0.1:{options['port']}"
        self.stdout.write("")
        self.stdout.write(f"H5 客户端 (phone size 375×667): {base}/h5/")
        self.stdout.write(f"API 文档:                         {base}/api/docs")
        self.stdout.write(f"业务后台:                         {base}/admin/")
        _, password = DEMO_REVIEWER
        accounts = "，".join(f"{name}（{role}）" for name, role in DEMO_STAFF)
        self.stdout.write(f"后台演示账号 (staff, password {password}): {accounts}")
        self.stdout.write(
            "后台两步验证 (TOTP): 在身份验证器中添加以下密钥 (add to an authenticator app):"
        )
        for name, secret in totp_secrets.items():
            self.stdout.write(f"  {name}: {secret}")
        self.stdout.write("短信验证码会打印在本窗口 (SMS codes are printed in this console).")
        self.stdout.write(
            f"演示客户的新身份证照片 (renewed card photos for steps 4–6): {cards}/"
            "<资金账号>_front.jpg, _back.jpg"
        )
        if settings.IDRENEW_IGNORE_BUSINESS_HOURS:
            self.stdout.write("演示模式：已忽略业务办理时间限制 (business hours ignored).")
        if options["no_serve"]:
            return
        # Outbox events that failed after a decision (counter, CFMMC, SMS) are retried by a
        # dispatcher beside the web server, as a deployment runs `idrenew outbox dispatch`.
        # Both run as children in their own process groups: a Ctrl-C reaches this process,
        # which stops the web server gracefully, then the dispatcher.
        dispatcher = subprocess.Popen(
            [sys.executable, "-m", "idrenew.cli", "outbox", "dispatch", "--loop", "30"],
            stdout=subprocess.DEVNULL,
            process_group=0,
        )
        try:
            status = run_gunicorn(f"127.0.0.1:{options['port']}", workers=1, threads=8)
        finally:
            _stop(dispatcher)
        if status != 0:
            raise CommandError(f"web server (gunicorn) stopped with status {status}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
