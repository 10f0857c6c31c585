"""Issue #10 item 1: staff sign-in is throttled (django-axes, per user and per IP, audited,
liftable by 管理员), takes a TOTP code for every role (django-otp, with enrolment), and a
staff session ends after an idle period besides the absolute limit."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from idrenew.audit.models import AuditEvent
from idrenew.core.staff import staff_create
from idrenew.staffauth.services import totp_device_create
from tests.conftest import staff_login, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Staff-Pass-2026!"
LOGIN = "/admin/login/?next=/admin/"


def password_step(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def enrolled(username: str, role: str) -> tuple[User, TOTPDevice]:
    user = staff_create(username=username, password=PASSWORD, role=role)
    return user, totp_device_create(user=user).device


@pytest.mark.parametrize("role", ["审核员", "审批员", "审计员", "管理员"])
def test_a_password_alone_does_not_open_the_back_office(role: str) -> None:
    _, device = enrolled("u1", role)
    client = Client()
    resp = password_step(client, "u1")
    assert resp.status_code == 302 and resp["Location"].startswith("/admin/otp/")
    assert not signed_in(client)
    # Back-office pages outside the admin site are closed too.
    page = client.get("/backoffice/verify")
    assert page.status_code == 302 and page["Location"].startswith("/admin/otp/")
    step = client.get(resp["Location"])
    assert step.status_code == 200 and "动态验证码" in step.content.decode()
    resp = client.post("/admin/otp/", {"otp_token": totp_code(device), "next": "/admin/"})
    assert resp.status_code == 302 and resp["Location"] == "/admin/"
    assert signed_in(client)
    assert AuditEvent.objects.filter(action="staff.signed_in", actor_id=str(device.user_id))


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in() -> None:
    """The issue's report: an auditor's account after 40 wrong passwords."""
    user, device = enrolled("auditor1", "审计员")
    client = Client()
    for n in range(40):
        password_step(client, "auditor1", f"wrong-{n}")
    resp = password_step(client, "auditor1")
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.content.decode()
    assert not signed_in(client)
    assert client.post("/admin/otp/", {"otp_token": totp_code(device)}).status_code == 302
    assert not signed_in(client)
    event = AuditEvent.objects.filter(action="staff.locked_out").first()
    assert event is not None and event.actor_id == str(user.pk)
    assert event.data["username"] == "auditor1"


def test_lockout_counts_per_user_and_per_ip(settings: Any) -> None:
    settings.IDRENEW_STAFF_FAILURES_PER_USER = 5
    settings.IDRENEW_STAFF_FAILURES_PER_IP = 8
    for name in ("a1", "a2", "a3"):
        enrolled(name, "审核员")
    client = Client()
    for _ in range(4):
        password_step(client, "a1", "wrong")
    # a1 is one short of its limit: the right password still works.
    assert password_step(client, "a1").status_code == 302
    client = Client()
    for _ in range(4):
        password_step(client, "a2", "wrong")
    # 8 failures from this IP: every account is refused from it, including a3's...
    resp = password_step(client, "a3")
    assert resp.status_code == 429
    # ...but not from another address.
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert password_step(other, "a3").status_code == 302


def test_an_unknown_user_name_is_not_written_into_the_audit_trail(settings: Any) -> None:
    settings.IDRENEW_STAFF_FAILURES_PER_USER = 2
    client = Client()
    for _ in range(3):
        password_step(client, "110101199003071234", "x")  # an ID number typed by mistake
    events = AuditEvent.objects.filter(action="staff.locked_out")
    assert events.exists()
    assert all("110101199003071234" not in str(e.data) for e in events)


def test_wrong_codes_count_as_failures_and_lock_the_account() -> None:
    _, device = enrolled("rev9", "审核员")
    client = Client()
    assert password_step(client, "rev9").status_code == 302
    good = totp_code(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    statuses = [client.post("/admin/otp/", {"otp_token": wrong}).status_code for _ in range(5)]
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    assert AuditEvent.objects.filter(action="staff.otp_failed").count() == 5
    # The half-signed-in session ended, and the password is refused now.
    assert client.get("/admin/otp/").status_code == 302
    assert password_step(client, "rev9").status_code == 429


def test_a_completed_sign_in_clears_the_failures_a_password_alone_does_not() -> None:
    _, device = enrolled("rev8", "审核员")
    client = Client()
    for _ in range(4):
        password_step(client, "rev8", "wrong")
    assert password_step(client, "rev8").status_code == 302
    assert AccessAttempt.objects.filter(username="rev8").exists()
    client.post("/admin/otp/", {"otp_token": totp_code(device)})
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="rev8").exists()


def test_an_operator_lifts_a_lockout_and_the_lift_is_audited() -> None:
    victim, device = enrolled("rev7", "审核员")
    client = Client()
    for _ in range(6):
        password_step(client, "rev7", "wrong")
    assert password_step(client, "rev7").status_code == 429
    attempt_ids = [str(a.pk) for a in AccessAttempt.objects.filter(username="rev7")]

    reviewer = Client()
    staff_login(reviewer, staff_create(username="rev2", password=PASSWORD, role="审核员"))
    changelist = "/admin/axes/accessattempt/"
    assert reviewer.get(changelist).status_code == 403
    operator_user = staff_create(username="ops1", password=PASSWORD, role="管理员")
    operator = Client()
    staff_login(operator, operator_user)
    page = operator.get(changelist)
    assert page.status_code == 200 and "解除锁定" in page.content.decode()
    resp = operator.post(
        changelist, {"action": "lift", "_selected_action": attempt_ids, "index": 0}
    )
    assert resp.status_code == 302
    assert not AccessAttempt.objects.filter(username="rev7").exists()
    lifted = AuditEvent.objects.filter(action="staff.lockout_lifted")
    assert lifted.count() == len(attempt_ids)
    assert {e.actor_id for e in lifted} == {str(operator_user.pk)}
    assert password_step(Client(), "rev7").status_code == 302
    assert victim.pk == device.user_id


def test_a_staff_member_without_a_device_enrols_one_after_the_password() -> None:
    user = staff_create(username="new1", password=PASSWORD, role="审批员")
    client = Client()
    resp = password_step(client, "new1")
    assert resp.status_code == 302
    resp = client.get(resp["Location"], follow=True)
    assert resp.redirect_chain[-1][0].startswith("/admin/otp/setup/")
    html = resp.content.decode()
    assert "绑定身份验证器" in html and "<svg" in html
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/admin/otp/setup/", {"otp_token": "000000"}).status_code in {400, 429}
    assert not signed_in(client)
    # The device throttles after a wrong code (1 s, then doubling): a moment later...
    with time_machine.travel(time.time() + 3):
        code = totp_code(pending)
        resp = client.post("/admin/otp/setup/", {"otp_token": code, "next": "/admin/"})
        assert resp.status_code == 302 and resp["Location"] == "/admin/"
        assert signed_in(client)
    pending.refresh_from_db()
    assert pending.confirmed
    assert AuditEvent.objects.filter(action="staff.otp_enrolled", actor_id=str(user.pk))
    # The next sign-in asks for the code; the enrolment page is not shown again.
    again = Client()
    resp = password_step(again, "new1")
    assert again.get("/admin/otp/setup/")["Location"].startswith("/admin/otp/")
    assert not signed_in(again)


def test_an_operator_resets_a_lost_device_audited() -> None:
    user, device = enrolled("rev6", "审核员")
    operator = Client()
    staff_login(operator, staff_create(username="ops2", password=PASSWORD, role="管理员"))
    page = operator.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.content.decode()
    resp = operator.post(
        "/admin/otp_totp/totpdevice/",
        {"action": "reset", "_selected_action": [str(device.pk)], "index": 0},
    )
    assert resp.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="staff.otp_reset").count() == 1


def test_createreviewer_enrols_a_device_and_prints_its_provisioning_uri(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Cli-Pass-2026-x!\n"))
    out = io.StringIO()
    call_command("createreviewer", "cli1", "--role", "审计员", "--password-stdin", stdout=out)
    text = out.getvalue()
    device = TOTPDevice.objects.get(user__username="cli1")
    assert device.confirmed
    assert device.config_url.startswith("otpauth://totp/") and device.config_url in text


def test_a_staff_session_ends_after_the_idle_timeout() -> None:
    assert django_settings.IDRENEW_STAFF_IDLE_TIMEOUT == 15 * 60
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600  # the absolute limit stays
    user = staff_create(username="rev5", password=PASSWORD, role="审核员")
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        staff_login(client, user)
        assert signed_in(client)
        clock.shift(14 * 60)
        assert signed_in(client)  # each request restarts the idle clock
        clock.shift(14 * 60)
        assert signed_in(client)
        clock.shift(15 * 60 + 5)
        resp = client.get("/admin/")
        assert resp.status_code == 302 and resp["Location"].startswith("/admin/login/")
        assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="staff.session_idle_timeout", actor_id=str(user.pk))


def test_the_idle_timeout_is_a_setting(settings: Any) -> None:
    settings.IDRENEW_STAFF_IDLE_TIMEOUT = 60
    user = staff_create(username="rev4", password=PASSWORD, role="审核员")
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        staff_login(client, user)
        clock.shift(61)
        assert not signed_in(client)
