from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from idrenew.core.errors import CsrfFailed


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    error = CsrfFailed()
    return JsonResponse(
        error.as_body(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
