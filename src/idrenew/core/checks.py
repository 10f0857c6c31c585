"""Deployment checks: every adapter's ``check_config()`` as a Django system check.

``idrenew check --deploy`` lists the problems with stable ids; in production the web server
refuses to start while one is left (:func:`refuse_to_serve_on_errors`, called by ``idrenew
serve`` and ``idrenew.wsgi``). Start-up of any process (every command) runs only the cheap
part: each adapter loads and, in production, is one meant for production.

| id | adapter | setting |
|---|---|---|
| idrenew.E001 | SMS backend | IDRENEW_SMS_BACKEND |
| idrenew.E002 | counter gateway | IDRENEW_COUNTER_GATEWAY |
| idrenew.E003 | face engine | IDRENEW_FACE_ENGINE |
| idrenew.E004 | passive anti-spoofing | IDRENEW_FACE_SPOOF_DETECTOR |
| idrenew.E005 | CFMMC adapter | IDRENEW_CFMMC_ADAPTER |
| idrenew.E006 | file storage | IDRENEW_S3_* / IDRENEW_DATA_DIR |
| idrenew.E007 | signing CA | IDRENEW_SIGNING_DIR |
| idrenew.E008 | identity check (公安身份核验) | IDRENEW_FACE_IDENTITY_VERIFIER |
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Adapter:
    id: str
    label: str  # Chinese / English, shown before each problem
    setting: str
    load: Callable[[], Any]  # the adapter instance, or an object with check_config()


class _Function:
    """Gives a module-level ``check_config`` function the adapter's shape."""

    def __init__(self, check_config: Callable[[], list[str]]) -> None:
        self.check_config = check_config


def _sms() -> Any:
    from idrenew.verification.sms import sms_backend

    return sms_backend()


def _counter() -> Any:
    from idrenew.customers.gateway import counter_gateway

    return counter_gateway()


def _face() -> Any:
    from idrenew.face.engines import face_engine

    return face_engine()


def _spoof() -> Any:
    from idrenew.face.engines import spoof_detector

    return spoof_detector()


def _cfmmc() -> Any:
    from idrenew.outbox.cfmmc import cfmmc_adapter

    return cfmmc_adapter()


def _storage() -> Any:
    return _Function(storage_problems)


def _signing() -> Any:
    from idrenew.signing import store

    return _Function(store.check_config)


def _identity() -> Any:
    from idrenew.face.identity import identity_verifier

    return identity_verifier() or _Function(lambda: [])  # none: production needs a waiver


ADAPTERS = [
    Adapter("idrenew.E001", "短信通道 / SMS backend", "IDRENEW_SMS_BACKEND", _sms),
    Adapter("idrenew.E002", "柜台接口 / counter gateway", "IDRENEW_COUNTER_GATEWAY", _counter),
    Adapter("idrenew.E003", "人脸引擎 / face engine", "IDRENEW_FACE_ENGINE", _face),
    Adapter("idrenew.E004", "静默活体 / spoof detector", "IDRENEW_FACE_SPOOF_DETECTOR", _spoof),
    Adapter("idrenew.E005", "监控中心报送 / CFMMC adapter", "IDRENEW_CFMMC_ADAPTER", _cfmmc),
    Adapter("idrenew.E006", "文件存储 / file storage", "IDRENEW_S3_BUCKET", _storage),
    Adapter("idrenew.E007", "电子签名 CA / signing CA", "IDRENEW_SIGNING_DIR", _signing),
    Adapter(
        "idrenew.E008",
        "公安身份核验 / identity check",
        "IDRENEW_FACE_IDENTITY_VERIFIER",
        _identity,
    ),
]


def _error(adapter: Adapter, problem: str) -> checks.Error:
    return checks.Error(
        f"{adapter.label}: {problem}",
        hint=f"检查配置 / check {adapter.setting}",
        id=adapter.id,
    )


def _load(adapter: Adapter) -> tuple[Any, checks.Error | None]:
    try:
        return adapter.load(), None
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # an adapter that cannot even load is the problem reported
        return None, _error(adapter, f"cannot be loaded ({exc.__class__.__name__}: {exc})")


