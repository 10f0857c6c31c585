"""The Celery worker's side of observability (connected when ``idrenew.celery`` loads).

The worker may run on another host than the web server, so it serves its own metrics:
with ``IDRENEW_WORKER_METRICS_PORT`` set, the worker's main process listens on
``IDRENEW_WORKER_METRICS_ADDR:PORT`` (``/metrics``, the same allow-list and token as the web's)
and adds up its prefork children's counters from a multiprocess folder
(``PROMETHEUS_MULTIPROC_DIR``, or a private one made for this run and removed at exit).
Each task runs with the id of the request that submitted it (``idrenew.celery.run_task``).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery.signals import worker_init, worker_process_shutdown, worker_shutdown

from idrenew.core.observability import metrics

logger = logging.getLogger(__name__)
_made_dir: str | None = None

StartResponse = Callable[..., Any]


def prepare_multiproc_dir() -> str:
    """The folder the worker's processes write their values to, empty at the start."""
    global _made_dir
    given = metrics.multiprocess_dir()
    if given:
        folder = Path(given)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return given
    _made_dir = tempfile.mkdtemp(prefix="idrenew-worker-metrics-")
    os.environ[metrics.MULTIPROC_ENV] = _made_dir
    return _made_dir


def metrics_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """``/metrics`` of the worker: this host's worker processes, allow-list or token."""
    from django.conf import settings

    from idrenew.core.observability.access import allowed

    if environ.get("PATH_INFO", "") != "/metrics":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    if not allowed(
        client=str(environ.get("REMOTE_ADDR", "")),
        authorization=str(environ.get("HTTP_AUTHORIZATION", "")),
        allow=settings.IDRENEW_METRICS_ALLOW,
        token=settings.IDRENEW_METRICS_TOKEN,
    ):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"forbidden\n"]
    body, content_type = metrics.exposition(with_database=False)
    start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
    return [body]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_metrics(addr: str, port: int) -> WSGIServer:
    """Serve :func:`metrics_app` in a daemon thread; the server (``server_port``)."""
    server_class = _Server6 if ":" in addr else _Server
    server = make_server(addr, port, metrics_app, server_class, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


@worker_init.connect
def _on_worker_init(**kwargs: Any) -> None:
    from django.conf import settings

    port = int(settings.IDRENEW_WORKER_METRICS_PORT)
    if not port:
        return
    folder = prepare_multiproc_dir()
    server = serve_metrics(settings.IDRENEW_WORKER_METRICS_ADDR, port)
    logger.info(
        "worker metrics on %s:%s/metrics",
        settings.IDRENEW_WORKER_METRICS_ADDR,
        server.server_port,
        extra={"multiproc_dir": folder},
    )


@worker_process_shutdown.connect
def _on_child_exit(**kwargs: Any) -> None:
    metrics.mark_process_dead(os.getpid())


@worker_shutdown.connect
def _on_worker_shutdown(**kwargs: Any) -> None:
    if _made_dir:
        shutil.rmtree(_made_dir, ignore_errors=True)
