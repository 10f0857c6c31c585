"""Slot for an outside identity service (e.g. a vendor's check of the best frame against
the public-security ID photo, 公安人像比对). Documented, not built: no such vendor is
reachable from here.

A vendor adapter implements :class:`IdentityVerifier` and is named in the setting
``IDRENEW_FACE_IDENTITY_VERIFIER`` (dotted path; empty = none). The face service would call
it after a passed liveness analysis with the case's name and ID number (decrypted only for
that call) and the best frame, store ``IdentityCheck`` on the attempt beside the local
scores, and show it to the reviewer. The adapter must not log the image or the ID number,
must time out (a few seconds) and must report its own failures as ``available=False``
rather than raise, so that an outage sends the case to manual review instead of blocking
the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IdentityCheck:
    available: bool  # False: the service could not answer (timeout, outage)
    same_person: bool | None
    score: float | None  # the vendor's own scale, stored as is
    vendor_reference: str  # the vendor's request id, for disputes
    note: str  # shown to the reviewer


class IdentityVerifier(Protocol):
    def verify(self, *, name: str, id_number: str, face_jpeg: bytes) -> IdentityCheck: ...

    def check_config(self) -> list[str]:
        """Problems an administrator must fix (missing key, unreachable endpoint)."""
