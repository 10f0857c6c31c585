from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from idrenew.core.errors import CsrfFailed


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    error = CsrfFailed()
    return JsonResponse(
        error.as_body(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. It touches nothing else (no database, no cache), so a
    database outage does not make a supervisor restart every web worker; ``/readyz`` says
    whether the parts a journey needs answer."""
    return JsonResponse({"status": "ok"})


def _operator(request: HttpRequest) -> bool:
    """A client allowed to read the metrics (``IDRENEW_METRICS_ALLOW`` or the token)."""
    from idrenew.core.observability.access import allowed
    from idrenew.lib.net import client_ip

    return allowed(
        client=client_ip(request),
        authorization=request.headers.get("Authorization", ""),
        allow=settings.IDRENEW_METRICS_ALLOW,
        token=settings.IDRENEW_METRICS_TOKEN,
    )


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database, cache, broker, storage, signing CA and models answer,
    else 503 naming the failing parts. Each check has a short deadline. The reasons (which
    may name hosts) are shown to operators (``/metrics`` clients) only; all are logged."""
    from idrenew.core.observability.readiness import as_body, readiness

    body = as_body(readiness())
    if not _operator(request):
        body["checks"] = {name: {"ok": c["ok"]} for name, c in body["checks"].items()}
    if body["failing"]:
        body["code"] = "SERVICE_NOT_READY"
        body["message"] = "服务暂不可用，请稍后重试"
    return JsonResponse(
        body,
        status=200 if not body["failing"] else 503,
        json_dumps_params={"ensure_ascii": False},
        headers={"Cache-Control": "no-store"},
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for allowed addresses or the bearer token only."""
    if not _operator(request):
        return JsonResponse(
            {
                "code": "METRICS_FORBIDDEN",
                "message": "无权读取监控指标：请从允许的地址访问，或携带监控令牌",
                "retryable": False,
                "fields": {},
                "detail": None,
            },
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    from idrenew.core.observability.metrics import exposition

    body, content_type = exposition(with_database=True)
    return HttpResponse(body, content_type=content_type, headers={"Cache-Control": "no-store"})
