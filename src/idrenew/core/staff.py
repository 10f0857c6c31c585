"""Back-office staff roles as Django groups."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

DEMO_REVIEWER = ("reviewer", "idrenew-demo-2026")

_CASE_VIEW = [
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
    "review.view_casereview",
    "review.view_decision",
    "outbox.view_outboxevent",
    "verification.view_outboundsms",
    "tradingcalendar.view_tradingdayoverride",
    "tradingcalendar.view_calendaryear",
]

# Staff sign-in records (django-axes): failures, lockouts, sign-ins; no customer data.
_SIGNIN_RECORDS = [
    "axes.view_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
]

# Roles (Django groups): 审核员 reviews (claim, recommend or approve, reject, return);
# 审批员 also gives the final approval (under four-eyes, after someone else's review) and may
# see full ID numbers; 审计员 reads everything, exports evidence, decides nothing;
# 管理员 runs the system (calendar, locks, dead letters), and decides nothing.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "审核员": [
        *_CASE_VIEW,
        "review.review_case",
        "review.view_dashboard",
        "verification.view_signinlock",
        "verification.change_signinlock",
    ],
    "审批员": [
        *_CASE_VIEW,
        "review.review_case",
        "review.approve_case",
        "review.view_dashboard",
        "customers.unmask_id_number",
    ],
    "审计员": [
        *_CASE_VIEW,
        "review.export_evidence",
        "review.view_dashboard",
        "customers.unmask_id_number",
        "core.view_taskrecord",
        *_SIGNIN_RECORDS,
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
        "outbox.view_outboxevent",
        "outbox.retry_outboxevent",
        "review.view_dashboard",
        "reminders.view_expiryreminder",
        *_SIGNIN_RECORDS,
        "axes.delete_accessattempt",  # lift a lockout (staffauth admin action, audited)
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",  # reset a lost phone's device (audited)
        "staffauth.view_staffapitoken",
        "staffauth.change_staffapitoken",  # revoke a staff API token (audited)
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


DEMO_STAFF: tuple[tuple[str, str], ...] = (
    ("reviewer", "审核员"),
    ("approver", "审批员"),
    ("auditor", "审计员"),
    ("operator", "管理员"),
)


def ensure_demo_staff() -> dict[str, str]:
    """One demo account per role, all with the demo password, each enrolled for two-factor
    sign-in; returns each account's TOTP secret (kept across runs) for the console."""
    from idrenew.staffauth.services import totp_device_ensure

    _, password = DEMO_REVIEWER
    secrets = {}
    for username, role in DEMO_STAFF:
        user = staff_create(username=username, password=password, role=role)
        secrets[username] = totp_device_ensure(user=user).secret
    return secrets
