"""Per request: the request id, one access log line and the request metrics.

First in ``MIDDLEWARE``, so that every answer (a redirect, a refused body, a server error)
gets an id and is counted. The route is the URL pattern that matched (a django-ninja
operation's path with its parameters, e.g. ``api/cases/<reference>``), never the raw path,
which may hold a case reference or a signed link; an unknown path is ``<unmatched>``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from idrenew.core.observability import metrics, request_id

logger = logging.getLogger("idrenew.access")

Handler = Callable[[HttpRequest], HttpResponse]
UNMATCHED = "<unmatched>"
# Probes and scrapes: counted, logged at DEBUG only.
QUIET_ROUTES = {"healthz", "readyz", "metrics"}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before the URL was resolved (a refused body, a redirect)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return UNMATCHED
    return str(match.route) or UNMATCHED


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = settings.IDRENEW_TRUST_REQUEST_ID
        incoming = request.headers.get(request_id.HEADER) if trusted else None
        with request_id.bound(incoming) as rid:
            request.request_id = rid  # type: ignore[attr-defined]
            started = time.monotonic()
            response = self.get_response(request)
            seconds = time.monotonic() - started
            response[request_id.HEADER] = rid
            route = route_of(request)
            method = request.method if request.method in METHODS else "OTHER"
            metrics.observe_request(
                route=route, method=method, status=response.status_code, seconds=seconds
            )
            logger.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %s %.0f ms",
                method,
                route,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            return response
