from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.core.staff import ROLE_PERMISSIONS, staff_create
from idrenew.staffauth.services import totp_device_create


class Command(BaseCommand):
    help = (
        "Create (or update) a back-office staff account with a role, enrol a new TOTP device "
        "for its two-factor sign-in and print the device's provisioning URI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", default="审核员", choices=sorted(ROLE_PERMISSIONS))
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().strip()
        else:
            password = getpass.getpass("密码: ")
            if password != getpass.getpass("再次输入密码: "):
                raise CommandError("两次输入的密码不一致")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        user = staff_create(username=options["username"], password=password, role=options["role"])
        enrolment = totp_device_create(user=user, confirmed=True)
        self.stdout.write(
            self.style.SUCCESS(f"已创建后台账号 {user.username}（{options['role']}）")
        )
        self.stdout.write("两步验证：请将以下配置链接交给本人，用身份验证器扫码或手动添加密钥。")
        self.stdout.write(f"配置链接 (provisioning URI): {enrolment.uri}")
        self.stdout.write(f"密钥 (secret): {enrolment.secret}")
