"""The back office's front page leads each role to its work."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.core.staff import staff_create
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("审核员", ["审核队列", "统计看板", "投递失败"], []),
        ("管理员", ["投递失败", "统计看板"], ["审核队列"]),
    ],
)
def test_index_shows_the_shortcuts_of_the_role(
    role: str, shown: list[str], hidden: list[str], settings: Any
) -> None:
    staff_create(username="u1", password="Staff-Pass-2026!", role=role)
    client = Client()
    staff_login(client, User.objects.get(username="u1"))
    html = client.get("/admin/").content.decode()
    assert "常用入口" in html
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_the_queue_shortcut_lists_waiting_cases_under_its_own_title(settings: Any) -> None:
    staff_create(username="u1", password="Staff-Pass-2026!", role="审核员")
    client = Client()
    staff_login(client, User.objects.get(username="u1"))
    index = client.get("/admin/").content.decode()
    assert "/admin/cases/renewalcase/?state__exact=submitted" in index
    queue = client.get("/admin/cases/renewalcase/?state__exact=submitted")
    assert queue.status_code == 200 and "<h1>审核队列</h1>" in queue.content.decode()
