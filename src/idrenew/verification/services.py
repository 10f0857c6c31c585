"""Step 2: sign-in by SMS code or by trading password.

Both paths answer a wrong account exactly like a wrong secret, keep counting failures for
accounts that do not exist, and check the account's status only after the secret is proven.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.core.errors import RateLimited, ServiceClosed
from idrenew.core.ratelimit import hit
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.customers.gateway import counter_gateway
from idrenew.customers.models import Customer
from idrenew.lib.crypto import constant_time_equals, lookup_hash
from idrenew.lib.masking import mask_mobile
from idrenew.lib.net import client_ip
from idrenew.tradingcalendar.selectors import next_open, service_open
from idrenew.verification import captcha as captcha_images
from idrenew.verification.errors import (
    AccountRestricted,
    CaptchaExpired,
    CaptchaInvalid,
    CredentialsInvalid,
    SignInLocked,
    SmsCodeExhausted,
    SmsCodeExpired,
    SmsCodeInvalid,
    SmsCooldown,
    SmsDailyLimit,
)
from idrenew.verification.models import (
    Captcha,
    OutboundSms,
    SignInLock,
    SignInPath,
    SmsChallenge,
)
from idrenew.verification.sms import SmsMessage, SmsSendError, sms_backend

DAY = 86400
SHANGHAI_OFFSET = 8 * 3600


def _now() -> datetime:
    return timezone.now()


def require_business_hours(now: datetime | None = None) -> None:
    if service_open(now):
        return
    opening = next_open(now)
    when = timezone.localtime(opening).strftime("%Y-%m-%d %H:%M") if opening else None
    message = ServiceClosed.default_message
    if when:
        message = f"当前不在业务办理时间（交易日 8:30-15:30），下次可办理时间：{when}"
    raise ServiceClosed(message, detail={"next_open": opening.isoformat() if opening else None})


def _limit_ip(request: HttpRequest, scope: str) -> None:
    result = hit(
        f"signin:{scope}:ip:{client_ip(request)}",
        limit=settings.IDRENEW_SIGNIN_PER_IP_PER_HOUR,
        window_seconds=3600,
    )
    if not result.allowed:
        raise RateLimited(detail={"retry_after": result.retry_after})


def _daily(key: str, limit: int) -> bool:
    """Count one event for today (Shanghai calendar day); False once over ``limit``."""
    import time

    return hit(key, limit=limit, window_seconds=DAY, now=time.time() + SHANGHAI_OFFSET).allowed


def _account_hash(path: str, account: str) -> str:
    return lookup_hash(account, purpose=f"signin:{path}")


def _mask_account(account: str) -> str:
    return account[:2] + "*" * max(0, len(account) - 4) + account[-2:] if len(account) > 4 else "*"


# --- SMS path ------------------------------------------------------------------------------


def _code_hash(challenge_id: str, code: str) -> str:
    return lookup_hash(f"{challenge_id}:{code}", purpose="sms_code")


def sms_send(*, fund_account: str, mobile_last4: str, request: HttpRequest) -> SmsChallenge:
    """Issue a code; sends it only when the account and last-4 match, answers alike either way."""
    require_business_hours()
    _limit_ip(request, "sms_send")
    account_hash = _account_hash("sms", fund_account)
    cooldown_key = f"sms:cooldown:{account_hash}"
    if not cache.add(cooldown_key, 1, timeout=settings.IDRENEW_SMS_RESEND_COOLDOWN):
        last = SmsChallenge.objects.filter(account_hash=account_hash).first()
        wait = settings.IDRENEW_SMS_RESEND_COOLDOWN
        if last is not None:
            elapsed = (_now() - last.created_at).total_seconds()
            wait = max(1, int(settings.IDRENEW_SMS_RESEND_COOLDOWN - elapsed))
        raise SmsCooldown(f"验证码已发送，请{wait}秒后再重新获取", detail={"retry_after": wait})
    if not _daily(f"sms:day:ip:{client_ip(request)}", settings.IDRENEW_SMS_DAILY_PER_IP) or (
        not _daily(f"sms:day:acct:{account_hash}", settings.IDRENEW_SMS_DAILY_PER_ACCOUNT)
    ):
        raise SmsDailyLimit()

    customer = counter_gateway().find_by_fund_account(fund_account)
    matches = customer is not None and constant_time_equals(
        customer.mobile[-4:] if customer.mobile else "", mobile_last4
    )
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = SmsChallenge(
        account_hash=account_hash,
        last4_hash=lookup_hash(mobile_last4, purpose="sms_last4"),
        customer=customer if matches else None,
        expires_at=_now() + timedelta(seconds=settings.IDRENEW_SMS_CODE_TTL),
        ip=client_ip(request),
    )
    challenge.code_hash = _code_hash(str(challenge.id), code)
    challenge.save()
    if matches and customer is not None:
        minutes = settings.IDRENEW_SMS_CODE_TTL // 60
        text = f"【期货证件更新】您的验证码为{code}，{minutes}分钟内有效。请勿将验证码告知他人。"
        sms_deliver(
            customer=customer,
            purpose="signin_code",
            text=text,
            redacted=text.replace(code, "******"),
            idempotency_key=f"signin:{challenge.id}",
        )
    audit_record(
        action="signin.sms.requested",
        actor_type=ActorType.ANONYMOUS,
        customer_id=customer.pk if matches and customer is not None else None,
        request=request,
        data={"account": _mask_account(fund_account), "matched": matches},
    )
    return challenge


def sms_deliver(
    *, customer: Customer, purpose: str, text: str, redacted: str, idempotency_key: str
) -> OutboundSms:
    """Send one SMS through the configured gateway, at most once per idempotency key."""
    existing = OutboundSms.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    backend = sms_backend()
    record = OutboundSms(
        customer=customer,
        mobile_masked=mask_mobile(customer.mobile),
        purpose=purpose,
        text_redacted=redacted[:500],
        backend=backend.name,
        idempotency_key=idempotency_key,
    )
    try:
        backend.send(SmsMessage(mobile=customer.mobile, text=text))
    except SmsSendError as exc:
        record.status = OutboundSms.Status.FAILED
        record.error = str(exc)[:300]
    else:
        record.status = OutboundSms.Status.SENT
    record.save()
    return record


def sms_verify(
    *, fund_account: str, mobile_last4: str, code: str, request: HttpRequest
) -> Customer:
    require_business_hours()
    _limit_ip(request, "sms_verify")
    account_hash = _account_hash("sms", fund_account)
    _check_lock(SignInPath.SMS, account_hash)
    now = _now()
    challenge = (
        SmsChallenge.objects.filter(account_hash=account_hash, consumed_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if challenge is None or challenge.expires_at <= now:
        raise SmsCodeExpired()
    if challenge.attempts >= settings.IDRENEW_SMS_MAX_ATTEMPTS:
        raise SmsCodeExhausted()
    right = constant_time_equals(challenge.code_hash, _code_hash(str(challenge.id), code)) and (
        constant_time_equals(challenge.last4_hash, lookup_hash(mobile_last4, purpose="sms_last4"))
    )
    if not right or challenge.customer_id is None:
        SmsChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        challenge.refresh_from_db(fields=["attempts"])
        _record_failure(
            SignInPath.SMS,
            account_hash,
            fund_account,
            challenge.customer,
            request,
            max_failures=settings.IDRENEW_SMS_MAX_ATTEMPTS * 2,
        )
        left = settings.IDRENEW_SMS_MAX_ATTEMPTS - challenge.attempts
        if left <= 0:
            raise SmsCodeExhausted()
        raise SmsCodeInvalid(
            f"验证码或账户信息不正确，还可尝试{left}次", detail={"attempts_left": left}
        )
    consumed = SmsChallenge.objects.filter(pk=challenge.pk, consumed_at__isnull=True).update(
        consumed_at=now
    )
    if not consumed:  # a concurrent request used it first
        raise SmsCodeExpired()
    customer = challenge.customer
    assert customer is not None
    return _succeed(SignInPath.SMS, account_hash, customer, request)


# --- trading password path ------------------------------------------------------------------


def captcha_issue() -> tuple[Captcha, bytes]:
    answer = captcha_images.new_answer()
    captcha = Captcha.objects.create(
        answer_hash=lookup_hash(answer.upper(), purpose="captcha"),
        expires_at=_now() + timedelta(seconds=settings.IDRENEW_CAPTCHA_TTL),
    )
    return captcha, captcha_images.render_png(answer)


def _captcha_consume(captcha_id: str, answer: str) -> None:
    """Single use: the captcha is spent by any attempt, right or wrong."""
    now = _now()
    try:
        uuid.UUID(captcha_id)
    except ValueError:
        raise CaptchaInvalid("图形验证码已失效，请点击图片刷新后重新输入") from None
    used = Captcha.objects.filter(pk=captcha_id, used_at__isnull=True).update(used_at=now)
    if not used:
        raise CaptchaInvalid("图形验证码已失效，请点击图片刷新后重新输入")
    captcha = Captcha.objects.get(pk=captcha_id)
    if captcha.expires_at <= now:
        raise CaptchaExpired()
    if not constant_time_equals(
        captcha.answer_hash, lookup_hash(answer.strip().upper(), purpose="captcha")
    ):
        raise CaptchaInvalid()


def password_signin(
    *,
    trading_account: str,
    password: str,
    captcha_id: str,
    captcha_code: str,
    request: HttpRequest,
) -> Customer:
    require_business_hours()
    _limit_ip(request, "password")
    _captcha_consume(captcha_id, captcha_code)
    account_hash = _account_hash("password", trading_account)
    _check_lock(SignInPath.PASSWORD, account_hash)
    gateway = counter_gateway()
    customer = gateway.find_by_trading_account(trading_account)
    if not gateway.verify_trading_password(customer, password):
        failures = _record_failure(
            SignInPath.PASSWORD,
            account_hash,
            trading_account,
            customer,
            request,
            max_failures=settings.IDRENEW_PASSWORD_MAX_FAILURES,
        )
        left = settings.IDRENEW_PASSWORD_MAX_FAILURES - failures
        raise CredentialsInvalid(
            f"交易账号或交易密码不正确，还可尝试{left}次", detail={"attempts_left": left}
        )
    assert customer is not None
    return _succeed(SignInPath.PASSWORD, account_hash, customer, request)


# --- shared: locks, success ---------------------------------------------------------------


def _check_lock(path: str, account_hash: str) -> None:
    lock = SignInLock.objects.filter(path=path, account_hash=account_hash).first()
    if lock and lock.locked_until and lock.locked_until > _now():
        until = timezone.localtime(lock.locked_until)
        raise SignInLocked(
            f"连续验证失败次数过多，该登录方式已锁定至{until:%H:%M}，请稍后再试或改用其他方式登录",
            detail={"locked_until": lock.locked_until.isoformat()},
        )


def _record_failure(
    path: str,
    account_hash: str,
    account: str,
    customer: Customer | None,
    request: HttpRequest,
    *,
    max_failures: int,
) -> int:
    """Count a consecutive failure; lock the path when the limit is reached."""
    now = _now()
    with transaction.atomic():
        lock, _ = SignInLock.objects.select_for_update().get_or_create(
            path=path,
            account_hash=account_hash,
            defaults={"account_masked": _mask_account(account), "customer": customer},
        )
        if lock.locked_until and lock.locked_until <= now:
            lock.failures = 0  # an earlier lock has run out: start counting afresh
            lock.locked_until = None
        lock.failures += 1
        lock.last_failure_at = now
        locked = lock.failures >= max_failures
        if locked:
            lock.locked_until = now + timedelta(minutes=settings.IDRENEW_PASSWORD_LOCK_MINUTES)
        lock.save()
    audit_record(
        action=f"signin.{path}.failed",
        actor_type=ActorType.ANONYMOUS,
        customer_id=customer.pk if customer else None,
        request=request,
        data={"account": _mask_account(account), "failures": lock.failures, "locked": locked},
    )
    if locked:
        _check_lock(path, account_hash)
    return lock.failures


def _succeed(path: str, account_hash: str, customer: Customer, request: HttpRequest) -> Customer:
    SignInLock.objects.filter(path=path, account_hash=account_hash).update(
        failures=0, locked_until=None
    )
    if customer.status not in RENEWAL_ALLOWED:
        audit_record(
            action=f"signin.{path}.refused_status",
            actor_type=ActorType.CUSTOMER,
            actor_id=str(customer.pk),
            customer_id=customer.pk,
            request=request,
            data={"status": customer.status},
        )
        raise AccountRestricted(
            f"您的账户当前状态为“{customer.get_status_display()}”，暂不支持线上办理，"
            "请携带身份证到营业部办理或联系客服"
        )
    audit_record(
        action=f"signin.{path}.succeeded",
        actor_type=ActorType.CUSTOMER,
        actor_id=str(customer.pk),
        customer_id=customer.pk,
        request=request,
    )
    return customer


def signin_lock_lift(
    *, lock: SignInLock, staff_id: int | None, request: HttpRequest | None
) -> None:
    SignInLock.objects.filter(pk=lock.pk).update(failures=0, locked_until=None)
    audit_record(
        action="signin.lock_lifted",
        actor_type=ActorType.STAFF,
        actor_id=str(staff_id),
        customer_id=lock.customer_id,
        request=request,
        data={"path": lock.path, "account": lock.account_masked},
    )
