"""Step 2: sign-in by SMS code or by trading password.

Both paths answer a wrong account exactly like a wrong secret, keep counting failures for
accounts that do not exist, and check the account's status only after the secret is proven.

Failed sign-ins (#10): fund and trading accounts are sequential, so anybody can name one. A
stranger's failures must not lock the real customer out, and a brute force must still stop:

* **Per source.** Failures are counted per (account, IP address) and per (account, device
  cookie) (``SignInSource``). The first ``FREE`` failures of a source cost nothing (SMS: 5, a
  whole code's tries); each further one makes that source wait 2, 4, 8, 16 … s before the
  next try (429 ``SIGNIN_SLOW_DOWN`` with ``retry_after``); at ``SOURCE_MAX`` (SMS 10,
  password 5) that source is locked out of that account for ``IDRENEW_PASSWORD_LOCK_MINUTES``
  (423 ``LOGIN_LOCKED``). A customer on another network or phone is not affected.
* **Per account, a ceiling.** Only ``ACCOUNT_CEILING`` consecutive failures from all sources
  together (SMS 100, password 50) lock the path for everyone (``SignInLock``), so a brute
  force spread over many addresses still stops. The trade-off: a low ceiling turns a small
  botnet into a denial of service for one customer, a high one gives a distributed guesser
  more tries. 100 SMS tries can only be spent against codes actually sent to the customer's
  phone (10 a day, 5 tries each), and 50 password tries each need a solved captcha, so the
  ceilings sit far above anything a person produces and far below a useful guessing budget.
* A success resets the account's count and the succeeding sources'. Staff can lift a lock
  (admin), which clears every source of that account too.
* **SMS sends.** A send whose last 4 digits do not match leaves a look-alike challenge under
  those 4 digits only: it never replaces the customer's code (verification looks up the
  challenge of the account *and* last 4 digits given), its resend cooldown is its own, and it
  is counted per IP and per (account, IP), never against the account's daily cap, which
  counts only SMS that went out. While the account is locked, for this source or for all, no
  SMS is sent.

Every one of these answers is the same whether the account exists or not: counters and locks
are kept for unknown accounts alike.
"""

from __future__ import annotations

import math
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.core.errors import RateLimited, ServiceClosed, ValidationFailed
from idrenew.core.ratelimit import hit
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.customers.gateway import counter_gateway
from idrenew.customers.models import Customer
from idrenew.lib.crypto import constant_time_equals, lookup_hash
from idrenew.lib.masking import mask_mobile
from idrenew.lib.net import client_ip
from idrenew.tradingcalendar.selectors import next_open, service_open
from idrenew.verification import captcha as captcha_images
from idrenew.verification.devices import device_ensure, device_get, device_hash
from idrenew.verification.errors import (
    AccountRestricted,
    CaptchaExpired,
    CaptchaInvalid,
    CaptchaRateLimited,
    CredentialsInvalid,
    SignInLocked,
    SignInSlowDown,
    SmsCodeExhausted,
    SmsCodeExpired,
    SmsCodeInvalid,
    SmsCooldown,
    SmsDailyLimit,
    SmsSendFailed,
    SmsUndeliverable,
)
from idrenew.verification.models import (
    Captcha,
    OutboundSms,
    SignInLock,
    SignInPath,
    SignInSource,
    SmsChallenge,
)
from idrenew.verification.sms import SIGNIN_CODE, SmsMessage, SmsSendError, sms_backend

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
    return hit(key, limit=limit, window_seconds=DAY, now=time.time() + SHANGHAI_OFFSET).allowed


def _require_ascii_digits(**fields: str) -> None:
    """Accounts and codes are ASCII digits only: full-width or other Unicode digits would be
    another spelling of the same account, with counters and locks of its own."""
    bad = {name: "只能填写数字 0-9" for name, value in fields.items() if not _ascii_digits(value)}
    if bad:
        raise ValidationFailed(fields=bad)


def _ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _account_hash(path: str, account: str) -> str:
    return lookup_hash(account, purpose=f"signin:{path}")


def _mask_account(account: str) -> str:
    return account[:2] + "*" * max(0, len(account) - 4) + account[-2:] if len(account) > 4 else "*"


# --- SMS path ------------------------------------------------------------------------------


