"""The case hooks: how the app that decides on cases plugs into the case's life.

``cases`` sits below the apps that decide (``review``) and must not import them. It names
what it needs here; ``review`` registers its implementation in ``ReviewConfig.ready`` (one
decider: submitting a case without one is a configuration error, never a silent no-op).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from idrenew.cases.models import RenewalCase
    from idrenew.customers.models import Customer


@dataclass(frozen=True, slots=True)
class RedoStep:
    """A step staff asked the customer to redo: its number and title."""

    number: int
    title: str


@dataclass(frozen=True, slots=True)
class RedoTarget:
    """The first step to redo, where the app opens: its number and key."""

    number: int
    key: str


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """The status page's outcome of the latest decision (reason labels in Chinese). Empty
    (no reasons, no note, nothing to redo) before a decision."""

    reasons: tuple[str, ...] = ()
    note: str = ""
    redo_steps: tuple[RedoStep, ...] = ()
    redo_step: RedoTarget | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerDecision:
    """One decision as the customer reads it: kind, the label of the state it led to, the
    reason labels, the staff member's note, the time."""

    kind: str
    label: str
    reasons: tuple[str, ...]
    note: str
    decided_at: datetime


@dataclass(frozen=True)
class DecisionNotice:
    """What a decision's SMS names: the reasons' labels (reject), the steps to redo (return)."""

    reason_labels: list[str]
    steps: list[int]


class CaseDecider(Protocol):
    def on_submitted(self, *, case: RenewalCase, request: HttpRequest | None) -> None:
        """In the submission's transaction: checks, queue entry, notice, straight-through."""

    def outcome(self, case: RenewalCase) -> CaseOutcome:
        """The status page's outcome: reasons, note, redo_steps, redo_step, decided_at."""

    def redo(self, *, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
        """A returned case goes back to the first step staff named."""

    def can_reapply(self, case: RenewalCase) -> bool:
        """Whether a rejected case's customer may start again (not for a branch-only refusal)."""

    def refresh_checks(self, case: RenewalCase) -> None:
        """A submitted case still waiting: recompute its automatic checks (an answer that
        arrived after submission, e.g. the public-security identity check) and run the
        straight-through rule again as submission does (once: never a second decision)."""

    def decision_notice(
        self, *, case_id: Any, kind: str, before: datetime
    ) -> DecisionNotice | None:
        """The latest decision of ``kind`` ("reject" or "return") taken up to ``before``."""

    def decisions_for_customer(self, case: RenewalCase) -> list[CustomerDecision]:
        """The decisions a customer reads, oldest first: kind, label, reasons, note, decided_at."""


_decider: CaseDecider | None = None


def decider_register(decider: CaseDecider) -> None:
    global _decider
    _decider = decider


def decider() -> CaseDecider:
    if _decider is None:
        raise ImproperlyConfigured("no case decider registered (is idrenew.review installed?)")
    return _decider


# --- the signed documents: signing plugs in (SigningConfig.ready) ----------------------------


@dataclass(frozen=True)
class DocumentView:
    """A signed agreement as the customer's pages list it, with both links."""

    key: str
    title: str
    sha256: str
    signed_at: datetime
    download_url: str
    link_url: str
    link_expires_at: datetime


class CaseDocuments(Protocol):
    def latest_by_case(self, cases: list[RenewalCase]) -> dict[uuid.UUID, list[Any]]:
        """Each case's newest signed documents (opaque to cases), in one query."""

    def views(
        self, *, case: RenewalCase, customer: Customer, docs: list[Any] | None
    ) -> list[DocumentView]:
        """The documents (``docs`` from :meth:`latest_by_case`, or the case's newest) with
        a short-lived link minted for ``customer``, the signed-in owner."""

    def response(self, *, case: RenewalCase, key: str, request: HttpRequest) -> HttpResponse:
        """The signed PDF of the case's agreement ``key``, audited as the customer's look."""


_documents: CaseDocuments | None = None


def documents_register(documents: CaseDocuments) -> None:
    global _documents
    _documents = documents


def documents() -> CaseDocuments:
    if _documents is None:
        raise ImproperlyConfigured("no case documents registered (is idrenew.signing installed?)")
    return _documents
