"""SMS gateways behind one interface.

- ``ConsoleSmsBackend`` (embedded default): writes the message to the server log/console,
  so a tester running ``make demo`` reads the code there.
- ``LocmemSmsBackend`` (tests): keeps messages in ``outbox``.
- A vendor: subclass ``SmsBackend``, implement ``send`` (raise ``SmsSendError`` on failure;
  never log the text), put its settings in the environment, and set
  ``IDRENEW_SMS_BACKEND=idrenew.integrations.<vendor>.sms.VendorSmsBackend``.
  ``check_config()`` is run by ``idrenew check --deploy`` and when the web server starts
  in production. A backend that does not deliver real messages says so with
  ``production_ready = False``; production refuses to start with it.
"""

from __future__ import annotations

import abc
import logging
import sys
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from idrenew.lib.masking import mask_mobile

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    pass


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str


class SmsBackend(abc.ABC):
    name: ClassVar[str] = "abstract"
    # False: for demos and tests only (the code would not reach the customer, or would end
    # up in a log); IDRENEW_ENV=production refuses to start with such a backend.
    production_ready: ClassVar[bool] = True

    @abc.abstractmethod
    def send(self, message: SmsMessage) -> None: ...

    def check_config(self) -> list[str]:
        """Problems with this backend's configuration (empty when ready)."""
        return []


class ConsoleSmsBackend(SmsBackend):
    name = "console"
    production_ready = False  # prints every sign-in code to the log

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[短信 SMS → {mask_mobile(message.mobile)}] {message.text}\n")
        sys.stdout.flush()

    def check_config(self) -> list[str]:
        if settings.PRODUCTION:
            return ["ConsoleSmsBackend does not deliver messages; configure a vendor backend"]
        return []


class LocmemSmsBackend(SmsBackend):
    name = "locmem"
    production_ready = False
    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def sms_backend() -> SmsBackend:
    cls = import_string(settings.IDRENEW_SMS_BACKEND)
    backend = cls()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"{settings.IDRENEW_SMS_BACKEND} is not an SmsBackend")
    return backend
