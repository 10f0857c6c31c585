"""An outside identity service: the public-security checks (公安人像比对 and 公民身份信息核验).

A vendor adapter implements :class:`IdentityVerifier` and is named in the setting
``IDRENEW_FACE_IDENTITY_VERIFIER``: ``tencent`` (Tencent Cloud FaceID,
``face/identity_tencent.py``), ``aliyun`` (Alibaba Cloud ID Verification,
``face/identity_aliyun.py``), a dotted path to another class, or empty / ``none`` for no
check (production refuses that unless ``IDRENEW_IDENTITY_CHECK_WAIVED=1`` with a reason).

Two questions are asked (``face/identity_services.py`` decides when):

* :meth:`IdentityVerifier.verify` — is the best frame of the passed liveness check the
  person of the police record for this name and ID number (after step 3);
* :meth:`IdentityVerifier.verify_record` — do the ID number and name (and, where the vendor
  offers it, the renewed card's validity) match the police record (step 6, before the
  record can change).

Each answer is an :class:`IdentityCheck` whose :class:`Outcome` the vendor's result codes map
to. An adapter never raises for a vendor's failure: a timeout, throttling or an outage is
``UNAVAILABLE`` (retried), a key or account problem ``CONFIG_ERROR`` (an administrator
must act; also retried, and shown). An adapter must not log the image, the name or the ID
number, must time out within ``IDRENEW_IDENTITY_TIMEOUT_SECONDS`` and never keeps or returns
the vendor's photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class Outcome(StrEnum):
    MATCH = "match"  # same person / number, name (and validity) match the record
    NOT_SAME_PERSON = "not_same_person"  # definite: the face is not the record's person
    RECORD_MISMATCH = "record_mismatch"  # definite: number and name do not match the record
    VALIDITY_MISMATCH = "validity_mismatch"  # number and name match, the validity does not
    INCONCLUSIVE = "inconclusive"  # the vendor could not judge (photo unusable): a person
    UNAVAILABLE = "unavailable"  # timeout, throttling, outage: retried
    CONFIG_ERROR = "config_error"  # keys, service not activated, arrears: an admin must act


# What the reviewer reads for each outcome.
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.MATCH: "一致",
    Outcome.NOT_SAME_PERSON: "非同一人",
    Outcome.RECORD_MISMATCH: "号码与姓名与公安记录不一致",
    Outcome.VALIDITY_MISMATCH: "有效期与公安记录不一致",
    Outcome.INCONCLUSIVE: "无法判定",
    Outcome.UNAVAILABLE: "核验服务暂不可用",
    Outcome.CONFIG_ERROR: "核验服务配置错误",
}
RETRYABLE: frozenset[Outcome] = frozenset({Outcome.UNAVAILABLE, Outcome.CONFIG_ERROR})


@dataclass(frozen=True)
class IdentityCheck:
    outcome: Outcome
    vendor_code: str  # the vendor's own result or error code, stored as is
    vendor_reference: str = ""  # the vendor's request id, for disputes
    score: float | None = None  # the vendor's similarity on its own scale (FaceID: 0–100)
    note: str = ""  # shown to the reviewer (no personal data)

    @property
    def available(self) -> bool:
        return self.outcome not in RETRYABLE

    @property
    def same_person(self) -> bool | None:
        if self.outcome == Outcome.MATCH:
            return True
        if self.outcome in (Outcome.NOT_SAME_PERSON, Outcome.RECORD_MISMATCH):
            return False
        return None


@dataclass(frozen=True)
class Validity:
    """The renewed card's validity as confirmed at step 6 (``end`` None: 长期)."""

    start: date
    end: date | None


class IdentityVerifier(Protocol):
    vendor: str  # short name stored with each result, e.g. "tencent-faceid"

    def verify(self, *, name: str, id_number: str, face_jpeg: bytes) -> IdentityCheck:
        """The face against the public-security photo of this name and ID number."""
        ...

    def verify_record(
        self, *, name: str, id_number: str, validity: Validity | None
    ) -> IdentityCheck:
        """Number and name (and the validity where the vendor checks it) against the record."""
        ...

    def check_config(self) -> list[str]:
        """Problems an administrator must fix (missing key or setting); no network."""
        ...

    def probe(self) -> list[str]:
        """The cheapest read-only call that proves the keys and the endpoint work (no
        charge, no personal data); the problems found, empty when it works."""
        ...


ALIASES = {
    "tencent": "idrenew.face.identity_tencent.TencentFaceIdVerifier",
    "aliyun": "idrenew.face.identity_aliyun.AliyunCloudAuthVerifier",
}
NONE_VALUES = {"", "none"}


def verifier_configured() -> bool:
    return settings.IDRENEW_FACE_IDENTITY_VERIFIER.strip().lower() not in NONE_VALUES


@lru_cache(maxsize=4)
def _load(path: str) -> IdentityVerifier:
    cls = import_string(ALIASES.get(path.lower(), path))
    instance: IdentityVerifier = cls()
    return instance


def identity_verifier() -> IdentityVerifier | None:
    """The configured verifier, or None when no identity check is configured."""
    if not verifier_configured():
        return None
    return _load(settings.IDRENEW_FACE_IDENTITY_VERIFIER.strip())


def reset_identity_verifier() -> None:
    """Forget the loaded adapter (tests that change settings)."""
    _load.cache_clear()
