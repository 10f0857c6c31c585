"""The OpenAPI schema is the contract: every operation's answers match what it documents.

schemathesis loads the schema from the app (in-process WSGI, no server) and calls every
operation with generated data (a bounded number of examples, derandomized) as a signed-in
demo customer with a case under way: the session cookie, the CSRF header, and a fresh
``Idempotency-Key`` per call. The checks: no server error; the status code, content type,
headers and body conform to the schema; a request the schema calls invalid is refused; and
every error's ``code`` is one of those the schema lists for that status (``x-error-codes``).

The customer's session is made directly for each call (not through the sign-in endpoints),
so the generated sign-in calls (random accounts, wrong codes) can neither lock it out nor
end it; rate limits answer documented 429s and cannot fail the run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from idrenew.core.api import api
from idrenew.core.api_errors import OPERATION_ERRORS
from idrenew.core.middleware import IDEMPOTENCY_OPTIONAL, IDEMPOTENCY_REQUIRED, MAX_KEY
from idrenew.core.openapi import ATTRIBUTE, IDEMPOTENCY_HEADER, documented_codes
from idrenew.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

MAX_EXAMPLES = 6


@schemathesis.check
def error_code_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error answer is JSON in the one shape, and its code is listed for its status."""
    status = response.status_code
    if status < 400:
        return None
    documented = case.operation.definition.raw.get("responses", {}).get(str(status))
    if documented is None:
        return None  # status_code_conformance reports an undocumented status
    body = response.json()
    assert set(body) == {"code", "message", "retryable", "fields", "detail"}, body
    codes = documented.get("x-error-codes", [])
    assert body["code"] in codes, (
        f"{case.operation.label} answered {status} {body['code']}, "
        f"which the schema does not list for {status}: {codes}"
    )
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    error_code_documented,
]


@pytest.fixture
def customer(db: Any, settings: Any) -> Iterator[Any]:
    """Alice, signed in (the session is made per call below), with a case at step 3."""
    from django.utils import timezone

    from idrenew.cases.services import case_start
    from idrenew.devkit.customers import seed_demo_customers

    rows = seed_demo_customers(today=timezone.localdate())
    alice = next(c for _, c in rows if c.fund_account == "80010002")
    case_start(customer=alice)
    # As Django's test client does: the WSGI calls must not close the test database.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield alice
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def customer_session(customer: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The cookies and headers of a signed-in browser: session and CSRF cookies, CSRF header
    (the cookies replace the generated ``sessionid``: the schema's security scheme, not data
    to fuzz)."""
    from idrenew.verification.sessions import SESSION_CUSTOMER, SESSION_SEEN

    session = SessionStore()
    session[SESSION_CUSTOMER] = customer.pk
    session[SESSION_SEEN] = time.time()
    session.create()
    csrf = _get_new_csrf_string()
    return {"sessionid": str(session.session_key), "csrftoken": csrf}, {"X-CSRFToken": csrf}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, customer: Any) -> None:
    cookies, headers = customer_session(customer)
    generated = dict(case.cookies or {})
    secured = bool(case.operation.definition.raw.get("security"))
    if secured and "sessionid" not in generated:
        cookies.pop("sessionid")  # a negative case left the sign-in out on purpose
    case.cookies = {**generated, **cookies}
    key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
    if key is not None and _valid_key(key):
        # A fresh key per call (a generated one would repeat across examples and make
        # replays); a missing or invalid one is left as generated: the server must refuse it.
        headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if _positive_get(case, "/api/session"):
        assert response.status_code == 200  # the run is signed in
    if _positive_get(case, case.path) and case.path.startswith("/api/cases/current/"):
        assert response.status_code != 404 or response.json()["code"] != "NO_ACTIVE_CASE"


def _positive_get(case: Any, path: str) -> bool:
    mode = getattr(getattr(case.meta, "generation", None), "mode", None)
    return (
        case.path == path
        and case.method.upper() == "GET"
        and str(mode) != "negative"
        and (getattr(mode, "value", "positive") == "positive")
    )


def _valid_key(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MAX_KEY


staff_schema = schema.include(tag="staff")


@pytest.fixture
def staff_token(customer: Any) -> str:
    """A 审批员's bearer token (the staff API's own sign-in), with Alice's case submitted."""
    from idrenew.cases.domain.states import State
    from idrenew.cases.models import RenewalCase
    from idrenew.core.staff import staff_create
    from idrenew.review.models import CaseReview
    from idrenew.staffauth.models import StaffApiToken
    from idrenew.staffauth.tokens import PREFIX, _hash

    RenewalCase.objects.filter(customer=customer).update(state=State.SUBMITTED)
    for case in RenewalCase.objects.filter(customer=customer):
        CaseReview.objects.create(case=case, checks={"checks": [], "passed": False})
    user = staff_create(username="contract-approver", password="Contract-Pass-2026!", role="审批员")
    token = PREFIX + uuid.uuid4().hex
    from django.utils import timezone

    now = timezone.now()
    StaffApiToken.objects.create(
        token_hash=_hash(token), user=user, last_used_at=now, expires_at=now + timedelta(hours=1)
    )
    return token


