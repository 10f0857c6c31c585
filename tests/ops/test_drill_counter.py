"""Failure drill: the counter system (柜台) down for an hour after an approval (issue #13
item 5), through a local HTTP counter that answers 503 and then 200, counting calls, with the
clock moved by time-machine and the dispatcher run every minute as ``outbox dispatch --loop
60`` does.

What the customer saw: the case showed 已通过 at once (the decision does not wait for the
counter); the 已通过 SMS, which says the record was updated, came only after the counter
took the update, once. Staff saw the counter event waiting with its attempts and last error
(对外投递) during the outage.

Nothing lost or duplicated: the outbox backed off (30 s, 1, 2, 4, 8, 16, 32 min: 7 calls in
the hour, not 60), the update reached the counter exactly once (one 200, one idempotency key
for all calls) when it was back, the customer's record was updated once, one decision, one
已通过 SMS. Finding: with the defaults (8 attempts, 30 s first backoff) the 8th and last
attempt falls at about 64 minutes, so an outage longer than that makes the event a dead
letter that an operator sends again from 对外投递 (IDRENEW_OUTBOX_MAX_ATTEMPTS=12 covers
about five hours).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib import error, request

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.gateway import (
    CounterUnavailable,
    DatabaseCounterGateway,
    IdUpdate,
    IdUpdateResult,
    _gateway,
)
from idrenew.customers.models import Customer
from idrenew.outbox.handlers import COUNTER_UPDATE, SMS_NOTIFY
from idrenew.outbox.models import OutboxEvent, OutboxStatus
from idrenew.outbox.services import outbox_dispatch
from idrenew.review.models import Decision
from tests.review.conftest import (
    _ca_dir,
    approver,
    at_step_4,
    at_step_7,
    at_step_8,
    authority,
    make_staff,
    signing_ca,
    submitted,
)
from tests.review.test_retention import approve

# Fixtures, imported for their names.
__all__ = [
    "_ca_dir",
    "approver",
    "at_step_4",
    "at_step_7",
    "at_step_8",
    "authority",
    "make_staff",
    "signing_ca",
    "submitted",
]

pytestmark = pytest.mark.django_db


class CounterServer:
    """A counter system on loopback: 503 while ``down``, else 200; counts every call."""

    def __init__(self) -> None:
        self.down = True
        self.calls: list[tuple[int, str]] = []  # (status answered, idempotency key)
        self.applied: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                status = 503 if outer.down else 200
                outer.calls.append((status, key))
                if status == 200 and key not in outer.applied:
                    outer.applied.append(key)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/id-update"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class HttpCounterGateway(DatabaseCounterGateway):
    """A counter adapter as a broker writes one: the update goes to the counter over HTTP
    (idempotency key: the case evidence reference), transport errors and 5xx raise
    ``CounterUnavailable``; the local mirror is updated once the counter took it."""

    def apply_id_update(self, customer: Customer, update: IdUpdate) -> IdUpdateResult:
        body = json.dumps({"customer": customer.pk, "valid_from": str(update.valid_from)})
        req = request.Request(  # noqa: S310 (the test's loopback counter)
            settings.DRILL_COUNTER_URL,
            data=body.encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": update.evidence_ref},
            method="POST",
        )
        try:
            with request.urlopen(req, timeout=5) as resp:  # noqa: S310
                resp.read()
        except (error.URLError, OSError) as exc:
            raise CounterUnavailable(f"counter unavailable: {exc.__class__.__name__}") from exc
        return super().apply_id_update(customer, update)


@pytest.fixture
def counter(settings: Any) -> Iterator[CounterServer]:
    server = CounterServer()
    settings.DRILL_COUNTER_URL = server.url
    settings.IDRENEW_COUNTER_GATEWAY = f"{__name__}.HttpCounterGateway"
    _gateway.cache_clear()
    try:
        yield server
    finally:
        server.close()
        _gateway.cache_clear()


def test_counter_down_for_an_hour_backs_off_then_delivers_once(
    counter: CounterServer, submitted: RenewalCase, approver: User, outbox: list[Any]
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        approve(submitted, approver)  # the decision, then a first delivery attempt: 503
        event = OutboxEvent.objects.get(topic=COUNTER_UPDATE)
        assert event.status == OutboxStatus.PENDING and event.attempts == 1
        assert RenewalCase.objects.get(pk=submitted.pk).state == "approved"
        sms_before = set(OutboxEvent.objects.filter(topic=SMS_NOTIFY).values_list("pk", flat=True))
        before = Customer.objects.get(pk=submitted.customer_id).updated_at

        for minute in range(1, 61):  # an hour down; the dispatcher runs every minute
            clock.move_to(start + timedelta(minutes=minute))
            outbox_dispatch()
        event.refresh_from_db()
        assert event.status == OutboxStatus.PENDING, event.last_error
        assert "CounterUnavailable" in event.last_error
        assert [s for s, _ in counter.calls] == [
            503
        ] * 7  # minutes 0, 1, 2, 4, 8, 16, 32 (runs every minute)
        assert Customer.objects.get(pk=submitted.customer_id).updated_at == before
        assert not [m for m in outbox if "已通过" in m.text]
        assert set(OutboxEvent.objects.filter(topic=SMS_NOTIFY).values_list("pk", flat=True)) == (
            sms_before
        )

        counter.down = False  # back after an hour
        for minute in range(61, 71):
            clock.move_to(start + timedelta(minutes=minute))
            outbox_dispatch()

    event.refresh_from_db()
    assert event.status == OutboxStatus.DELIVERED and event.attempts == 8
    statuses = [s for s, _ in counter.calls]
    assert statuses == [503] * 7 + [200]  # delivered exactly once, nothing after
    assert len({k for _, k in counter.calls}) == 1 and len(counter.applied) == 1
    assert Customer.objects.get(pk=submitted.customer_id).updated_at > before
    assert Decision.objects.filter(case=submitted).count() == 1
    sms = OutboxEvent.objects.filter(topic=SMS_NOTIFY).exclude(pk__in=sms_before)
    assert sms.count() == 1 and sms.get().status == OutboxStatus.DELIVERED
    assert len([m for m in outbox if "已通过" in m.text]) == 1