def _code_hash(challenge_id: str, code: str) -> str:
    return lookup_hash(f"{challenge_id}:{code}", purpose="sms_code")


def _last4_hash(mobile_last4: str) -> str:
    return lookup_hash(mobile_last4, purpose="sms_last4")


def _cooldown_key(account_hash: str, last4_hash: str) -> str:
    """Per account *and* last 4 digits: a stranger's send with wrong digits does not hold
    back the customer's."""
    return f"sms:cooldown:{account_hash}:{last4_hash[:16]}"


def sms_send(*, fund_account: str, mobile_last4: str, request: HttpRequest) -> SmsChallenge:
    """Issue a code; sends it only when the account and last-4 match, answers alike either way.

    A mismatch leaves a challenge under the digits given (the same trace as a real one) and
    never touches the customer's challenge, cooldown or daily cap; see the module docstring.
    """
    require_business_hours()
    _require_ascii_digits(fund_account=fund_account, mobile_last4=mobile_last4)
    _limit_ip(request, "sms_send")
    account_hash = _account_hash("sms", fund_account)
    last4_hash = _last4_hash(mobile_last4)
    _gate(SignInPath.SMS, account_hash, request, slow_down=False)  # locked: no SMS
    device_ensure(request)
    cooldown_key = _cooldown_key(account_hash, last4_hash)
    if not cache.add(cooldown_key, 1, timeout=settings.IDRENEW_SMS_RESEND_COOLDOWN):
        last = SmsChallenge.objects.filter(account_hash=account_hash, last4_hash=last4_hash).first()
        wait = settings.IDRENEW_SMS_RESEND_COOLDOWN
        if last is not None:
            elapsed = (_now() - last.created_at).total_seconds()
            wait = max(1, int(settings.IDRENEW_SMS_RESEND_COOLDOWN - elapsed))
        raise SmsCooldown(f"验证码已发送，请{wait}秒后再重新获取", detail={"retry_after": wait})
    ip = client_ip(request)
    if not _daily(f"sms:day:ip:{ip}", settings.IDRENEW_SMS_DAILY_PER_IP) or not _daily(
        f"sms:day:acctip:{account_hash}:{ip}", settings.IDRENEW_SMS_DAILY_PER_ACCOUNT_IP
    ):
        raise SmsDailyLimit()

    customer = counter_gateway().find_by_fund_account(fund_account)
    matches = customer is not None and constant_time_equals(
        customer.mobile[-4:] if customer.mobile else "", mobile_last4
    )
    # The account's own cap counts only SMS that go out, so strangers cannot use it up. (Once
    # the customer's own sends used it up, the right digits are refused and wrong ones are
    # not: that tells only someone who already has the right digits.)
    if matches and not _daily(
        f"sms:day:acct:{account_hash}", settings.IDRENEW_SMS_DAILY_PER_ACCOUNT
    ):
        raise SmsDailyLimit()
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = SmsChallenge(
        account_hash=account_hash,
        last4_hash=last4_hash,
        customer=customer if matches else None,
        expires_at=_now() + timedelta(seconds=settings.IDRENEW_SMS_CODE_TTL),
        ip=ip,
    )
    challenge.code_hash = _code_hash(str(challenge.id), code)
    challenge.save()
    if matches and customer is not None:
        minutes = settings.IDRENEW_SMS_CODE_TTL // 60
        text = f"【期货证件更新】您的验证码为{code}，{minutes}分钟内有效。请勿将验证码告知他人。"
        record, error = _sms_deliver(
            customer=customer,
            purpose=SIGNIN_CODE,
            text=text,
            redacted=text.replace(code, "******"),
            idempotency_key=f"signin:{challenge.id}",
            params={"code": code, "minutes": str(minutes)},
        )
        if error is not None:
            # The code never left: it cannot be used, and the customer may ask again at once.
            SmsChallenge.objects.filter(pk=challenge.pk).update(consumed_at=_now())
            cache.delete(cooldown_key)
            audit_record(
                action="signin.sms.failed",
                actor_type=ActorType.ANONYMOUS,
                customer_id=customer.pk,
                request=request,
                data={"account": _mask_account(fund_account), "vendor_code": record.vendor_code},
            )
            raise SmsUndeliverable() if error.recipient else SmsSendFailed()
    audit_record(
        action="signin.sms.requested",
        actor_type=ActorType.ANONYMOUS,
        customer_id=customer.pk if matches and customer is not None else None,
        request=request,
        data={"account": _mask_account(fund_account), "matched": matches},
    )
    return challenge


