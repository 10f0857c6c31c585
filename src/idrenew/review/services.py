"""Back-office decisions on submitted cases.

Every decision runs in one transaction that locks the review record and the case, checks the
case is still waiting and that the staff member holds the claim, moves the case, records the
``Decision`` and writes the outbox events (counter update, CFMMC report, SMS). Two people
deciding at once: the second finds the case decided and gets a coded refusal. The record is
updated by the outbox's counter event, delivered right after the commit and retried until it
succeeds, so a counter outage loses nothing and repeats nothing. An approval's counter event
also lifts the restrictions the new card cures (证件过期限制) and, once delivered, writes the
已通过 SMS, which then says truthfully whether trading is restored.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases import notices
from idrenew.cases.domain.states import LABELS, STATE_BEFORE_STEP, STEPS, State
from idrenew.cases.hooks import CaseOutcome, RedoStep, RedoTarget
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_transition
from idrenew.customers.selectors import (
    customer_restrictions,
    renewal_evidence_ref,
    renewal_restriction_plan,
)
from idrenew.outbox.handlers import CFMMC_CHANGE, COUNTER_UPDATE, SMS_NOTIFY
from idrenew.outbox.services import outbox_add
from idrenew.review import errors
from idrenew.review.checks import case_checks, rule_set
from idrenew.review.models import CaseReview, Decision, DecisionKind, RejectReason

Staff = AbstractBaseUser | AnonymousUser
# Steps staff may send a case back to (the customer redoes it and every step after it).
RETURNABLE_STEPS = (3, 4, 6, 8)


def _local(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%H:%M")


def _name(user: Any) -> str:
    return str(getattr(user, "get_username", lambda: "")() or "")


def _record_snapshot(case: RenewalCase) -> str:
    c = case.customer
    return json.dumps(
        {
            "id_valid_from": c.id_valid_from.isoformat(),
            "id_valid_to": c.id_valid_to.isoformat() if c.id_valid_to else None,
            "id_long_term": c.id_long_term,
            "address": c.address,
            "status": c.status,
            "restrictions": customer_restrictions(c),
            "taken_at": timezone.now().isoformat(),
        },
        ensure_ascii=False,
    )


def _sms(case: RenewalCase, purpose: str, text: str, key: str) -> None:
    outbox_add(
        topic=SMS_NOTIFY,
        dedupe_key=f"sms:{case.id}:{key}",
        payload={"customer_id": case.customer_id, "purpose": purpose, "text": text},
        case_id=case.id,
        case_reference=case.reference,
    )


# --- submission --------------------------------------------------------------------------


def review_on_submit(
    *, case: RenewalCase, request: HttpRequest | None = None, now: datetime | None = None
) -> CaseReview:
    """Called in the submission's transaction: checks, the queue entry, the 已受理 SMS."""
    now = now or timezone.now()
    checks = case_checks(case)
    review, _ = CaseReview.objects.select_for_update().get_or_create(case=case)
    review.checks = checks.as_json()
    review.checks_passed = checks.passed
    review.submissions += 1
    review.claimed_by = None
    review.claimed_at = review.claim_expires_at = None
    review.recommended_by = None
    review.recommended_at = None
    review.save()
    _sms(case, "case_accepted", notices.accepted(case.reference), f"accepted:{review.submissions}")
    if settings.IDRENEW_STP_ENABLED and review.checks_passed:
        _approve(case=case, review=review, user=None, note="", request=request, now=now)
    return review


def review_refresh_checks(*, case_id: uuid.UUID, now: datetime | None = None) -> CaseReview | None:
    """An automatic check answered after submission (the public-security identity check
    after an outage, ``identity.retry``): recompute the checks of a case still waiting and,
    with the straight-through rule on, decide it as submission does when every check now
    passes, unless a person has it (a live claim, or a four-eyes recommendation). A failing
    answer only updates the checks the reviewer reads. The review row and the case are
    locked and the case must still be waiting, so a repeated delivery never decides twice.
    Returns the review, None when the case is not waiting (decided, returned) or has none."""
    now = now or timezone.now()
    with transaction.atomic():
        review = CaseReview.objects.select_for_update().filter(pk=case_id).first()
        if review is None:
            return None
        case = RenewalCase.objects.select_for_update().select_related("customer").get(pk=case_id)
        review.case = case
        if case.state != State.SUBMITTED:
            return None
        checks = case_checks(case)
        review.checks = checks.as_json()
        review.checks_passed = checks.passed
        review.save(update_fields=["checks", "checks_passed", "updated_at"])
        automatic = (
            settings.IDRENEW_STP_ENABLED
            and checks.passed
            and not review.claim_live(now)
            and review.recommended_by_id is None
        )
        audit_record(
            action="review.checks_refreshed",
            actor_type=ActorType.SYSTEM,
            actor_id="",
            customer_id=case.customer_id,
            case_id=case.id,
            data={
                "passed": checks.passed,
                "failing": [c.code for c in checks.checks if not c.ok],
                "straight_through": automatic,
            },
        )
        if automatic:
            _approve(case=case, review=review, user=None, note="", request=None, now=now)
    return review


