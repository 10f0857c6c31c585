"""Locust scenario: the whole customer journey with real clips and card photos, plus the approver.

Run by ``bench/load/run.py`` (``make load``), which starts the production topology
(tests/ops/stack.py) and passes its description in ``LOAD_STACK_JSON`` (a file path). Each
customer user takes a fresh seeded customer (one journey per customer: an approved renewal
changes the customer's card), signs in by SMS (code read back from the test gateway), passes
liveness with a shared clip cut to the challenge's schedule, uploads both card photos, confirms,
reads and signs both agreements and submits; the approver user takes submitted references
and approves them through the staff API. Step statistics group by step name
(tests/ops/journey.py passes ``name=``); refusals are recorded by step and error code in
``LOAD_EVENTS`` (JSON lines) for the report.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.ops import journey  # noqa: E402
from tests.ops.sms_capture import code_reader  # noqa: E402

STACK: dict[str, Any] = json.loads(Path(os.environ["LOAD_STACK_JSON"]).read_text())
EVENTS = Path(os.environ.get("LOAD_EVENTS", "/dev/null"))
SAMPLE_DIR = Path(os.environ["LOAD_SAMPLE_DIR"])
_lock = threading.Lock()
_customers = deque(STACK["customers_for_load"])
_submitted: deque[tuple[str, float]] = deque()
_read_code = code_reader(STACK["sms_capture_url"], timeout=30)
_sample_saved = False
# No new journey after this moment (epoch seconds): the run drains, so the server CPU of the
# window belongs to completed cases instead of journeys cut off at the end.
NO_NEW_AFTER = float(os.environ.get("LOAD_NO_NEW_AFTER", "inf"))


def _event(kind: str, **fields: Any) -> None:
    with _lock, EVENTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": kind, "t": time.time(), **fields}) + "\n")


def _cards(fund_account: str) -> dict[str, bytes]:
    folder = Path(STACK["cards_dir"])
    return {
        side: (folder / f"{fund_account}_{side}.jpg").read_bytes() for side in ("front", "back")
    }


class Customer(HttpUser):
    """One customer journey after another, each with a new customer."""

    weight = 10
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = STACK["ca_file"]
        self.client.trust_env = False

    @task
    def renew(self) -> None:
        global _sample_saved
        if time.time() > NO_NEW_AFTER:  # draining: idle
            time.sleep(5)
            return
        with _lock:
            customer = _customers.popleft() if _customers else None
        if customer is None:  # every seeded customer used: idle
            _event("no_customer")
            time.sleep(5)
            return
        _event("started")
        base = STACK["base_url"]
        self.client.cookies.clear()
        started = time.time()
        step = "sign in"
        try:
            journey.sign_in(self.client, base, customer, _read_code)
            step = "start case"
            journey.start_case(self.client, base)
            step = "face"
            journey.face_consent(self.client, base)
            person, challenge = journey.face_challenge(self.client, base)
            clip = journey.make_clip(person, challenge["schedule"])
            if not _sample_saved:  # the first clip, replaced once by one with a blink
                _sample_saved = "blink" in challenge["actions"]
                (SAMPLE_DIR / "clip.mp4").write_bytes(clip)
                (SAMPLE_DIR / "clip.json").write_text(json.dumps(challenge["actions"]))
            journey.upload_face_clip(self.client, base, challenge["nonce"], clip)
            cards = _cards(customer["fund_account"])
            for side in ("front", "back"):
                step = f"card {side}"
                journey.upload_card(self.client, base, side, cards[side])
            step = "confirm"
            journey.confirm_card(self.client, base)
            step = "sign"
            journey.sign_agreements(self.client, base, sleep=time.sleep)
            step = "submit"
            case = journey.submit(self.client, base)
        except journey.StepError as exc:
            _event("refused", step=exc.step, status=exc.status, code=exc.code)
            return
        except Exception as exc:  # counted as an uncoded error in the report
            _event("error", step=step, error=type(exc).__name__)
            return
        _event("submitted", reference=case["reference"], seconds=time.time() - started)
        with _lock:
            _submitted.append((case["reference"], time.time()))


class Approver(HttpUser):
    """The 审批员: approves submitted cases through the staff API, oldest first."""

    fixed_count = 1
    wait_time = between(0.5, 1)

    def on_start(self) -> None:
        self.client.verify = STACK["ca_file"]
        self.client.trust_env = False
        self.token = ""

    @task
    def approve(self) -> None:
        base = STACK["base_url"]
        with _lock:
            item = _submitted.popleft() if _submitted else None
        if item is None:
            return
        reference, submitted_at = item
        try:
            if not self.token:
                staff = STACK["staff"]
                self.token = journey.staff_token(
                    self.client, base, staff["username"], staff["password"], staff["secret"]
                )
            journey.approve(self.client, base, self.token, reference)
        except journey.StepError as exc:
            if exc.status == 401:
                self.token = ""
            if exc.code == "CASE_NOT_IN_QUEUE" and time.time() - submitted_at < 60:
                with _lock:  # not in the queue yet (straight after submission): later
                    _submitted.append(item)
                return
            _event("refused", step=exc.step, status=exc.status, code=exc.code)
            return
        except Exception as exc:
            _event("error", step="approve", error=type(exc).__name__)
            return
        _event("approved", reference=reference, seconds=time.time() - submitted_at)


@events.quitting.add_listener
def _left(environment: Any, **_kw: Any) -> None:
    _event("left", customers_unused=len(_customers), submitted_unapproved=len(_submitted))
