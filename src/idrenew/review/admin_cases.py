"""Back office: the review queue (the case changelist) and the case page (its change view).

Registered for ``cases.RenewalCase`` from review, which owns the queue; the admin URLs stay
``/admin/cases/renewalcase/...``.

The queue lists every case with what a reviewer sorts by (waiting time against the service
level, the automatic checks, who holds it); submitted cases come first, oldest first. The page
is read-only: decisions are POST forms to ``review.views_case``. Every look is audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from idrenew.audit.admin_mixins import AuditedViewMixin, ReadOnlyAdminMixin
from idrenew.cases.domain.states import State
from idrenew.cases.models import RenewalCase
from idrenew.lib.masking import mask_name
from idrenew.review import presenters, selectors


class AgeFilter(admin.SimpleListFilter):
    title = "等待时长（已提交）"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("lt4", "4 小时内"), ("4to24", "4–24 小时"), ("gt24", "超过 24 小时")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        waiting = queryset.filter(state=State.SUBMITTED)
        if self.value() == "lt4":
            return waiting.filter(submitted_at__gt=now - timedelta(hours=4))
        if self.value() == "4to24":
            return waiting.filter(
                submitted_at__lte=now - timedelta(hours=4),
                submitted_at__gt=now - timedelta(hours=24),
            )
        if self.value() == "gt24":
            return waiting.filter(submitted_at__lte=now - timedelta(hours=24))
        return queryset


class ChecksFilter(admin.SimpleListFilter):
    title = "自动检查"
    parameter_name = "checks"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("passed", "全部通过"), ("attention", "有需关注项")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "passed":
            return queryset.filter(review__checks_passed=True)
        if self.value() == "attention":
            return queryset.filter(review__checks_passed=False)
        return queryset


class RecordExpiryFilter(admin.SimpleListFilter):
    title = "留档证件有效期"
    parameter_name = "record_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("expired", "已过期"), ("expiring", "30 天内到期")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        dated = queryset.filter(customer__id_long_term=False)
        if self.value() == "expired":
            return dated.filter(customer__id_valid_to__lt=today)
        if self.value() == "expiring":
            return dated.filter(
                customer__id_valid_to__gte=today,
                customer__id_valid_to__lte=today + timedelta(days=30),
            )
        return queryset


class ClaimFilter(admin.SimpleListFilter):
    title = "领取"
    parameter_name = "claim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("mine", "我领取的"), ("unclaimed", "未领取"), ("recommended", "待复核")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        held = Q(review__claimed_by__isnull=False, review__claim_expires_at__gt=now)
        if self.value() == "mine":
            return queryset.filter(held, review__claimed_by=request.user)
        if self.value() == "unclaimed":
            return queryset.filter(state=State.SUBMITTED).exclude(held)
        if self.value() == "recommended":
            return queryset.filter(state=State.SUBMITTED, review__recommended_by__isnull=False)
        return queryset


# Submitted cases first, the longest waiting on top; then the rest, newest first.
QUEUE_ORDERING = [
    Case(
        When(state=State.SUBMITTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    ).asc(),
    F("submitted_at").asc(nulls_last=True),
    F("created_at").desc(),
]


CASE_FIELDS = (
    "reference",
    "state",
    "channel",
    "created_at",
    "submitted_at",
    "closed_at",
)


@admin.register(RenewalCase)
class RenewalCaseAdmin(AuditedViewMixin, ReadOnlyAdminMixin, admin.ModelAdmin[RenewalCase]):
    audit_action = "staff.viewed_case"
    change_form_template = "admin/review/case_page.html"

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        case = RenewalCase.objects.filter(pk=object_id).only("customer_id").first()
        return {"case_id": case.pk, "customer_id": case.customer_id} if case else {}

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        title = "审核队列" if request.GET.get("state__exact") == "submitted" else "证件更新申请"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    list_display = [
        "reference",
        "customer_masked",
        "state_label",
        "submitted_at",
        "sla_age",
        "checks",
        "claimed",
        "four_eyes",
    ]
    list_filter = ["state", AgeFilter, ChecksFilter, RecordExpiryFilter, ClaimFilter]
    list_select_related = ["customer", "review", "review__claimed_by", "review__recommended_by"]
    list_per_page = 50
    search_fields = ["=reference", "=customer__fund_account"]
    fields = CASE_FIELDS
    readonly_fields = CASE_FIELDS

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return QUEUE_ORDERING

    def get_queryset(self, request: HttpRequest) -> QuerySet[RenewalCase]:
        return (
            super()
            .get_queryset(request)
            .defer("customer__address", "customer__mobile", "customer__id_number")
        )

    @admin.display(description="客户")
    def customer_masked(self, obj: RenewalCase) -> str:
        return f"{obj.customer.fund_account} {mask_name(obj.customer.name)}"

    @admin.display(description="状态", ordering="state")
    def state_label(self, obj: RenewalCase) -> str:
        return obj.state_label

    @admin.display(description="等待（小时）")
    def sla_age(self, obj: RenewalCase) -> str:
        hours = selectors.sla_hours(obj)
        if hours is None:
            return "—"
        if selectors.is_overdue(hours):
            return format_html(
                '<span class="sla-overdue" style="color:#ba2121;font-weight:bold" '
                'title="超过服务时限">{}</span>',
                f"{hours:.1f}",
            )
        return f"{hours:.1f}"

    @admin.display(description="自动检查")
    def checks(self, obj: RenewalCase) -> str:
        review = selectors.review_of(obj)
        text = presenters.checks_summary(review)
        if review is not None and review.checks and not review.checks_passed:
            return format_html('<span style="color:#b36b00">{}</span>', text)
        return text

    @admin.display(description="办理人")
    def claimed(self, obj: RenewalCase) -> str:
        review = selectors.review_of(obj)
        if obj.state != State.SUBMITTED or review is None:
            return "—"
        return presenters.claim_text(review)

    @admin.display(description="双人复核")
    def four_eyes(self, obj: RenewalCase) -> str:
        if obj.state != State.SUBMITTED:
            return "—"
        return presenters.four_eyes_text(selectors.review_of(obj)) or "—"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            case = RenewalCase.objects.select_related("customer").filter(pk=object_id).first()
        except (ValueError, ValidationError):
            case = None
        if case is not None and self.has_view_permission(request, case):
            extra_context = {
                **(extra_context or {}),
                "page": presenters.case_page(case, request.user),
            }
        response = super().change_view(request, object_id, form_url, extra_context)
        response["Cache-Control"] = "no-store, private"
        return response
