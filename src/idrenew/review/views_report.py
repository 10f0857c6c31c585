"""Back-office pages for oversight: the statistics dashboard and the evidence export.

``/backoffice/review/dashboard`` (``review.view_dashboard``) and
``/backoffice/review/cases/<uuid>/evidence.zip`` (``review.export_evidence``). Both need a
staff login (otherwise the admin login page); a staff member without the permission gets 403.
"""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.review.dashboard import dashboard_data, humanize_duration
from idrenew.review.evidence import evidence_bundle


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@staff_member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request, "review.view_dashboard")
    data = dashboard_data()
    max_state = max((s.count for s in data.states), default=0) or 1
    context = {
        **admin.site.each_context(request),
        "title": "统计看板",
        "data": data,
        "median_text": humanize_duration(data.median_decision),
        "state_rows": [(s, round(100 * s.count / max_state)) for s in data.states],
        "funnel_rows": [
            (f, round(100 * f.share) if f.share is not None else 0) for f in data.funnel
        ],
    }
    response = TemplateResponse(request, "review/dashboard.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


@staff_member_required
@require_GET
def evidence_zip(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    if not access.can_export_evidence(request.user):
        raise PermissionDenied
    case = get_object_or_404(RenewalCase.objects.select_related("customer"), pk=case_id)
    data = evidence_bundle(case, request.user, request=request)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{case.reference}.zip"'
    response["Cache-Control"] = "no-store, private"
    return response