def sms_deliver(
    *,
    customer: Customer,
    purpose: str,
    text: str,
    redacted: str,
    idempotency_key: str,
    params: dict[str, str] | None = None,
) -> OutboundSms:
    """Send one SMS through the configured gateway, at most once per idempotency key.

    ``text`` is what the console shows; a vendor sends the purpose's template with
    ``params`` (``sms_templates``). A failure is recorded with the vendor's code and whether
    a retry can help (``retryable``)."""
    record, _error = _sms_deliver(
        customer=customer,
        purpose=purpose,
        text=text,
        redacted=redacted,
        idempotency_key=idempotency_key,
        params=params or {},
    )
    return record


def _sms_deliver(
    *,
    customer: Customer,
    purpose: str,
    text: str,
    redacted: str,
    idempotency_key: str,
    params: dict[str, str],
) -> tuple[OutboundSms, SmsSendError | None]:
    existing = OutboundSms.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, None
    backend = sms_backend()
    record = OutboundSms(
        customer=customer,
        mobile_masked=mask_mobile(customer.mobile),
        purpose=purpose,
        text_redacted=redacted[:500],
        backend=backend.name,
        idempotency_key=idempotency_key,
    )
    message = SmsMessage(mobile=customer.mobile, text=text, purpose=purpose, params=params)
    error: SmsSendError | None = None
    try:
        vendor_id = backend.send(message)
    except SmsSendError as exc:
        error = exc
        record.status = OutboundSms.Status.FAILED
        record.error = str(exc)[:300]
        record.vendor_code = exc.code[:80]
        record.retryable = exc.retryable
    else:
        record.status = OutboundSms.Status.SENT
        record.vendor_message_id = (vendor_id or "")[:100]
    record.save()
    return record, error


def _live_challenge_exists(account_hash: str, now: datetime) -> bool:
    return SmsChallenge.objects.filter(
        account_hash=account_hash, consumed_at__isnull=True, expires_at__gt=now
    ).exists()


