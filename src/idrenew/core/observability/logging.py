"""Log lines: one JSON object per line (``IDRENEW_LOG_FORMAT=json``, production's default) or
plain text, each with the request id of the request or task it belongs to.

A JSON line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id``, the exception's traceback when there is one, and the safe extras: values
passed with ``extra={...}`` that are plain scalars (str, int, float, bool, None; strings cut
at 500 characters). Objects (Django passes the request to its loggers) are never written.
What a line may say is the caller's responsibility: ids, codes, counts, never personal data
(``tests/core/test_log_privacy.py`` scans a whole journey's lines).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from idrenew.core.observability import request_id

# Attributes every LogRecord has (and those formatters add): not extras.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}
_MAX_EXTRA = 500


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs a refused or failed request (django.request) after the middleware
            # returned: the id is then read from the request it passes along.
            served = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = request_id.current() or served or "-"
        return True


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value[:_MAX_EXTRA]
    if value is None or isinstance(value, bool | int | float):
        return value
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id.current() or None
        if rid in (None, "-"):
            rid = getattr(getattr(record, "request", None), "request_id", None)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": rid if rid != "-" else None,
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key in line:
                continue
            if value is None or isinstance(value, str | bool | int | float):
                line[key] = _scalar(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: every logger (Django's, Celery's, the app's) through one
    console handler in ``fmt`` (``json`` or ``plain``); the app's loggers at ``level``."""
    if fmt not in {"json", "plain"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("IDRENEW_LOG_FORMAT must be 'json' or 'plain'")
    formatter: dict[str, Any] = (
        {"()": "idrenew.core.observability.logging.JsonFormatter"}
        if fmt == "json"
        else {"format": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "idrenew.core.observability.logging.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        # One handler, at the root: the named loggers only set their levels and propagate
        # (Django's own handlers for "django" and "django.server" are replaced).
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "idrenew": {"level": level, "handlers": [], "propagate": True},
            "django": {"level": "INFO", "handlers": [], "propagate": True},
            "django.server": {"level": "INFO", "handlers": [], "propagate": True},
            "celery": {"level": "INFO", "handlers": [], "propagate": True},
        },
    }
