"""Back office: decisions and review records, read-only (the case page is where staff act).

The review queue and case page (the ``RenewalCase`` admin) live in ``admin_cases``; importing
it here registers them when Django discovers this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from idrenew.audit.admin_mixins import AuditedViewMixin, ReadOnlyAdminMixin
from idrenew.cases.domain.states import STEPS
from idrenew.lib.masking import scrub
from idrenew.review import admin_cases, presenters
from idrenew.review.models import CaseReview, Decision

__all__ = ["admin_cases"]


def _case_link(case_id: Any, reference: str) -> str:
    url = reverse("admin:cases_renewalcase_change", args=[case_id])
    return format_html('<a href="{}">{}</a>', url, reference)


DECISION_FIELDS = (
    "case_link",
    "kind",
    "reasons_text",
    "steps_text",
    "note_text",
    "decided_by",
    "decided_at",
    "rule_set",
)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, AuditedViewMixin, admin.ModelAdmin[Decision]):
    audit_action = "staff.viewed_decision"
    list_display = ["decided_at", "case_link", "kind", "reasons_text", "steps_text", "decided_by"]
    list_filter = ["kind"]
    list_select_related = ["case", "decided_by"]
    search_fields = ["=case__reference"]
    fields = DECISION_FIELDS
    readonly_fields = DECISION_FIELDS

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        try:
            found = Decision.objects.filter(pk=object_id).select_related("case").first()
        except Exception:
            return {}
        return {"case_id": found.case_id, "customer_id": found.case.customer_id} if found else {}

    @admin.display(description="申请", ordering="case__reference")
    def case_link(self, obj: Decision) -> str:
        return _case_link(obj.case_id, obj.case.reference)

    @admin.display(description="原因")
    def reasons_text(self, obj: Decision) -> str:
        return "；".join(obj.reason_labels) or "—"

    @admin.display(description="退回步骤")
    def steps_text(self, obj: Decision) -> str:
        return "、".join(STEPS[n - 1].title for n in obj.steps if 1 <= n <= len(STEPS)) or "—"

    @admin.display(description="说明")
    def note_text(self, obj: Decision) -> str:
        return scrub(obj.note) or "—"


REVIEW_FIELDS = (
    "case_link",
    "checks_text",
    "checks_table",
    "claimed_by",
    "claimed_at",
    "claim_expires_at",
    "recommended_by",
    "recommended_at",
    "submissions",
    "updated_at",
)


@admin.register(CaseReview)
class CaseReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CaseReview]):
    list_display = [
        "case_link",
        "checks_text",
        "claimed_by",
        "claim_expires_at",
        "recommended_by",
        "submissions",
        "updated_at",
    ]
    list_filter = ["checks_passed"]
    list_select_related = ["case", "claimed_by", "recommended_by"]
    search_fields = ["=case__reference"]
    fields = REVIEW_FIELDS
    readonly_fields = REVIEW_FIELDS

    @admin.display(description="申请", ordering="case__reference")
    def case_link(self, obj: CaseReview) -> str:
        return _case_link(obj.case_id, obj.case.reference)

    @admin.display(description="自动检查", ordering="checks_passed")
    def checks_text(self, obj: CaseReview) -> str:
        return presenters.checks_summary(obj)

    @admin.display(description="检查明细")
    def checks_table(self, obj: CaseReview) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (c.get("label"), "通过" if c.get("ok") else "需关注", c.get("value"), c.get("need"))
                for c in obj.checks.get("checks", [])
            ),
        )
        return format_html(
            "<table><tr><th>检查项</th><th>结果</th><th>实际</th><th>要求</th></tr>{}</table>",
            rows,
        )
