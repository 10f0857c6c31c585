"""``/readyz``: can this web process serve a journey now?

Each part is checked in a thread of its own with a deadline (``IDRENEW_READYZ_TIMEOUT``,
2 s): a dead broker or a database host that drops packets makes the answer 503 with that
part named ``timeout``, never a hung probe. Parts:

- ``database``: ``SELECT 1``.
- ``cache``: a key written and read back (Redis, or the database cache).
- ``broker``: a connection to ``IDRENEW_CELERY_BROKER_URL`` (``inline`` when tasks run in
  the web process).
- ``storage``: the S3 bucket answers, or the files folder is writable.
- ``signing_ca``: the CA's bundle decrypts and its certificates are valid (where it exists;
  production requires it).
- ``models``: the face, anti-spoofing and card-reading models are present with their
  checksums (checked once per process, then remembered).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    name: str
    ok: bool
    detail: str
    seconds: float


class NotReady(Exception):
    pass


def _database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise NotReady("SELECT 1 gave an unexpected answer")
    return "ok"


def _cache() -> str:
    import secrets

    from django.core.cache import cache

    key = f"readyz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise NotReady("a value written was not read back")
    finally:
        cache.delete(key)
    return "ok"


def _broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "inline (no broker: slow steps run in the web process)"
    from kombu import Connection

    timeout = settings.IDRENEW_READYZ_TIMEOUT
    with Connection(
        url,
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=max(1, round(timeout)))
    return "ok"


def _storage() -> str:
    from idrenew.core.checks import storage_problems

    problems = storage_problems()
    if problems:
        raise NotReady("; ".join(problems))
    return "ok"


# Decrypting the CA bundle and loading its keys takes about 0.3 s: a success is remembered
# for CA_RECHECK_SECONDS while the bundle file is unchanged (expiry is still noticed in time).
CA_RECHECK_SECONDS = 300.0
_ca_ok: dict[str, tuple[object, float]] = {}


def _signing_ca() -> str:
    from idrenew.signing import store

    bundle = store.signing_dir() / store.BUNDLE
    try:
        stat = bundle.stat()
        stamp: object = (str(bundle), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(bundle), None)
    seen = _ca_ok.get("last")
    if seen is not None and seen[0] == stamp and time.monotonic() - seen[1] < CA_RECHECK_SECONDS:
        return "ok"
    problems = store.check_config()
    if problems:
        _ca_ok.pop("last", None)
        raise NotReady("; ".join(problems))
    _ca_ok["last"] = (stamp, time.monotonic())
    return "ok"


_models_ok = threading.Event()


def _models() -> str:
    if _models_ok.is_set():
        return "ok"
    from idrenew.face.engines import face_engine, spoof_detector

    problems: list[str] = []
    for engine in (face_engine(), spoof_detector()):
        check = getattr(engine, "check_config", None)
        if check is not None:
            problems += list(check() or [])
    problems += _ocr_model_problems()
    if problems:
        raise NotReady("; ".join(problems))
    _models_ok.set()
    return "ok"


def _ocr_model_problems() -> list[str]:
    """RapidOCR's detection, classification and recognition models, shipped in its package."""
    from pathlib import Path

    import rapidocr_onnxruntime

    folder = Path(rapidocr_onnxruntime.__file__).parent / "models"
    found = [p for p in folder.glob("*.onnx") if p.stat().st_size > 0]
    if len(found) < 3:
        return [f"card-reading models missing in {folder} (found {len(found)} of 3)"]
    return []


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
    "signing_ca": _signing_ca,
    "models": _models,
}

# Checks that outlive their deadline keep a thread until they return; a few spare threads
# let the next probes run meanwhile, and beyond that they queue and time out as well.
_pool = ThreadPoolExecutor(max_workers=len(CHECKS) * 2, thread_name_prefix="readyz")


def _run(name: str, check: Callable[[], str]) -> str:
    from django.db import connections

    try:
        return check()
    finally:
        connections.close_all()  # this thread's own connections: none left behind


def readiness(checks: dict[str, Callable[[], str]] | None = None) -> list[Part]:
    """Every part's verdict, within the deadline."""
    checks = CHECKS if checks is None else checks
    timeout = float(settings.IDRENEW_READYZ_TIMEOUT)
    started = time.monotonic()
    futures = {name: _pool.submit(_run, name, check) for name, check in checks.items()}
    deadline = started + timeout
    parts = []
    for name, future in futures.items():
        try:
            detail = future.result(timeout=max(0.0, deadline - time.monotonic()))
            ok = True
        except FutureTimeout:
            ok, detail = False, f"timeout: no answer within {timeout:g} s"
        except Exception as exc:
            ok, detail = False, _describe(exc)
        if not ok:
            logger.warning("readyz: %s not ready: %s", name, detail, extra={"part": name})
        parts.append(Part(name, ok, detail, round(time.monotonic() - started, 3)))
    return parts


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300] if not isinstance(exc, NotReady) else text[:300]


def as_body(parts: list[Part]) -> dict[str, Any]:
    failing = [p.name for p in parts if not p.ok]
    return {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": {p.name: {"ok": p.ok, "detail": p.detail} for p in parts},
    }