# --- the claim ---------------------------------------------------------------------------


def review_claim(*, case_id: uuid.UUID, user: Any, now: datetime | None = None) -> CaseReview:
    """Take a case for review (a lock with a timeout); taking one's own claim extends it."""
    _require(user, "review.review_case", "领取审核")
    now = now or timezone.now()
    with transaction.atomic():
        review = CaseReview.objects.select_for_update().select_related("case").get(pk=case_id)
        if review.case.state != State.SUBMITTED:
            raise errors.CaseAlreadyDecided(review.case.state_label)
        if review.claim_live(now) and review.claimed_by_id != user.pk:
            assert review.claim_expires_at is not None
            raise errors.CaseClaimedByOther(
                _name(review.claimed_by), _local(review.claim_expires_at)
            )
        review.claimed_by = user
        review.claimed_at = now
        review.claim_expires_at = now + timedelta(minutes=settings.IDRENEW_REVIEW_CLAIM_MINUTES)
        review.save(update_fields=["claimed_by", "claimed_at", "claim_expires_at", "updated_at"])
        audit_record(
            action="review.claimed",
            actor_type=ActorType.STAFF,
            actor_id=str(user.pk),
            customer_id=review.case.customer_id,
            case_id=case_id,
        )
    return review


def review_release(*, case_id: uuid.UUID, user: Any) -> None:
    released = CaseReview.objects.filter(pk=case_id, claimed_by=user).update(
        claimed_by=None, claimed_at=None, claim_expires_at=None
    )
    if released:
        audit_record(
            action="review.released",
            actor_type=ActorType.STAFF,
            actor_id=str(user.pk),
            case_id=case_id,
        )


def _require(user: Any, perm: str, what: str) -> None:
    if user is None or not user.has_perm(perm):
        raise errors.ReviewPermissionDenied(what)


def _locked_for_decision(case_id: uuid.UUID, user: Any, now: datetime) -> CaseReview:
    """The review row and case, locked; refuses unless waiting and claimed by ``user``."""
    # Writing first takes SQLite's write lock at once, so racing decisions queue up there
    # too (PostgreSQL's row locks below do the same).
    CaseReview.objects.filter(pk=case_id).update(updated_at=now)
    review = CaseReview.objects.select_for_update().select_related("case").get(pk=case_id)
    case = RenewalCase.objects.select_for_update().get(pk=case_id)
    review.case = case
    if case.state != State.SUBMITTED:
        raise errors.CaseAlreadyDecided(LABELS[State(case.state)])
    if user is not None and (review.claimed_by_id != user.pk or not review.claim_live(now)):
        raise errors.CaseNotClaimed()
    return review


def _clear_claim(review: CaseReview) -> None:
    review.claimed_by = None
    review.claimed_at = review.claim_expires_at = None
    review.save(update_fields=["claimed_by", "claimed_at", "claim_expires_at", "updated_at"])


# --- decisions ---------------------------------------------------------------------------