def sms_verify(
    *, fund_account: str, mobile_last4: str, code: str, request: HttpRequest
) -> Customer:
    require_business_hours()
    _require_ascii_digits(fund_account=fund_account, mobile_last4=mobile_last4, code=code)
    _limit_ip(request, "sms_verify")
    account_hash = _account_hash("sms", fund_account)
    _gate(SignInPath.SMS, account_hash, request)
    now = _now()
    # The challenge of these digits: a send with other digits made its own and left this one.
    challenge = (
        SmsChallenge.objects.filter(
            account_hash=account_hash,
            last4_hash=_last4_hash(mobile_last4),
            consumed_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    if challenge is None and _live_challenge_exists(account_hash, now):
        # A code is out under other digits: wrong digits. It is counted for this source, but
        # the tries of that code are left alone (else anyone could spend the customer's).
        _record_failure(SignInPath.SMS, account_hash, fund_account, None, request)
        raise SmsCodeInvalid()
    if challenge is None or challenge.expires_at <= now:
        raise SmsCodeExpired()
    if challenge.attempts >= settings.IDRENEW_SMS_MAX_ATTEMPTS:
        raise SmsCodeExhausted()
    right = constant_time_equals(challenge.code_hash, _code_hash(str(challenge.id), code))
    if not right or challenge.customer_id is None:
        SmsChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        challenge.refresh_from_db(fields=["attempts"])
        _record_failure(SignInPath.SMS, account_hash, fund_account, challenge.customer, request)
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


def captcha_issue(*, request: HttpRequest) -> tuple[Captcha, bytes]:
    """A new captcha bound to the requesting browser's device cookie; limited per IP."""
    limit = hit(
        f"captcha:ip:{client_ip(request)}",
        limit=settings.IDRENEW_CAPTCHA_PER_IP_PER_MINUTE,
        window_seconds=60,
    )
    if not limit.allowed:
        raise CaptchaRateLimited(detail={"retry_after": limit.retry_after})
    answer = captcha_images.new_answer()
    captcha = Captcha.objects.create(
        answer_hash=lookup_hash(captcha_images.normalise(answer), purpose="captcha"),
        binding_hash=device_hash(device_ensure(request)),
        expires_at=_now() + timedelta(seconds=settings.IDRENEW_CAPTCHA_TTL),
    )
    return captcha, captcha_images.render_png(answer)


def _captcha_consume(captcha_id: str, answer: str, request: HttpRequest) -> None:
    """Single use: the captcha is spent by any attempt, right or wrong, and counts only from
    the browser that fetched it."""
    now = _now()
    try:
        uuid.UUID(captcha_id)
    except ValueError:
        raise CaptchaInvalid("图形验证码已失效，请点击图片刷新后重新输入") from None
    used = Captcha.objects.filter(pk=captcha_id, used_at__isnull=True).update(used_at=now)
    if not used:
        raise CaptchaInvalid("图形验证码已失效，请点击图片刷新后重新输入")
    captcha = Captcha.objects.get(pk=captcha_id)
    device = device_get(request)
    if device is None or not constant_time_equals(captcha.binding_hash, device_hash(device)):
        raise CaptchaInvalid("图形验证码已失效，请点击图片刷新后重新输入")
    if captcha.expires_at <= now:
        raise CaptchaExpired()
    if not constant_time_equals(
        captcha.answer_hash,
        lookup_hash(captcha_images.normalise(answer), purpose="captcha"),
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
    _require_ascii_digits(trading_account=trading_account)
    _captcha_consume(captcha_id, captcha_code, request)
    account_hash = _account_hash("password", trading_account)
    _gate(SignInPath.PASSWORD, account_hash, request)
    gateway = counter_gateway()
    customer = gateway.find_by_trading_account(trading_account)
    if not gateway.verify_trading_password(customer, password):
        failures = _record_failure(
            SignInPath.PASSWORD, account_hash, trading_account, customer, request
        )
        left = max(1, _policy(SignInPath.PASSWORD).source_max - failures)
        raise CredentialsInvalid(
            f"交易账号或交易密码不正确，还可尝试{left}次", detail={"attempts_left": left}
        )
    assert customer is not None
    return _succeed(SignInPath.PASSWORD, account_hash, customer, request)


# --- shared: failed sign-ins (see the module docstring), success ---------------------------


@dataclass(frozen=True)
class Policy:
    free: int  # failures of one source before it must wait
    source_max: int  # failures of one source before it is locked out of the account
    ceiling: int  # consecutive failures of all sources before the account locks for all


def _policy(path: str) -> Policy:
    if path == SignInPath.SMS:
        return Policy(
            free=settings.IDRENEW_SMS_FREE_FAILURES,
            source_max=settings.IDRENEW_SMS_SOURCE_MAX_FAILURES,
            ceiling=settings.IDRENEW_SMS_ACCOUNT_CEILING,
        )
    # every password try already costs a solved captcha: no waits, a source lock at 5
    return Policy(
        free=settings.IDRENEW_PASSWORD_MAX_FAILURES,
        source_max=settings.IDRENEW_PASSWORD_MAX_FAILURES,
        ceiling=settings.IDRENEW_PASSWORD_ACCOUNT_CEILING,
    )


def _sources(request: HttpRequest) -> list[tuple[str, str]]:
    """(kind, hash) of the request's IP address and, when it sent one, its device cookie."""
    sources = [(SignInSource.Kind.IP.value, lookup_hash(client_ip(request), purpose="signin_ip"))]
    device = device_get(request)
    if device is not None:
        sources.append((SignInSource.Kind.DEVICE.value, device_hash(device)))
    return sources


def _source_rows(path: str, account_hash: str, request: HttpRequest) -> list[SignInSource]:
    rows = []
    for kind, source_hash in _sources(request):
        row = SignInSource.objects.filter(
            path=path, account_hash=account_hash, kind=kind, source_hash=source_hash
        ).first()
        if row is not None:
            rows.append(row)
    return rows


def _delay(failures: int, free: int) -> int:
    """Seconds a source must wait after ``failures`` consecutive ones: 0, then 2, 4, 8 …"""
    return 0 if failures <= free else min(2 ** (failures - free), 3600)


def _locked_error(until: datetime, *, source: bool) -> SignInLocked:
    local = timezone.localtime(until)
    who = "本设备（或网络）" if source else "该登录方式"
    return SignInLocked(
        f"连续验证失败次数过多，{who}已锁定至{local:%H:%M}，请稍后再试或改用其他方式登录",
        detail={"locked_until": until.isoformat()},
    )


def _gate(path: str, account_hash: str, request: HttpRequest, *, slow_down: bool = True) -> None:
    """Refuse the try when the account is locked for all or for this source, or when this
    source must still wait."""
    now = _now()
    lock = SignInLock.objects.filter(path=path, account_hash=account_hash).first()
    if lock and lock.locked_until and lock.locked_until > now:
        raise _locked_error(lock.locked_until, source=False)
    policy = _policy(path)
    wait = 0.0
    for row in _source_rows(path, account_hash, request):
        if row.locked_until and row.locked_until > now:
            raise _locked_error(row.locked_until, source=True)
        if slow_down and row.last_failure_at and not row.locked_until:
            ready = row.last_failure_at + timedelta(seconds=_delay(row.failures, policy.free))
            wait = max(wait, (ready - now).total_seconds())
    if wait > 0:
        seconds = math.ceil(wait)
        raise SignInSlowDown(
            f"尝试过于频繁，为保障账户安全，请{seconds}秒后再试", detail={"retry_after": seconds}
        )


def _record_failure(
    path: str,
    account_hash: str,
    account: str,
    customer: Customer | None,
    request: HttpRequest,
) -> int:
    """Count a failure for the account and for each source of the request; lock a source at
    its maximum and the account at its ceiling. Returns the source's consecutive failures."""
    now = _now()
    policy = _policy(path)
    lock_until = now + timedelta(minutes=settings.IDRENEW_PASSWORD_LOCK_MINUTES)
    source_failures = 0
    source_locked: datetime | None = None
    with transaction.atomic():
        lock, _ = SignInLock.objects.select_for_update().get_or_create(
            path=path,
            account_hash=account_hash,
            defaults={"account_masked": _mask_account(account), "customer": customer},
        )
        if lock.locked_until and lock.locked_until <= now:
            lock.failures = 0  # an earlier lock has run out: start counting afresh
            lock.locked_until = None
        lock.failures = min(lock.failures + 1, 32767)
        lock.last_failure_at = now
        locked = lock.failures >= policy.ceiling
        if locked:
            lock.locked_until = lock_until
        lock.save()
        for kind, source_hash in _sources(request):
            row, _ = SignInSource.objects.select_for_update().get_or_create(
                path=path, account_hash=account_hash, kind=kind, source_hash=source_hash
            )
            if row.locked_until and row.locked_until <= now:
                row.failures = 0
                row.locked_until = None
            row.failures = min(row.failures + 1, 32767)
            row.last_failure_at = now
            if row.failures >= policy.source_max:
                row.locked_until = lock_until
                source_locked = lock_until
            row.save()
            source_failures = max(source_failures, row.failures)
    audit_record(
        action=f"signin.{path}.failed",
        actor_type=ActorType.ANONYMOUS,
        customer_id=customer.pk if customer else None,
        request=request,
        data={
            "account": _mask_account(account),
            "failures": lock.failures,
            "source_failures": source_failures,
            "locked": locked,
            "source_locked": source_locked is not None,
        },
    )
    if locked:
        raise _locked_error(lock_until, source=False)
    if source_locked is not None:
        raise _locked_error(source_locked, source=True)
    return source_failures


def _succeed(path: str, account_hash: str, customer: Customer, request: HttpRequest) -> Customer:
    SignInLock.objects.filter(path=path, account_hash=account_hash).update(
        failures=0, locked_until=None
    )
    for row in _source_rows(path, account_hash, request):
        row.delete()
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
    SignInSource.objects.filter(path=lock.path, account_hash=lock.account_hash).delete()
    audit_record(
        action="signin.lock_lifted",
        actor_type=ActorType.STAFF,
        actor_id=str(staff_id),
        customer_id=lock.customer_id,
        request=request,
        data={"path": lock.path, "account": lock.account_masked},
    )


def signin_sources_purge(*, now: datetime) -> int:
    """Delete source counters a day after their last failure, unless still locked."""
    old = SignInSource.objects.filter(last_failure_at__lt=now - timedelta(days=1))
    return old.exclude(locked_until__gt=now).delete()[0]
