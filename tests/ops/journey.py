"""The customer's journey and the approver's decision over plain HTTP(S), one function per
step, for the topology test and the load test (Locust).

Every function takes a ``requests.Session``-like object and the base URL (``https://host:port``,
no trailing slash), returns what the next step needs, and raises :class:`StepError` naming
the step, the HTTP status and the error code when the server refuses. A Locust
``HttpSession`` gets ``name=<step>`` on each request so its statistics group by step; a plain
``requests.Session`` does not accept ``name`` and gets none. No pytest import here.

The customer is a dict: ``fund_account``, ``mobile`` (the full number, to find the code at
the test gateway) and optionally ``mobile_last4``; ``read_code(customer, since)`` returns the
SMS code sent after ``since`` (epoch seconds), e.g. :func:`tests.ops.sms_capture.code_reader`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CASES = "/api/cases/current"
ADDRESS_FALLBACK = "上海市浦东新区世纪大道100号"
# What a coverable liveness challenge can be made of: the shared clips' labelled stretches
# (tests/face/clips.py STRETCHES): d12 turns and opens its mouth, d18 opens its mouth and blinks.
CLIP_ACTIONS = {"d12": {"turn_left", "turn_right", "open_mouth"}, "d18": {"open_mouth", "blink"}}


class StepError(RuntimeError):
    """A step of the journey failed: which step, the HTTP status and the error code."""

    def __init__(self, step: str, status: int | None, code: str | None, message: str) -> None:
        self.step = step
        self.status = status
        self.code = code
        super().__init__(f"{step}: HTTP {status} {code or ''} {message}".strip())


_ACCEPTS_NAME: dict[type, bool] = {}


def _accepts_name(session: Any) -> bool:
    kind = type(session)
    if kind not in _ACCEPTS_NAME:
        try:
            params = inspect.signature(session.request).parameters
            _ACCEPTS_NAME[kind] = "name" in params
        except (TypeError, ValueError):
            _ACCEPTS_NAME[kind] = False
    return _ACCEPTS_NAME[kind]


def call(session: Any, method: str, url: str, step: str, **kw: Any) -> Any:
    """``session.request`` with ``name=step`` when the session accepts it (Locust)."""
    if _accepts_name(session):
        kw["name"] = step
    kw.setdefault("timeout", 60)
    return session.request(method, url, **kw)


def _code_of(resp: Any) -> tuple[str | None, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, (resp.text or "")[:200]
    if isinstance(body, dict):
        return body.get("code"), str(body.get("message") or "")[:200]
    return None, str(body)[:200]


def expect(resp: Any, step: str, *statuses: int) -> Any:
    """The JSON body of ``resp`` when its status is one of ``statuses``, else StepError."""
    if resp.status_code not in statuses:
        code, message = _code_of(resp)
        raise StepError(step, resp.status_code, code, message)
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        return resp.json()
    return None


def _origin(base: str) -> dict[str, str]:
    # Django checks Origin (or Referer) on unsafe HTTPS requests besides the CSRF token.
    return {"Origin": base, "Referer": base + "/h5/"}


def _csrf(session: Any) -> str:
    for cookie in session.cookies:
        if cookie.name == "csrftoken":
            return str(cookie.value)
    return ""


def post_json(
    session: Any,
    base: str,
    path: str,
    step: str,
    body: dict[str, Any] | None = None,
    *,
    idempotent: bool = True,
    headers: dict[str, str] | None = None,
) -> Any:
    hdrs = {**_origin(base), "X-CSRFToken": _csrf(session), **(headers or {})}
    if idempotent:
        hdrs["Idempotency-Key"] = str(uuid.uuid4())
    return call(session, "POST", base + path, step, json=body or {}, headers=hdrs)


def post_file(
    session: Any,
    base: str,
    path: str,
    step: str,
    files: dict[str, tuple[str, bytes, str]],
    data: dict[str, str] | None = None,
) -> Any:
    hdrs = {
        **_origin(base),
        "X-CSRFToken": _csrf(session),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    return call(session, "POST", base + path, step, files=files, data=data or {}, headers=hdrs)


# --- tasks ---------------------------------------------------------------------------------


def poll_task(
    session: Any, base: str, task_id: str, step: str, *, timeout: float = 180.0
) -> dict[str, Any]:
    """Poll ``GET /api/tasks/{id}`` until it succeeds (its ``result``); StepError when it
    fails (with the task's error code) or takes longer than ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        resp = call(session, "GET", f"{base}/api/tasks/{task_id}", f"{step} (poll)")
        body = expect(resp, f"{step} (poll)", 200)
        if body["status"] == "succeeded":
            result: dict[str, Any] = body["result"] or {}
            return result
        if body["status"] == "failed":
            error = body.get("error") or {}
            raise StepError(step, 200, error.get("code"), str(error.get("message") or ""))
        if time.monotonic() > deadline:
            raise StepError(step, None, "TIMEOUT", f"task still {body['status']} after {timeout}s")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


# --- sign-in and case ------------------------------------------------------------------------


def sign_in(
    session: Any,
    base: str,
    customer: dict[str, str],
    read_code: Callable[[dict[str, str], float], str],
) -> dict[str, Any]:
    """Steps 1–2: ``GET /api/meta`` (CSRF cookie), send the SMS code, read it at the test
    gateway, verify. Returns ``SessionOut``."""
    expect(call(session, "GET", f"{base}/api/meta", "meta"), "meta", 200)
    last4 = customer.get("mobile_last4") or customer["mobile"][-4:]
    who = {"fund_account": customer["fund_account"], "mobile_last4": last4}
    since = time.time() - 1
    expect(
        post_json(session, base, "/api/auth/sms/send", "sms send", who, idempotent=False),
        "sms send",
        200,
    )
    code = read_code(customer, since)
    resp = post_json(
        session, base, "/api/auth/sms/verify", "sms verify", {**who, "code": code}, idempotent=False
    )
    body: dict[str, Any] = expect(resp, "sms verify", 200)
    return body


def start_case(session: Any, base: str) -> dict[str, Any]:
    """``POST /api/cases`` (201), or the open case when there is one. Returns ``CaseOut``."""
    resp = post_json(session, base, "/api/cases", "start case")
    if resp.status_code == 409:
        code, _ = _code_of(resp)
        if code == "CASE_ALREADY_ACTIVE":
            case: dict[str, Any] = resp.json()["detail"]["case"]
            return case
    body: dict[str, Any] = expect(resp, "start case", 201)
    return body


# --- step 3: face ------------------------------------------------------------------------------


def face_consent(session: Any, base: str) -> dict[str, Any]:
    notice = expect(
        call(session, "GET", f"{base}{CASES}/face/notice", "face notice"), "face notice", 200
    )
    resp = post_json(
        session,
        base,
        f"{CASES}/face/consent",
        "face consent",
        {"notice_version": notice["version"]},
    )
    body: dict[str, Any] = expect(resp, "face consent", 200)
    return body


def clip_person(actions: Sequence[str]) -> str | None:
    """The shared clip that shows every action of a challenge, or None (draw again)."""
    for name, shown in CLIP_ACTIONS.items():
        if set(actions) <= shown:
            return name
    return None


def face_challenge(session: Any, base: str, *, tries: int = 5) -> tuple[str, dict[str, Any]]:
    """A challenge whose actions one shared clip shows: (clip person, challenge). Each draw
    counts towards the customer's daily attempts (``IDRENEW_FACE_ATTEMPTS_PER_DAY``)."""
    for _ in range(tries):
        resp = post_json(session, base, f"{CASES}/face/challenge", "face challenge")
        challenge: dict[str, Any] = expect(resp, "face challenge", 200, 201)
        person = clip_person(challenge["actions"])
        if person:
            return person, challenge
    raise StepError("face challenge", None, "NO_COVERABLE_CHALLENGE", f"{tries} draws")


_CLIP_CACHE: dict[tuple[str, str], bytes] = {}


def make_clip(person: str, schedule: list[dict[str, Any]], workdir: Path | None = None) -> bytes:
    """An MP4 of the shared clip ``person`` cut to the challenge's ``schedule`` (the same
    schedule gives the same bytes: cached per process)."""
    key = (person, repr([(r["action"], r["start_ms"], r["end_ms"]) for r in schedule]))
    if key not in _CLIP_CACHE:
        import tempfile

        from tests.face.clips import for_schedule

        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            _CLIP_CACHE[key] = for_schedule(person, schedule, Path(tmp) / "clip.mp4")
    return _CLIP_CACHE[key]


def upload_face_clip(
    session: Any, base: str, nonce: str, clip: bytes, *, timeout: float = 180.0
) -> dict[str, Any]:
    """``POST face/clip`` (202), then poll the liveness task. Returns ``FaceAttemptOut``;
    StepError when the attempt did not pass (code: its first failure)."""
    resp = post_file(
        session,
        base,
        f"{CASES}/face/clip",
        "face clip",
        files={"clip": ("clip.mp4", clip, "video/mp4")},
        data={"nonce": nonce},
    )
    accepted = expect(resp, "face clip", 202)
    result = poll_task(session, base, accepted["task_id"], "face clip", timeout=timeout)
    if not result.get("passed"):
        failures = result.get("failures") or [{}]
        raise StepError("face clip", 200, failures[0].get("code"), str(failures[0].get("message")))
    return result


def pass_face(session: Any, base: str) -> dict[str, Any]:
    """Step 3 whole: consent, a coverable challenge, its clip, the liveness result."""
    face_consent(session, base)
    person, challenge = face_challenge(session, base)
    clip = make_clip(person, challenge["schedule"])
    return upload_face_clip(session, base, challenge["nonce"], clip)


# --- steps 4–6: card -------------------------------------------------------------------------


def upload_card(
    session: Any, base: str, side: str, image: bytes, *, timeout: float = 180.0
) -> dict[str, Any]:
    """``POST idcard/{side}`` (202), then poll the OCR task. Returns ``IdCardSideOut``;
    StepError when the photo is not accepted (code: its first blocking warning)."""
    step = f"card {side}"
    resp = post_file(
        session,
        base,
        f"{CASES}/idcard/{side}",
        step,
        files={"image": (f"{side}.jpg", image, "image/jpeg")},
    )
    accepted = expect(resp, step, 202)
    result = poll_task(session, base, accepted["task_id"], step, timeout=timeout)
    if not result.get("accepted"):
        blocking = [w for w in result.get("warnings", []) if w.get("blocking")] or [{}]
        raise StepError(step, 200, blocking[0].get("code"), str(blocking[0].get("message")))
    return result


def confirm_card(session: Any, base: str) -> dict[str, Any]:
    """Steps 4→6: confirm the reading, confirm the identity, save the update as shown.
    Returns the case (``CaseOut``, state ``update_confirmed``)."""
    expect(post_json(session, base, f"{CASES}/idcard/confirm", "card confirm"), "card confirm", 200)
    expect(
        post_json(session, base, f"{CASES}/identity/confirm", "identity confirm"),
        "identity confirm",
        200,
    )
    shown = expect(call(session, "GET", f"{base}{CASES}/update", "update show"), "update show", 200)
    update = {k: shown[k] for k in ("valid_from", "valid_to", "long_term", "address")}
    update["address"] = update["address"] or ADDRESS_FALLBACK
    body: dict[str, Any] = expect(
        post_json(session, base, f"{CASES}/update", "update", update), "update", 200
    )
    return body


# --- steps 7–10: agreements, signature, submission ---------------------------------------------


def sign_agreements(
    session: Any, base: str, *, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    """Steps 7–9: open and scroll both agreements, wait the minimum reading time, mark them
    read, 下一步, hand-sign (strokes) and wait for the signing task. Returns ``SignedOut``."""
    listing = expect(
        call(session, "GET", f"{base}{CASES}/agreements", "agreements"), "agreements", 200
    )
    opened = time.monotonic()
    for a in listing["agreements"]:
        for event in ("opened", "scrolled_to_end"):
            body = {"version": a["version"], "event": event, "elapsed_ms": 0}
            resp = post_json(
                session, base, f"{CASES}/agreements/{a['key']}/events", "agreement event", body
            )
            expect(resp, "agreement event", 200)
    wait = listing["min_read_seconds"] + 0.5 - (time.monotonic() - opened)
    if wait > 0:
        sleep(wait)
    for a in listing["agreements"]:
        for _ in range(3):
            resp = post_json(
                session,
                base,
                f"{CASES}/agreements/{a['key']}/read",
                "agreement read",
                {"version": a["version"]},
            )
            code, _msg = _code_of(resp) if resp.status_code == 422 else (None, "")
            if code != "AGREEMENT_TOO_FAST":
                break
            sleep(float(resp.json()["detail"]["seconds_left"]))
        expect(resp, "agreement read", 200)
    expect(
        post_json(session, base, f"{CASES}/agreements/done", "agreements done"),
        "agreements done",
        200,
    )
    return sign(session, base)


def strokes() -> list[list[dict[str, float]]]:
    """A hand signature: two strokes of a few dozen points, drawn over ~1 s."""
    now = time.time() * 1000
    first = [{"x": 60 + i * 9.0, "y": 150 + (i % 7) * 4.0, "t": now + i * 16} for i in range(40)]
    second = [{"x": 120 + i * 6.0, "y": 90 + i * 3.0, "t": now + 800 + i * 16} for i in range(30)]
    return [first, second]


def sign(session: Any, base: str, *, timeout: float = 180.0) -> dict[str, Any]:
    body = {"strokes": strokes(), "width": 600, "height": 300}
    accepted = expect(
        post_json(session, base, f"{CASES}/signature", "signature", body), "signature", 202
    )
    return poll_task(session, base, accepted["task_id"], "signature", timeout=timeout)


def submit(session: Any, base: str) -> dict[str, Any]:
    """Step 10: submit. Returns ``CaseOut`` (state ``submitted``, with the reference)."""
    body: dict[str, Any] = expect(
        post_json(session, base, f"{CASES}/submit", "submit"), "submit", 200
    )
    return body


def case_status(session: Any, base: str) -> dict[str, Any]:
    body: dict[str, Any] = expect(
        call(session, "GET", f"{base}/api/cases/latest", "status"), "status", 200
    )
    return body


def customer_journey(
    session: Any,
    base: str,
    customer: dict[str, str],
    read_code: Callable[[dict[str, str], float], str],
    cards: dict[str, bytes],
) -> dict[str, Any]:
    """Sign-in to submission in one call; ``cards``: ``{"front": jpeg, "back": jpeg}``.
    Returns the submitted ``CaseOut``."""
    sign_in(session, base, customer, read_code)
    start_case(session, base)
    pass_face(session, base)
    for side in ("front", "back"):
        upload_card(session, base, side, cards[side])
    confirm_card(session, base)
    sign_agreements(session, base)
    return submit(session, base)


# --- the approver (staff API) ------------------------------------------------------------------


def totp(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 code of a base32 ``secret`` (what ``idrenew createreviewer`` prints)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


_last_step: dict[str, int] = {}  # per secret: the time step whose code this process sent


def unused_totp(secret: str, step: int = 30) -> str:
    """The current code, after waiting for the next time step when this process already sent
    this step's code: django-otp accepts each code once, so two sign-ins within 30 s (two
    tests, or two approvers of a load run) would otherwise be refused."""
    now = time.time()
    counter = int(now // step)
    last = _last_step.get(secret)
    if last is not None and counter <= last:
        time.sleep((last + 1) * step - now + 0.05)
        now = time.time()
        counter = int(now // step)
    _last_step[secret] = counter
    return totp(secret, at=now, step=step)


def staff_token(session: Any, base: str, username: str, password: str, secret: str) -> str:
    """``POST /api/staff/token`` with an authenticator code not used yet: the bearer token."""
    body = {"username": username, "password": password, "code": unused_totp(secret)}
    resp = call(session, "POST", f"{base}/api/staff/token", "staff token", json=body)
    token: str = expect(resp, "staff token", 201)["token"]
    return token


def approve(
    session: Any, base: str, token: str, reference: str, note: str = "资料齐全"
) -> dict[str, Any]:
    """Find the case by reference in the queue, claim it, approve it. Returns ``DecisionOut``."""
    auth = {"Authorization": f"Bearer {token}"}
    queue = expect(
        call(
            session,
            "GET",
            f"{base}/api/staff/queue",
            "staff queue",
            headers=auth,
            params={"state": "submitted", "limit": 200},
        ),
        "staff queue",
        200,
    )
    matches = [item for item in queue["items"] if item["reference"] == reference]
    if not matches:
        raise StepError("staff queue", 200, "CASE_NOT_IN_QUEUE", reference)
    case_id = matches[0]["id"]
    expect(
        call(
            session, "POST", f"{base}/api/staff/cases/{case_id}/claim", "staff claim", headers=auth
        ),
        "staff claim",
        200,
    )
    resp = call(
        session,
        "POST",
        f"{base}/api/staff/cases/{case_id}/approve",
        "staff approve",
        headers=auth,
        json={"note": note},
    )
    body: dict[str, Any] = expect(resp, "staff approve", 200)
    return body


def wait_for_state(
    session: Any, base: str, state: str, *, timeout: float = 60.0, step: str = "status"
) -> dict[str, Any]:
    """Poll the customer's ``/api/cases/latest`` until the case is in ``state``."""
    deadline = time.monotonic() + timeout
    while True:
        body = case_status(session, base)
        if body["state"] == state:
            return body
        if time.monotonic() > deadline:
            raise StepError(step, 200, "TIMEOUT", f"state {body['state']}, wanted {state}")
        time.sleep(0.5)
