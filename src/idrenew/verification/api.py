"""Step 2 endpoints: SMS code and trading-password sign-in, captcha, session."""

from __future__ import annotations

import time
from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from idrenew.cases.api import CaseOut, case_out
from idrenew.cases.errors import CaseExpired, NoActiveCase
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_current
from idrenew.core.auth import CustomerAuth, request_customer, require_csrf
from idrenew.core.schemas import ErrorOut, StrictIn
from idrenew.customers.models import Customer
from idrenew.lib.masking import mask_name
from idrenew.verification import services
from idrenew.verification.devices import device_cookie_set
from idrenew.verification.sessions import session_close, session_open

router = Router(tags=["账户验证"])

# ASCII digits only: "\d" would also take full-width or other Unicode digits, another
# spelling of the same account with counters of its own (#10).
Account = Field(..., min_length=4, max_length=20, pattern=r"^[0-9]+$")
Errors = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 423: ErrorOut, 429: ErrorOut}


class SmsSendIn(StrictIn):
    fund_account: str = Account
    mobile_last4: str = Field(..., min_length=4, max_length=4, pattern=r"^[0-9]{4}$")


class SmsSendOut(Schema):
    sent: bool
    resend_after: int
    expires_in: int


class SmsVerifyIn(SmsSendIn):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^[0-9]{6}$")
    client: Literal["h5", "app"] = "h5"


class CaptchaOut(Schema):
    captcha_id: str
    image: str
    expires_in: int


class PasswordIn(StrictIn):
    trading_account: str = Account
    password: str = Field(..., min_length=1, max_length=64)
    captcha_id: str = Field(..., min_length=1, max_length=64)
    captcha_code: str = Field(..., min_length=1, max_length=10)
    client: Literal["h5", "app"] = "h5"


class CustomerOut(Schema):
    name_masked: str
    fund_account: str
    trading_account: str
    id_number_masked: str
    id_valid_from: str
    id_valid_to: str | None
    id_long_term: bool


class SessionOut(Schema):
    customer: CustomerOut
    case: CaseOut | None
    token: str | None
    idle_timeout: int


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        name_masked=mask_name(customer.name),
        fund_account=customer.fund_account,
        trading_account=customer.trading_account,
        id_number_masked=customer.id_number_masked,
        id_valid_from=customer.id_valid_from.isoformat(),
        id_valid_to=customer.id_valid_to.isoformat() if customer.id_valid_to else None,
        id_long_term=customer.id_long_term,
    )


def session_out(customer: Customer, token: str | None) -> SessionOut:
    try:
        case: RenewalCase | None = case_current(customer=customer)
    except (NoActiveCase, CaseExpired):
        case = None
    return SessionOut(
        customer=customer_out(customer),
        case=case_out(case) if case is not None else None,
        token=token,
        idle_timeout=settings.IDRENEW_CUSTOMER_IDLE_TIMEOUT,
    )


def _browser_csrf(request: HttpRequest, client: str) -> None:
    # App clients get a token and no cookie, so a forged cross-site sign-in gains nothing;
    # browser sign-ins set the session cookie and must carry the CSRF token.
    if client != "app":
        require_csrf(request)


@router.post("/sms/send", response={200: SmsSendOut, **Errors}, summary="获取短信验证码")
def sms_send(request: HttpRequest, response: HttpResponse, payload: SmsSendIn) -> SmsSendOut:
    started = time.monotonic()
    try:
        services.sms_send(
            fund_account=payload.fund_account, mobile_last4=payload.mobile_last4, request=request
        )
    finally:
        # The same floor for every answer, so timing says nothing about the account.
        floor = settings.IDRENEW_SMS_RESPONSE_FLOOR_MS / 1000
        remaining = floor - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
    device_cookie_set(request, response)
    return SmsSendOut(
        sent=True,
        resend_after=settings.IDRENEW_SMS_RESEND_COOLDOWN,
        expires_in=settings.IDRENEW_SMS_CODE_TTL,
    )


@router.post("/sms/verify", response={200: SessionOut, **Errors}, summary="验证码登录")
def sms_verify(request: HttpRequest, response: HttpResponse, payload: SmsVerifyIn) -> SessionOut:
    _browser_csrf(request, payload.client)
    customer = services.sms_verify(
        fund_account=payload.fund_account,
        mobile_last4=payload.mobile_last4,
        code=payload.code,
        request=request,
    )
    device_cookie_set(request, response)
    return session_out(customer, session_open(request, customer, client=payload.client))


@router.get(
    "/captcha",
    response={200: CaptchaOut, 429: ErrorOut},
    summary="获取图形验证码（每次调用生成新图片，仅限本浏览器使用一次）",
)
def captcha(request: HttpRequest, response: HttpResponse) -> CaptchaOut:
    record, png = services.captcha_issue(request=request)
    from idrenew.verification.captcha import data_url

    device_cookie_set(request, response)  # the captcha counts only from this browser
    return CaptchaOut(
        captcha_id=str(record.id), image=data_url(png), expires_in=settings.IDRENEW_CAPTCHA_TTL
    )


@router.post("/password", response={200: SessionOut, **Errors}, summary="交易密码登录")
def password(request: HttpRequest, payload: PasswordIn) -> SessionOut:
    _browser_csrf(request, payload.client)
    customer = services.password_signin(
        trading_account=payload.trading_account,
        password=payload.password,
        captcha_id=payload.captcha_id,
        captcha_code=payload.captcha_code,
        request=request,
    )
    return session_out(customer, session_open(request, customer, client=payload.client))


@router.post("/logout", response={204: None, 401: ErrorOut}, auth=CustomerAuth(), summary="退出")
def logout(request: HttpRequest) -> HttpResponse:
    session_close(request)
    return HttpResponse(status=204)


session_router = Router(tags=["账户验证"])


@session_router.get(
    "/session", response={200: SessionOut, 401: ErrorOut}, auth=CustomerAuth(), summary="当前会话"
)
def session(request: HttpRequest) -> SessionOut:
    return session_out(request_customer(request), None)
