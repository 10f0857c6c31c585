"""Test-only SMS backends for the production start-up tests (named by dotted path)."""

from __future__ import annotations

from idrenew.verification.sms import SmsBackend, SmsMessage


class FakeGatewaySmsBackend(SmsBackend):
    """Stands in for a vendor's gateway: ready for production, configured."""

    name = "fake-gateway"

    def send(self, message: SmsMessage) -> None:  # pragma: no cover - never sends here
        raise AssertionError("the start-up tests send nothing")


class NotForProductionSmsBackend(FakeGatewaySmsBackend):
    """A backend whose class says it does not deliver real messages."""

    name = "not-for-production"
    production_ready = False


class MisconfiguredSmsBackend(FakeGatewaySmsBackend):
    name = "misconfigured"

    def check_config(self) -> list[str]:
        return ["IDRENEW_FAKE_SMS_API_KEY is not set"]
