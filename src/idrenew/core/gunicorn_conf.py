"""gunicorn settings of ``idrenew serve`` and ``idrenew demo`` (``--config python:…``).

The master process must not load the application. Importing it imports onnxruntime (the
face and card engines), and importing onnxruntime starts a native thread. A worker forked
from a process with that thread inherits onnxruntime's state but not the thread, so at exit
onnxruntime's static destructors wait for it forever (``pthread_cond_destroy``) or abort on
joining it (``std::system_error: Invalid argument``): every worker then died by SIGKILL after
the graceful timeout, or by SIGABRT, on each shutdown. So gunicorn runs in a fresh
interpreter (``serve.gunicorn_argv``), never preloads, and each worker loads the application
after the fork; :func:`on_starting` refuses a master that has the engines loaded anyway.
"""

from __future__ import annotations

import sys
from typing import Any

# Libraries whose import starts native threads that a forked worker cannot shut down.
FORK_UNSAFE_MODULES = ("onnxruntime",)

wsgi_app = "idrenew.wsgi:application"
preload_app = False
timeout = 120
# No access log of gunicorn's own: its lines hold the raw path and query string (signed
# links); the application writes one line per request with the URL pattern and request id
# (core/observability/middleware.py).
accesslog = None
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn heartbeat files
# gunicorn's control socket (for gunicornc) is not used; its default path in the home
# directory would be shared, and removed at exit, by every instance on the host.
control_socket_disable = True


def on_starting(server: Any) -> None:
    _prepare_multiproc_dir()
    loaded = [name for name in FORK_UNSAFE_MODULES if name in sys.modules]
    if loaded:
        raise RuntimeError(
            f"the gunicorn master has loaded {', '.join(loaded)} before forking its workers: "
            "they would hang or abort at shutdown; do not preload the application"
        )


# --- Prometheus multiprocess mode (core/observability/metrics.py) -----------------------------
# Each worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds up
# every worker's. The folder must be set before a worker makes its first metric (workers
# inherit the master's environment) and be empty at each start: without one given, the master
# makes a private one per start and removes it at exit.
_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
_made_multiproc_dir: str | None = None


def _prepare_multiproc_dir() -> None:
    global _made_multiproc_dir
    import os
    import tempfile
    from pathlib import Path

    given = os.environ.get(_MULTIPROC)
    if given:
        folder = Path(given)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # a previous run's values
            stale.unlink()
    else:
        _made_multiproc_dir = tempfile.mkdtemp(prefix="idrenew-metrics-")
        os.environ[_MULTIPROC] = _made_multiproc_dir


def child_exit(server: Any, worker: Any) -> None:
    from idrenew.core.observability.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _made_multiproc_dir:
        import shutil

        shutil.rmtree(_made_multiproc_dir, ignore_errors=True)