def review_approve(
    *,
    case_id: uuid.UUID,
    user: Any,
    note: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Decision:
    """通过. With four-eyes on, a reviewer's approval is a recommendation; a second person
    holding the approve permission makes it final."""
    _require(user, "review.review_case", "审核")
    now = now or timezone.now()
    with transaction.atomic():
        review = _locked_for_decision(case_id, user, now)
        case = review.case
        if settings.IDRENEW_REVIEW_FOUR_EYES:
            if review.recommended_by_id is None:
                return _recommend(review=review, user=user, note=note, request=request, now=now)
            if review.recommended_by_id == user.pk:
                raise errors.FourEyesSamePerson()
            _require(user, "review.approve_case", "复核通过")
        elif not user.has_perm("review.approve_case"):
            raise errors.ReviewPermissionDenied("最终通过")
        return _approve(case=case, review=review, user=user, note=note, request=request, now=now)


def _recommend(
    *, review: CaseReview, user: Any, note: str, request: HttpRequest | None, now: datetime
) -> Decision:
    review.recommended_by = user
    review.recommended_at = now
    review.save(update_fields=["recommended_by", "recommended_at", "updated_at"])
    _clear_claim(review)
    decision = Decision.objects.create(
        record_before=_record_snapshot(review.case),
        case=review.case,
        kind=DecisionKind.RECOMMEND,
        note=note,
        decided_by=user,
    )
    audit_record(
        action="review.recommended",
        actor_type=ActorType.STAFF,
        actor_id=str(user.pk),
        customer_id=review.case.customer_id,
        case_id=review.case_id,
        request=request,
        data={"decision": str(decision.id)},
    )
    return decision


def _approve(
    *,
    case: RenewalCase,
    review: CaseReview,
    user: Any,
    note: str,
    request: HttpRequest | None,
    now: datetime,
) -> Decision:
    from idrenew.signing.steps import case_data

    automatic = user is None
    plan = renewal_restriction_plan(case.customer)
    decision = Decision.objects.create(
        record_before=_record_snapshot(case),
        case=case,
        kind=DecisionKind.AUTO_APPROVE if automatic else DecisionKind.APPROVE,
        note=note,
        decided_by=user,
        rule_set=rule_set().as_json() if automatic else {},
    )
    case_transition(
        case_id=case.id,
        target=State.APPROVED,
        actor_type=ActorType.SYSTEM if automatic else ActorType.STAFF,
        actor_id="" if automatic else str(user.pk),
        request=request,
        data={
            "decision": str(decision.id),
            "automatic": automatic,
            "lift_restrictions": list(plan.lifted),
            "restrictions_staying": list(plan.staying),
        },
        now=now,
    )
    _clear_claim(review)
    data = case_data(case, today=now)
    valid_to = data.new_valid_to.isoformat() if data.new_valid_to else None
    evidence = renewal_evidence_ref(case.reference)
    outbox_add(
        topic=COUNTER_UPDATE,
        dedupe_key=f"counter:{case.id}",
        payload={
            "customer_id": case.customer_id,
            "valid_from": data.new_valid_from.isoformat(),
            "valid_to": valid_to,
            "address": data.address,
            "evidence_ref": evidence,
            "lift_restrictions": list(plan.lifted),
            # The 已通过 SMS, written by the counter event once the record is updated.
            "notify": {
                "dedupe_key": f"sms:{case.id}:approved",
                "purpose": "case_approved",
                "reference": case.reference,
            },
        },
        case_id=case.id,
        case_reference=case.reference,
    )
    outbox_add(
        topic=CFMMC_CHANGE,
        dedupe_key=f"cfmmc:{case.id}",
        payload={
            "report_date": timezone.localdate(now).isoformat(),
            "fund_account": data.fund_account,
            "name": data.customer_name,
            "id_type": case.customer.id_type,
            "id_number": data.id_number,
            "valid_from": data.new_valid_from.strftime("%Y%m%d"),
            "valid_to": data.new_valid_to.strftime("%Y%m%d") if data.new_valid_to else "长期",
            "address": data.address,
            "case_reference": case.reference,
        },
        case_id=case.id,
        case_reference=case.reference,
    )
    return decision


def _close_with_reasons(
    *,
    case_id: uuid.UUID,
    user: Any,
    kind: DecisionKind,
    target: State,
    reasons: list[str],
    steps: list[int],
    note: str,
    request: HttpRequest | None,
    now: datetime,
) -> tuple[RenewalCase, Decision]:
    """驳回 or 退回: lock, record the decision with its reasons, move the case, free the claim."""
    review = _locked_for_decision(case_id, user, now)
    case = review.case
    decision = Decision.objects.create(
        record_before=_record_snapshot(case),
        case=case,
        kind=kind,
        reasons=reasons,
        steps=steps,
        note=note,
        decided_by=user,
    )
    case_transition(
        case_id=case.id,
        target=target,
        actor_type=ActorType.STAFF,
        actor_id=str(user.pk),
        request=request,
        data={"decision": str(decision.id), "reasons": reasons, "steps": steps},
        now=now,
    )
    _clear_claim(review)
    return case, decision


def review_reject(
    *,
    case_id: uuid.UUID,
    user: Any,
    reasons: list[str],
    note: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Decision:
    """未通过: the case closes; the customer may start a new one."""
    _require(user, "review.review_case", "审核")
    reasons = _valid_reasons(reasons)
    with transaction.atomic():
        case, decision = _close_with_reasons(
            case_id=case_id,
            user=user,
            kind=DecisionKind.REJECT,
            target=State.REJECTED,
            reasons=reasons,
            steps=[],
            note=note,
            request=request,
            now=now or timezone.now(),
        )
        text = notices.rejected(case.reference, decision.reason_labels)
        _sms(case, "case_rejected", text, "rejected")
    return decision


def review_return(
    *,
    case_id: uuid.UUID,
    user: Any,
    steps: list[int],
    reasons: list[str],
    note: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Decision:
    """需补充: the customer redoes the named steps (and those after them) and resubmits."""
    _require(user, "review.review_case", "审核")
    reasons = _valid_reasons(reasons)
    chosen = sorted({int(s) for s in steps if int(s) in RETURNABLE_STEPS})
    if not chosen:
        raise errors.ReturnStepsRequired()
    now = now or timezone.now()
    with transaction.atomic():
        case, decision = _close_with_reasons(
            case_id=case_id,
            user=user,
            kind=DecisionKind.RETURN,
            target=State.RETURNED,
            reasons=reasons,
            steps=chosen,
            note=note,
            request=request,
            now=now,
        )
        # The customer gets the case's full time limit again to make the correction.
        RenewalCase.objects.filter(pk=case.id).update(
            expires_at=now + timedelta(hours=settings.IDRENEW_CASE_TTL_HOURS)
        )
        text = notices.returned(case.reference, chosen)
        _sms(case, "case_returned", text, f"returned:{decision.id}")
    return decision


def _valid_reasons(reasons: list[str]) -> list[str]:
    known = set(RejectReason.values)
    chosen = [r for r in dict.fromkeys(reasons) if r in known]
    if not chosen:
        raise errors.ReviewReasonRequired()
    return chosen


# --- the customer's side -----------------------------------------------------------------


def case_outcome(case: RenewalCase) -> CaseOutcome:
    """What the H5 status page shows after submission: state, reasons, the step to redo."""
    decision = (
        Decision.objects.filter(case=case)
        .exclude(kind=DecisionKind.RECOMMEND)
        .order_by("-decided_at")
        .first()
    )
    if decision is None or case.state not in {State.RETURNED, State.REJECTED, State.APPROVED}:
        return CaseOutcome()
    redo_steps: tuple[RedoStep, ...] = ()
    redo_step = None
    if case.state == State.RETURNED and decision.steps:
        first = min(decision.steps)
        redo_steps = tuple(RedoStep(n, STEPS[n - 1].title) for n in decision.steps)
        redo_step = RedoTarget(first, STEPS[first - 1].key)
    return CaseOutcome(
        reasons=tuple(decision.reason_labels),
        note=decision.note,
        redo_steps=redo_steps,
        redo_step=redo_step,
        decided_at=decision.decided_at,
    )


def case_redo(
    *, case: RenewalCase, request: HttpRequest | None = None, now: datetime | None = None
) -> RenewalCase:
    """The customer starts the correction: the case goes back to the first returned step."""
    from idrenew.idcard.models import CardUpload

    outcome = case_outcome(case)
    first = outcome.redo_step.number if outcome.redo_step else 3
    with transaction.atomic():
        moved = case_transition(
            case_id=case.id,
            target=STATE_BEFORE_STEP[first],
            actor_type=ActorType.CUSTOMER,
            actor_id=str(case.customer_id),
            request=request,
            data={"redo_step": first},
            now=now,
        )
        if 4 in {s.number for s in outcome.redo_steps}:
            # New photos were asked for: the earlier ones stay as evidence, no longer count.
            CardUpload.objects.filter(case=case).exclude(status=CardUpload.Status.PENDING).update(
                status=CardUpload.Status.SUPERSEDED
            )
    return moved