@staff_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_staff_operation_answers_as_documented(case: Any, staff_token: str) -> None:
    """The staff API signed in with a token (the token request itself with random names:
    refused, documented; django-axes counts those against made-up user names only)."""
    headers = {"Authorization": f"Bearer {staff_token}"}
    case.cookies = {}  # the token signs in (a generated sessionid is no session)
    if case.path == "/api/staff/token" and case.method.upper() == "DELETE":
        headers = {}  # revoking the token would end the run's sign-in: checked unsigned
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if _positive_get(case, "/api/staff/me"):
        assert response.status_code == 200  # the run is signed in


# --- the schema itself ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def _operations(built: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, methods in built["paths"].items()
        for method, op in methods.items()
    ]


def test_every_operation_declares_the_errors_its_services_raise(built: dict[str, Any]) -> None:
    """A new operation must say which errors it raises: on the view with ``@errors(...)``
    or in ``core/api_errors.py`` (an empty tuple when it raises none of its own)."""
    views = {
        (op.operation_id or api.get_openapi_operation_id(op)): op.view_func
        for router in api._get_bound_routers()
        for path_view in router.path_operations.values()
        for op in path_view.operations
    }
    missing = [
        f"{method.upper()} {path} ({op['operationId']})"
        for path, method, op in _operations(built)
        if op["operationId"] not in OPERATION_ERRORS
        and not hasattr(views.get(op["operationId"]), ATTRIBUTE)
    ]
    assert not missing, f"operations without declared errors: {missing}"
    stale = set(OPERATION_ERRORS) - {op["operationId"] for _, _, op in _operations(built)}
    assert not stale, f"core/api_errors.py names operations that no longer exist: {stale}"


def test_idempotency_key_is_declared_exactly_where_the_middleware_wants_it(
    built: dict[str, Any],
) -> None:
    for path, method, op in _operations(built):
        header = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        unsafe = method in {"post", "put", "patch", "delete"}
        if unsafe and path.startswith(IDEMPOTENCY_REQUIRED):
            assert header and header[0]["required"] is True, (method, path)
            assert "IDEMPOTENCY_KEY_REQUIRED" in documented_codes(built, path, method)[400]
            assert "IDEMPOTENCY_KEY_CONFLICT" in documented_codes(built, path, method)[409]
        elif unsafe and path.startswith(IDEMPOTENCY_OPTIONAL):
            assert header and header[0]["required"] is False, (method, path)
        else:
            assert not header, (method, path)


def test_every_error_answer_has_the_one_shape_and_lists_its_codes(built: dict[str, Any]) -> None:
    assert set(built["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "code",
        "message",
        "retryable",
        "fields",
        "detail",
    }
    for path, method, op in _operations(built):
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
            assert response["x-error-codes"], (method, path, status)
            for code in response["x-error-codes"]:
                assert code in response["description"]


def test_customer_operations_document_sign_in_and_csrf(built: dict[str, Any]) -> None:
    codes = documented_codes(built, "/api/cases/current/face/consent", "post")
    assert {"NOT_SIGNED_IN", "SESSION_EXPIRED"} <= set(codes[401])
    assert "CSRF_FAILED" in codes[403]
    assert "VALIDATION_ERROR" in codes[422]
    assert "FACE_NOTICE_OUTDATED" in codes[409]
    upload = documented_codes(built, "/api/cases/current/idcard/{side}", "post")
    assert "IMAGE_TOO_LARGE" in upload[413]
    clip = documented_codes(built, "/api/cases/current/face/clip", "post")
    assert "FACE_CLIP_TOO_LARGE" in clip[413]
    sms = documented_codes(built, "/api/auth/sms/send", "post")
    assert {"SMS_COOLDOWN", "RATE_LIMITED"} <= set(sms[429])
    assert 401 not in documented_codes(built, "/api/meta", "get")
