"""The id of the request (or task) being served, for log lines and tasks.

Taken from ``X-Request-ID`` when the proxy in front is trusted to set it
(``IDRENEW_TRUST_REQUEST_ID``, on behind the TLS proxy: nginx sets ``$request_id``), else
generated; a value that is not a short token of safe characters is never used (it ends up in
every log line). Returned to the client in the response's ``X-Request-ID``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-ID"
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_current: ContextVar[str] = ContextVar("idrenew_request_id", default="")


def current() -> str:
    """The id of the request or task being served here, or ``""`` outside one."""
    return _current.get()


def generate() -> str:
    return uuid.uuid4().hex


def accept(value: str | None) -> str | None:
    """``value`` if it is usable as a request id (8–64 letters, digits, ``._:-``)."""
    if value and _SAFE.match(value):
        return value
    return None


@contextmanager
def bound(value: str | None) -> Iterator[str]:
    """Serve with ``value`` (a safe id, else a new one) as the current id."""
    rid = accept(value) or generate()
    token = _current.set(rid)
    try:
        yield rid
    finally:
        _current.reset(token)
