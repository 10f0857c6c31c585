"""The back office's statistics (统计看板), computed with aggregate queries only.

* cases per state (one GROUP BY);
* median time from submission to the decision (approved or rejected) over the last 30 days:
  a COUNT, then the middle row(s) of the durations ordered in the database;
* the funnel of cases started in the last 30 days: how many distinct cases reached each step,
  from the ``case.*`` audit events (one GROUP BY), and the drop-off between steps;
* customers whose ID on file has expired or expires within 30 days (one aggregate);
* outbox events pending and dead (one aggregate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.domain.states import LABELS, State
from idrenew.cases.models import RenewalCase
from idrenew.customers.constants import AccountStatus
from idrenew.customers.models import Customer
from idrenew.outbox.models import OutboxEvent, OutboxStatus

WINDOW_DAYS = 30
EXPIRY_DAYS = 30

# The funnel: the audit action that marks a case reaching each point, in order.
FUNNEL: tuple[tuple[str, str], ...] = (
    ("case.started", "开始办理（账户验证通过）"),
    ("case.face_passed", "人脸识别通过"),
    ("case.idcard_read", "身份证识别完成"),
    ("case.identity_confirmed", "身份信息已确认"),
    ("case.update_confirmed", "更新信息已确认"),
    ("case.agreements_read", "协议阅读完成"),
    ("case.signed", "协议签署完成"),
    ("case.submitted", "已提交"),
    ("case.approved", "已通过"),
)


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    label: str
    action: str
    reached: int
    share: float | None  # of the cases started
    dropped: int  # lost since the previous step


@dataclass
class Dashboard:
    now: datetime
    window_days: int
    states: list[StateCount]
    total_cases: int
    waiting: int
    oldest_waiting_since: datetime | None
    decided: int
    median_decision: timedelta | None
    funnel: list[FunnelStep]
    expired_ids: int
    expiring_ids: int
    expiry_days: int
    outbox_pending: int
    outbox_dead: int
    # Set when no public-security identity check is configured (waived in production).
    identity_warning: str = ""


def identity_warning() -> str:
    from django.conf import settings

    from idrenew.face.identity import verifier_configured

    if verifier_configured():
        return ""
    reason = settings.IDRENEW_IDENTITY_CHECK_WAIVER_REASON
    if settings.IDRENEW_IDENTITY_CHECK_WAIVED and reason:
        return (
            f"未接入公安身份核验（人像比对、公民身份信息核验）：已豁免，理由：{reason}。"
            "自动审核不含该项，请审核员人工核实身份。"
        )
    return "未配置公安身份核验服务（IDRENEW_FACE_IDENTITY_VERIFIER），生产环境须接入或书面豁免。"


def cases_per_state() -> list[StateCount]:
    counts = dict(
        RenewalCase.objects.order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return [StateCount(s.value, LABELS[s], int(counts.get(s.value, 0))) for s in State]


def median_decision_time(*, since: datetime) -> tuple[int, timedelta | None]:
    """(number of decisions, median submit→decision) for cases decided since ``since``."""
    decided = RenewalCase.objects.filter(
        state__in=[State.APPROVED, State.REJECTED],
        closed_at__gte=since,
        submitted_at__isnull=False,
    )
    n = decided.count()
    if not n:
        return 0, None
    durations = (
        decided.annotate(
            took=ExpressionWrapper(F("closed_at") - F("submitted_at"), output_field=DurationField())
        )
        .order_by("took")
        .values_list("took", flat=True)
    )
    middle = list(durations[(n - 1) // 2 : n // 2 + 1])
    return n, sum(middle, timedelta()) / len(middle)


def funnel(*, since: datetime) -> list[FunnelStep]:
    cohort = RenewalCase.objects.filter(created_at__gte=since).values("id")
    reached = dict(
        AuditEvent.objects.filter(action__in=[a for a, _ in FUNNEL], case_id__in=cohort)
        .order_by()
        .values_list("action")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("action", "n")
    )
    started = int(reached.get(FUNNEL[0][0], 0))
    steps, previous = [], None
    for action, label in FUNNEL:
        n = int(reached.get(action, 0))
        steps.append(
            FunnelStep(
                label=label,
                action=action,
                reached=n,
                share=(n / started) if started else None,
                dropped=max(previous - n, 0) if previous is not None else 0,
            )
        )
        previous = n
    return steps


def id_expiry_counts(*, today: date, days: int = EXPIRY_DAYS) -> tuple[int, int]:
    """(customers whose ID has expired, customers whose ID expires within ``days``),
    closed accounts excluded."""
    row = (
        Customer.objects.filter(id_long_term=False)
        .exclude(status=AccountStatus.CLOSED)
        .aggregate(
            expired=Count("id", filter=Q(id_valid_to__lt=today)),
            expiring=Count(
                "id", filter=Q(id_valid_to__gte=today, id_valid_to__lte=today + timedelta(days))
            ),
        )
    )
    return int(row["expired"]), int(row["expiring"])


def dashboard_data(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    states = cases_per_state()
    waiting = RenewalCase.objects.filter(state=State.SUBMITTED).aggregate(
        n=Count("id"), oldest=Min("submitted_at")
    )
    decided, median = median_decision_time(since=since)
    expired, expiring = id_expiry_counts(today=timezone.localdate(now))
    outbox = OutboxEvent.objects.aggregate(
        pending=Count("id", filter=Q(status=OutboxStatus.PENDING)),
        dead=Count("id", filter=Q(status=OutboxStatus.DEAD)),
    )
    return Dashboard(
        now=now,
        window_days=WINDOW_DAYS,
        states=states,
        total_cases=sum(s.count for s in states),
        waiting=int(waiting["n"]),
        oldest_waiting_since=waiting["oldest"],
        decided=decided,
        median_decision=median,
        funnel=funnel(since=since),
        expired_ids=expired,
        expiring_ids=expiring,
        expiry_days=EXPIRY_DAYS,
        outbox_pending=int(outbox["pending"]),
        outbox_dead=int(outbox["dead"]),
        identity_warning=identity_warning(),
    )


def humanize_duration(value: timedelta | None) -> str:
    """0:42:10 → 42分10秒; 1 day 3 h → 1天3小时."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    if minutes:
        return f"{minutes}分{secs}秒"
    return f"{secs}秒"
