"""The case page's actions catch every registered error, however raised (an AppError class,
a CodedError from a domain table), and show the registry's staff wording; review's own
refusals (review/errors.py) keep the precise wording given at the raise."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.cases.models import RenewalCase
from idrenew.core.errors import error_code
from idrenew.core.tasks import TaskQueueUnavailable
from idrenew.face.identity_errors import IdentityNotSamePerson
from idrenew.review import services
from idrenew.review.errors import CaseClaimedByOther
from idrenew.verification.errors import SmsSendFailed
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def _claim(client: Client, case: RenewalCase) -> list[str]:
    resp = client.post(f"/backoffice/review/cases/{case.pk}/claim", follow=True)
    assert resp.status_code == 200
    return [str(m) for m in resp.context["messages"]]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (TaskQueueUnavailable, error_code("TASK_QUEUE_UNAVAILABLE").staff),
        (IdentityNotSamePerson, IdentityNotSamePerson.staff_message),
        (SmsSendFailed, SmsSendFailed.default_message),  # no staff wording: the customer's
    ],
)
def test_any_registered_error_shows_its_staff_message(
    client: Client,
    reviewer: User,
    submitted: RenewalCase,
    monkeypatch: Any,
    error: type[Exception],
    shown: str,
) -> None:
    def refuse(**kwargs: Any) -> Any:
        raise error()

    monkeypatch.setattr(services, "review_claim", refuse)
    staff_login(client, reviewer)
    assert _claim(client, submitted) == [shown]
    assert shown  # never an empty message


def test_a_review_refusal_shows_the_wording_given_at_the_raise(
    client: Client, reviewer: User, approver: User, submitted: RenewalCase
) -> None:
    services.review_claim(case_id=submitted.id, user=approver)
    staff_login(client, reviewer)
    (shown,) = _claim(client, submitted)
    assert shown.startswith(f"该申请正由 {approver.get_username()} 办理（锁定至 "), shown
    assert shown != CaseClaimedByOther.default_message and "锁定至" in shown
