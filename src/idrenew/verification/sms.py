"""SMS gateways behind one interface.

- ``ConsoleSmsBackend`` (embedded default): writes the message to the server log/console,
  so a tester running ``make demo`` reads the code there.
- ``LocmemSmsBackend`` (tests): keeps messages in ``outbox``.
- Vendors (``sms_tencent.TencentSmsBackend``, ``sms_aliyun.AliyunSmsBackend``, the in-house
  ``sms_http.HttpSmsBackend``; see ``sms_templates`` for the templates per purpose): set
  ``IDRENEW_SMS_BACKEND=idrenew.verification.sms_tencent.TencentSmsBackend`` and their
  settings. Another vendor: subclass ``SmsBackend``, implement ``send`` (raise
  ``SmsSendError`` on failure, saying whether a retry can help; never log the text or the
  number).
  ``check_config()`` is run by ``idrenew check --deploy`` and when the web server starts
  in production. A backend that does not deliver real messages says so with
  ``production_ready = False``; production refuses to start with it.
"""

from __future__ import annotations

import abc
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from idrenew.lib.masking import mask_mobile

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    """A message the gateway did not take. ``code``: the vendor's error code (or ours);
    ``retryable``: a later attempt may succeed (throttling, outage, timeout), so the outbox
    tries again; otherwise it will not (wrong template, refused key, a number the vendor
    refuses) and the event goes straight to the dead letters. ``recipient``: the customer's
    number itself cannot receive it (the sign-in page says so)."""

    def __init__(
        self, message: str = "", *, code: str = "", retryable: bool = True, recipient: bool = False
    ) -> None:
        super().__init__(message or code or "SMS not sent")
        self.code = code
        self.retryable = retryable and not recipient
        self.recipient = recipient


# What each SMS is for; a vendor adapter sends the purpose's template with ``params``
# (see ``sms_templates.PURPOSE_PARAMS``); the console and locmem backends use ``text``.
SIGNIN_CODE = "signin_code"
CASE_ACCEPTED = "case_accepted"
CASE_APPROVED = "case_approved"
CASE_RETURNED = "case_returned"
CASE_REJECTED = "case_rejected"
EXPIRY_REMINDER = "expiry_reminder"


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str
    purpose: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingReceipt:
    """A sent message whose delivery receipt is not in yet."""

    vendor_message_id: str
    mobile: str
    sent_at: datetime


@dataclass(frozen=True)
class SmsReceipt:
    """The vendor's delivery receipt (状态报告) of one message."""

    vendor_message_id: str
    delivered: bool
    code: str = ""  # the operator's or vendor's status code, e.g. DELIVRD / DELIVERED
    at: datetime | None = None


class SmsBackend(abc.ABC):
    name: ClassVar[str] = "abstract"
    # False: for demos and tests only (the code would not reach the customer, or would end
    # up in a log); IDRENEW_ENV=production refuses to start with such a backend.
    production_ready: ClassVar[bool] = True

    @abc.abstractmethod
    def send(self, message: SmsMessage) -> str | None:
        """Send one message; returns the vendor's id of it (for the receipt), if any."""

    def check_config(self) -> list[str]:
        """Problems with this backend's configuration (empty when ready)."""
        return []

    def probe(self) -> list[str]:
        """The vendor's cheapest read-only call (``idrenew vendors check``): problems found,
        empty when the keys, the endpoint and the templates work."""
        return self.check_config()

    def receipts(self, pending: Sequence[PendingReceipt]) -> list[SmsReceipt]:
        """Delivery receipts the vendor has for these messages (none: not offered)."""
        return []


class ConsoleSmsBackend(SmsBackend):
    name = "console"
    production_ready = False  # prints every sign-in code to the log

    def send(self, message: SmsMessage) -> str | None:
        sys.stdout.write(f"[短信 SMS → {mask_mobile(message.mobile)}] {message.text}\n")
        sys.stdout.flush()
        return None

    def check_config(self) -> list[str]:
        if settings.PRODUCTION:
            return ["ConsoleSmsBackend does not deliver messages; configure a vendor backend"]
        return []


class LocmemSmsBackend(SmsBackend):
    name = "locmem"
    production_ready = False
    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> str | None:
        self.outbox.append(message)
        return None


def sms_backend() -> SmsBackend:
    cls = import_string(settings.IDRENEW_SMS_BACKEND)
    backend = cls()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"{settings.IDRENEW_SMS_BACKEND} is not an SmsBackend")
    return backend
