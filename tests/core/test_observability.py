"""Issue #13, item 3: /healthz, /readyz, /metrics, request ids and JSON logs.

The gunicorn (several workers) and Celery worker tests start real servers; the whole
journey's privacy scan is in test_log_privacy.py.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from prometheus_client import REGISTRY

from idrenew.core.errors import AppError
from idrenew.core.models import TaskRecord
from idrenew.core.observability import request_id
from idrenew.core.observability.access import allowed, parse_allow
from idrenew.core.observability.logging import JsonFormatter, RequestIdFilter, logging_config
from idrenew.core.tasks import register, task_submit
from tests.conftest import use_celery_broker


class _Refused(AppError):
    code = "OBS_TEST_REFUSED"
    default_message = "测试拒绝"


@register("tests.obs_ok")
def _ok() -> dict[str, Any]:
    return {"ok": True}


@register("tests.obs_refuse")
def _refuse() -> dict[str, Any]:
    raise _Refused()


@register("tests.obs_crash")
def _crash() -> dict[str, Any]:
    raise RuntimeError("boom")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# --- /healthz -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_touches_no_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        resp = Client().get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}


def test_healthz_answers_with_the_database_gone() -> None:
    """No database access is allowed here at all (pytest-django blocks it): still 200."""
    resp = Client().get("/healthz")
    assert resp.status_code == 200


# --- request ids ---------------------------------------------------------------------------------


def test_a_request_id_is_generated_and_returned(settings: Any) -> None:
    settings.IDRENEW_TRUST_REQUEST_ID = False
    first = Client().get("/healthz", headers={"X-Request-ID": "client-chosen-id-1"})
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])  # the client's is not used
    second = Client().get("/healthz")
    assert second["X-Request-ID"] != first["X-Request-ID"]


def test_the_proxy_request_id_is_used_when_trusted(settings: Any) -> None:
    settings.IDRENEW_TRUST_REQUEST_ID = True
    resp = Client().get("/healthz", headers={"X-Request-ID": "8f2c1e0a9b7d4c3e8f2c1e0a9b7d4c3e"})
    assert resp["X-Request-ID"] == "8f2c1e0a9b7d4c3e8f2c1e0a9b7d4c3e"
    # Not a token of safe characters (it would go into every log line): replaced.
    for bad in ["short", "x" * 65, 'a"b\nINFO fake line', "张三-李四-王五-赵六"]:
        resp = Client().get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", resp["X-Request-ID"]), bad


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(json_lines: io.StringIO, settings: Any) -> None:
    settings.IDRENEW_TRUST_REQUEST_ID = True
    rid = "req-0123456789abcdef"
    resp = Client().get("/api/tasks/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID=rid)
    assert resp.status_code == 401 and resp["X-Request-ID"] == rid
    lines = records(json_lines)
    # The access line and Django's own warning, logged after the middleware returned.
    assert {r["logger"] for r in lines} >= {"idrenew.access", "django.request"}
    assert all(r["request_id"] == rid for r in lines), lines
    access = next(r for r in lines if r["logger"] == "idrenew.access")
    assert access["route"] == "api/tasks/<task_id>" and access["status"] == 401
    assert access["method"] == "GET" and access["duration_ms"] >= 0


@pytest.mark.django_db
def test_inline_task_lines_carry_the_request_id(json_lines: io.StringIO) -> None:
    with request_id.bound("obs-inline-0001") as rid:
        task_submit(name="tests.obs_ok", arguments={})
    line = next(r for r in records(json_lines) if r["logger"] == "idrenew.core.tasks")
    assert line["request_id"] == rid and line["task"] == "tests.obs_ok"
    assert "succeeded" in line["message"]


@pytest.mark.django_db
def test_the_request_id_travels_to_the_celery_worker(
    settings: Any, json_lines: io.StringIO, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # queued: nothing runs inline
    from idrenew.celery import run_task

    # Patched where every way of queueing ends (delay() calls apply_async()).
    with (
        patch.object(run_task, "apply_async", autospec=True) as apply_async,
        request_id.bound("obs-queued-0001"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record = task_submit(name="tests.obs_ok", arguments={})
    call = apply_async.call_args
    args = call.kwargs.get("args", call.args[0] if call.args else ())
    kwargs = call.kwargs.get("kwargs", call.args[1] if len(call.args) > 1 else {})
    assert list(args) == [str(record.id)] and kwargs == {"request_id": "obs-queued-0001"}
    # What the worker does with it: the task's lines carry the submitting request's id.
    settings.CELERY_BROKER_URL = ""
    run_task.run(str(record.id), request_id="obs-queued-0001")
    line = next(r for r in records(json_lines) if r["logger"] == "idrenew.core.tasks")
    assert line["request_id"] == "obs-queued-0001"
    assert request_id.current() == ""  # nothing left bound after the task


# --- JSON lines ----------------------------------------------------------------------------------


def test_json_lines_hold_the_fields_and_only_scalar_extras() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord("idrenew.x", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    record.code = "FACE_MISMATCH"
    record.count = 3
    record.request = object()  # Django passes the request along: never written
    RequestIdFilter().filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    body = json.loads(line)
    assert body["level"] == "WARNING" and body["logger"] == "idrenew.x"
    assert body["message"] == "a b" and body["request_id"] is None
    assert body["code"] == "FACE_MISMATCH" and body["count"] == 3
    assert "request" not in body
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", body["time"])
    try:
        raise ValueError("x")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert "ValueError" in json.loads(formatter.format(record))["exception"]


def test_log_format_setting() -> None:
    assert "()" in logging_config(fmt="json", level="INFO")["formatters"]["default"]
    plain = logging_config(fmt="plain", level="DEBUG")
    assert "%(request_id)s" in plain["formatters"]["default"]["format"]
    assert plain["loggers"]["idrenew"]["level"] == "DEBUG"
    with pytest.raises(ImproperlyConfigured):
        logging_config(fmt="xml", level="INFO")


# --- /metrics --------------------------------------------------------------------------------


def test_metrics_access_rule() -> None:
    loopback = ["127.0.0.1/32", "::1/128"]
    assert allowed(client="127.0.0.1", authorization="", allow=loopback, token="")
    assert allowed(client="::ffff:127.0.0.1", authorization="", allow=loopback, token="")
    assert not allowed(client="10.0.0.5", authorization="", allow=loopback, token="")
    assert allowed(client="10.0.0.5", authorization="", allow=["10.0.0.0/8"], token="")
    assert not allowed(client="", authorization="", allow=loopback, token="")
    token = "t" * 40
    assert allowed(client="203.0.113.9", authorization=f"Bearer {token}", allow=[], token=token)
    assert not allowed(client="203.0.113.9", authorization="Bearer nope", allow=[], token=token)
    assert not allowed(client="203.0.113.9", authorization="Bearer ", allow=[], token="")
    assert parse_allow(" 10.0.0.0/8, ::1 ") == ["10.0.0.0/8", "::1"]
    with pytest.raises(ImproperlyConfigured, match="IDRENEW_METRICS_ALLOW"):
        parse_allow("10.0.0.0/8,intranet")


@pytest.mark.django_db
def test_metrics_are_not_public(settings: Any) -> None:
    settings.IDRENEW_METRICS_ALLOW = ["127.0.0.1/32"]
    settings.IDRENEW_METRICS_TOKEN = ""
    refused = Client(REMOTE_ADDR="198.51.100.7").get("/metrics")
    assert refused.status_code == 403 and refused.json()["code"] == "METRICS_FORBIDDEN"
    assert "令牌" in refused.json()["message"]
    assert Client().get("/metrics").status_code == 200  # 127.0.0.1
    settings.IDRENEW_METRICS_TOKEN = "s" * 40
    remote = Client(REMOTE_ADDR="198.51.100.7")
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "s" * 40).status_code == 200
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.django_db
def test_requests_are_counted_by_pattern_never_by_path() -> None:
    task_id = "3f0c9a52-7d1b-4e8e-9c55-0a1b2c3d4e5f"
    labels = {"route": "api/tasks/<task_id>", "method": "GET", "status": "401"}
    before = sample("idrenew_http_requests_total", **labels)
    Client().get(f"/api/tasks/{task_id}")
    assert sample("idrenew_http_requests_total", **labels) == before + 1
    unknown = {"route": "<unmatched>", "method": "GET", "status": "404"}
    before = sample("idrenew_http_requests_total", **unknown)
    Client().get("/api/no/such/7f3a9b21c0de4f55")
    assert sample("idrenew_http_requests_total", **unknown) == before + 1
    body = Client().get("/metrics").content.decode()
    assert task_id not in body and "7f3a9b21c0de4f55" not in body
    assert 'route="api/tasks/<task_id>"' in body


@pytest.mark.django_db
def test_tasks_are_timed_and_failures_counted_by_code() -> None:
    def counts() -> tuple[float, ...]:
        return (
            sample("idrenew_tasks_total", task="tests.obs_ok", outcome="succeeded"),
            sample("idrenew_task_failures_total", task="tests.obs_refuse", code="OBS_TEST_REFUSED"),
            sample("idrenew_task_failures_total", task="tests.obs_crash", code="TASK_FAILED"),
            sample("idrenew_task_duration_seconds_count", task="tests.obs_ok"),
        )

    before = counts()
    for name in ("tests.obs_ok", "tests.obs_refuse", "tests.obs_crash"):
        task_submit(name=name, arguments={})
    assert counts() == tuple(b + 1 for b in before)


@pytest.mark.django_db
def test_queue_depth_and_outbox_are_read_at_scrape_time() -> None:
    from idrenew.outbox.models import OutboxEvent

    TaskRecord.objects.create(name="idcard.read", arguments={})
    TaskRecord.objects.create(name="idcard.read", arguments={})
    from django.utils import timezone

    OutboxEvent.objects.create(
        topic="sms.notify",
        dedupe_key="k1",
        payload="{}",
        status="dead",
        next_attempt_at=timezone.now(),
    )
    body = Client().get("/metrics").content.decode()
    assert 'idrenew_task_queue{status="pending",task="idcard.read"} 2.0' in body
    assert 'idrenew_task_queue{status="pending",task="face.analyze"} 0.0' in body
    assert 'idrenew_outbox_events{status="dead",topic="sms.notify"} 1.0' in body
    assert "idrenew_database_scrape_ok 1.0" in body
    oldest = re.search(r"^idrenew_task_queue_oldest_seconds (\S+)$", body, re.M)
    assert oldest and float(oldest.group(1)) >= 0.0


# --- /readyz ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ready_when_every_part_answers() -> None:
    resp = Client().get("/readyz")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "ok" and body["failing"] == []
    parts = {"database", "cache", "broker", "storage", "signing_ca", "models"}
    assert set(body["checks"]) == parts
    assert body["checks"]["broker"]["detail"].startswith("inline")


@pytest.fixture
def silent_broker() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.django_db(transaction=True)
def test_a_hung_broker_makes_it_503_in_time(settings: Any, silent_broker: int) -> None:
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{silent_broker}//"
    settings.IDRENEW_READYZ_TIMEOUT = 1.0
    started = time.monotonic()
    resp = Client().get("/readyz")
    took = time.monotonic() - started
    assert resp.status_code == 503, resp.content
    body = resp.json()
    assert body["failing"] == ["broker"] and body["code"] == "SERVICE_NOT_READY"
    assert "稍后" in body["message"]
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["database"]["ok"]
    assert took < 3.0, took
    # Someone outside the allow-list learns which part, not why (a host or port).
    outside = Client(REMOTE_ADDR="198.51.100.7").get("/readyz").json()
    assert outside["failing"] == ["broker"] and "detail" not in outside["checks"]["broker"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_signing_ca_and_a_dead_cache_are_named(settings: Any, tmp_path: Path) -> None:
    from idrenew.signing import store

    (tmp_path / store.BUNDLE).write_bytes(b"not a bundle")
    settings.IDRENEW_SIGNING_DIR = tmp_path
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{dead}/0",
        }
    }
    body = Client().get("/readyz").json()
    assert sorted(body["failing"]) == ["cache", "signing_ca"], body
    assert "decrypted" in body["checks"]["signing_ca"]["detail"]


# --- several processes ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - local server
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
            return int(resp.status), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _value(body: str, sample_line_prefix: str) -> float:
    for line in body.splitlines():
        if line.startswith(sample_line_prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("IDRENEW_", "PROMETHEUS_")) and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(IDRENEW_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    return env


@pytest.mark.slow
def test_gunicorn_workers_add_up_and_survive_a_worker_restart(tmp_path: Path) -> None:
    port = _free_port()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "idrenew.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "1",
        ],
        # The private multiprocess folder is made under TMPDIR: here, where the test sees it.
        env={
            **_clean_env(tmp_path),
            "IDRENEW_LOG_FORMAT": "json",
            "IDRENEW_LOG_LEVEL": "DEBUG",  # probes are logged at DEBUG
            "TMPDIR": str(scratch),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(server.stdout or []), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    healthz = 'idrenew_http_requests_total{method="GET",route="healthz",status="200"}'
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not start:\n" + "".join(output))
        for _ in range(59):  # 60 in all, spread over the workers (no keep-alive)
            assert _get(f"{base}/healthz")[0] == 200
        status, body = _get(f"{base}/metrics")
        assert status == 200, body
        assert _value(body, healthz) == 60.0, body
        (folder,) = scratch.glob("idrenew-metrics-*")
        assert len(list(folder.glob("counter_*.db"))) >= 2  # files of more than one worker
        pids = {
            int(m.group(1))
            for line in output
            for m in [re.search(r"Booting worker with pid: (\d+)", line)]
            if m
        }
        assert len(pids) == 3, output
        # A worker dies and is replaced: what it counted still counts.
        os.kill(sorted(pids)[0], signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum("Booting worker" in x for x in output) < 4:
            time.sleep(0.3)
        for _ in range(10):
            assert _get(f"{base}/healthz")[0] == 200
        body = _get(f"{base}/metrics")[1]
        assert _value(body, healthz) == 70.0, body
        access = [json.loads(x) for x in output if '"idrenew.access"' in x]
        assert len(access) >= 70 and all(a["request_id"] for a in access)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert not list(scratch.glob("idrenew-metrics-*"))  # removed at exit


def _redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


BROKER = "redis://127.0.0.1:6379/2"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(BROKER), reason="needs Redis on 127.0.0.1:6379")
def test_the_celery_worker_serves_its_own_metrics_and_logs_the_request_id(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection

    redis.Redis.from_url(BROKER).flushdb()
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        db_url = f"sqlite:///{db['NAME']}"
    else:
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        db_url = f"postgres://{db['USER'] or ''}@{host}/{db['NAME']}"
    port = _free_port()
    token = "w" * 40
    env = {
        **_clean_env(tmp_path),
        "IDRENEW_CELERY_BROKER_URL": BROKER,
        "IDRENEW_DATABASE_URL": db_url,
        "IDRENEW_DATA_DIR": str(settings.DATA_DIR),
        "IDRENEW_LOG_FORMAT": "json",
        "IDRENEW_WORKER_METRICS_PORT": str(port),
        "IDRENEW_METRICS_ALLOW": "192.0.2.0/24",  # not loopback: only the token gets in
        "IDRENEW_METRICS_TOKEN": token,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "idrenew.cli", "worker", "--concurrency=2", "--loglevel=INFO"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(worker.stdout or []), daemon=True).start()
    url = f"http://127.0.0.1:{port}/metrics"
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        use_celery_broker(settings, monkeypatch, BROKER)
        names = [
            default_storage.save(f"tests/obs-{i}.txt", ContentFile(b"x" * i)) for i in range(3)
        ]
        with request_id.bound("obs-celery-rid-0001"):
            ids = [
                task_submit(name="core.checksum", arguments={"storage_name": n}).pk for n in names
            ]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = TaskRecord.objects.filter(pk__in=ids, status="succeeded").count()
            if done == len(ids):
                break
            time.sleep(0.3)
        else:
            pytest.fail("tasks not done:\n" + "".join(output))
        assert _get(url)[0] == 403  # no token, not in the allow-list
        status, body = _get(url, bearer)
        assert status == 200, body
        total = 'idrenew_tasks_total{outcome="succeeded",task="core.checksum"}'
        assert _value(body, total) == 3.0, body  # both children's counts, added up
        lines = [json.loads(x) for x in output if x.startswith("{")]
        task_lines = [x for x in lines if x["logger"] == "idrenew.core.tasks"]
        assert len(task_lines) == 3, output
        assert {x["request_id"] for x in task_lines} == {"obs-celery-rid-0001"}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
