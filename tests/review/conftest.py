"""Fixtures for the back office: a submitted case (steps 1–10 through the API) and staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from idrenew.cases.models import RenewalCase
from idrenew.core.staff import staff_create
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4
from tests.signing.conftest import _ca_dir, authority, signing_ca
from tests.signing.test_steps_api import at_step_7, at_step_8, png_data_url, sign, strokes

# Fixtures, imported for their names.
__all__ = ["_ca_dir", "at_step_4", "at_step_7", "at_step_8", "authority", "signing_ca"]

STAFF_PASSWORD = "Staff-Pass-2026!"


def deliver_all() -> int:
    """What the post-commit hooks do in real requests (tests run inside one transaction):
    deliver due outbox events, and those their delivery wrote (the counter update writes the
    已通过 SMS), until nothing is left. Returns how many were delivered."""
    from idrenew.outbox.services import outbox_dispatch

    total = 0
    for _ in range(5):
        delivered = outbox_dispatch().delivered
        total += delivered
        if not delivered:
            break
    return total


def sign_and_submit(api: ApiClient) -> RenewalCase:
    resp = sign(api, png_data_url(True), strokes(40, 10.0))
    assert resp.status_code == 202, resp.content
    task = api.get(f"/api/tasks/{resp.json()['task_id']}").json()
    assert task["status"] == "succeeded", task
    submitted = api.post_json(f"{CASES}/submit", {}, key=api.new_key())
    assert submitted.status_code == 200, submitted.content
    return RenewalCase.objects.get(reference=submitted.json()["reference"])


@pytest.fixture
def submitted(at_step_8: ApiClient, signing_ca: Any) -> RenewalCase:
    """Alice's case, submitted (step 10), waiting for review."""
    return sign_and_submit(at_step_8)


@pytest.fixture
def make_staff(db: Any) -> Callable[[str, str], User]:
    def make(username: str, role: str) -> User:
        return staff_create(username=username, password=STAFF_PASSWORD, role=role)

    return make


@pytest.fixture
def reviewer(make_staff: Callable[[str, str], User]) -> User:
    return make_staff("rev1", "审核员")


@pytest.fixture
def approver(make_staff: Callable[[str, str], User]) -> User:
    return make_staff("appr1", "审批员")
