"""Back-office staff roles as Django groups."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

DEMO_REVIEWER = ("reviewer", "idrenew-demo-2026")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "审核员": [
        "cases.view_renewalcase",
        "customers.view_customer",
        "face.view_faceattempt",
        "face.view_faceconsent",
        "idcard.view_cardreading",
        "idcard.view_cardupload",
        "signing.view_agreementreading",
        "signing.view_handsignature",
        "signing.view_signeddocument",
        "audit.view_auditevent",
        "verification.view_signinlock",
        "verification.change_signinlock",
        "verification.view_outboundsms",
        "tradingcalendar.view_tradingdayoverride",
        "tradingcalendar.view_calendaryear",
    ],
    "管理员": [
        "tradingcalendar.add_tradingdayoverride",
        "tradingcalendar.change_tradingdayoverride",
        "tradingcalendar.delete_tradingdayoverride",
        "tradingcalendar.view_tradingdayoverride",
        "tradingcalendar.add_calendaryear",
        "tradingcalendar.change_calendaryear",
        "tradingcalendar.view_calendaryear",
        "verification.view_signinlock",
        "verification.change_signinlock",
        "audit.view_auditevent",
        "core.view_taskrecord",
    ],
}


@transaction.atomic
def ensure_roles() -> dict[str, Group]:
    groups = {}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
        groups[role] = group
    return groups


def staff_create(*, username: str, password: str, role: str) -> User:
    groups = ensure_roles()
    if role not in groups:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(groups)}")
    user, _ = User.objects.get_or_create(username=username)
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.add(groups[role])
    return user


def ensure_demo_staff() -> None:
    username, password = DEMO_REVIEWER
    staff_create(username=username, password=password, role="审核员")
    admin = staff_create(username="operator", password=password, role="管理员")
    admin.groups.add(ensure_roles()["审核员"])