@checks.register("idrenew", deploy=True)
def check_adapters(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every adapter's ``check_config()`` (``idrenew check --deploy``)."""
    messages: list[checks.CheckMessage] = []
    for adapter in ADAPTERS:
        instance, error = _load(adapter)
        if error is not None:
            messages.append(error)
            continue
        check_config = getattr(instance, "check_config", None)
        if check_config is None:
            messages.append(_error(adapter, f"{type(instance).__name__} has no check_config()"))
            continue
        try:
            problems = list(check_config() or [])
        except Exception as exc:
            problems = [f"check_config() failed ({exc.__class__.__name__}: {exc})"]
        messages.extend(_error(adapter, problem) for problem in problems)
    return messages


@checks.register("idrenew")
def check_adapters_load(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """At every start: the adapters named in the settings load (no I/O, no network)."""
    messages: list[checks.CheckMessage] = []
    for adapter in ADAPTERS:
        _instance, error = _load(adapter)
        if error is not None:
            messages.append(error)
    return messages


def refuse_sms_backend_not_for_production() -> None:
    """Production does not start with a backend that writes codes to a log (or keeps them)."""
    if not settings.PRODUCTION:
        return
    from django.utils.module_loading import import_string

    path = settings.IDRENEW_SMS_BACKEND
    cls = import_string(path)
    if not getattr(cls, "production_ready", True):
        raise ImproperlyConfigured(
            f"IDRENEW_SMS_BACKEND={path}: {cls.__name__} is not for production (it does not "
            "deliver the codes to customers, or writes them to the log); production refuses "
            "it: set IDRENEW_SMS_BACKEND to your SMS gateway's SmsBackend "
            "(see idrenew/verification/sms.py)"
        )


def refuse_to_serve_on_errors() -> None:
    """In production, raise ImproperlyConfigured listing every error of ``check --deploy``."""
    if not settings.PRODUCTION:
        return
    found = checks.run_checks(include_deployment_checks=True)
    errors = [m for m in found if m.is_serious() and not m.is_silenced()]
    if errors:
        raise ImproperlyConfigured(
            "idrenew 拒绝启动 / refuses to start (idrenew check --deploy):\n"
            + "\n".join(str(e) for e in errors)
        )


def storage_problems() -> list[str]:
    """Where uploaded files go: the S3 bucket answers (bounded wait), or the folder is
    writable."""
    if settings.S3_BUCKET:
        return _s3_problems()
    storage = cast(dict[str, Any], settings.STORAGES["default"])
    root = Path(storage.get("OPTIONS", {}).get("location") or settings.MEDIA_ROOT)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".check-"):
            pass
    except OSError as exc:
        return [f"{root} is not a writable folder ({exc.strerror}): see IDRENEW_DATA_DIR"]
    return []


def _s3_problems() -> list[str]:
    storage = cast(dict[str, Any], settings.STORAGES["default"])
    options: dict[str, Any] = storage.get("OPTIONS", {})
    bucket = settings.S3_BUCKET
    if not (options.get("access_key") and options.get("secret_key")):
        return [f"bucket {bucket}: IDRENEW_S3_ACCESS_KEY and IDRENEW_S3_SECRET_KEY must be set"]
    if not settings.IDRENEW_CHECK_NETWORK:
        return []
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    client = boto3.client(
        "s3",
        endpoint_url=options.get("endpoint_url"),
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
        region_name=options.get("region_name"),
        config=Config(
            connect_timeout=3, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"}
        ),
    )
    try:
        client.head_bucket(Bucket=bucket)
    except (BotoCoreError, ClientError) as exc:
        return [f"bucket {bucket} does not answer ({exc.__class__.__name__}: {exc})"]
    return []


STARTUP_CHECKED = "IDRENEW_STARTUP_CHECKED"


def mark_startup_checked() -> None:
    """``idrenew serve`` checked before starting gunicorn: its workers need not again."""
    os.environ[STARTUP_CHECKED] = str(os.getpid())


def startup_checked() -> bool:
    return os.environ.get(STARTUP_CHECKED) == str(os.getppid())
