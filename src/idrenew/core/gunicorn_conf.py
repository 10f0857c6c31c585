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
accesslog = "-"
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn heartbeat files
# gunicorn's control socket (for gunicornc) is not used; its default path in the home
# directory would be shared, and removed at exit, by every instance on the host.
control_socket_disable = True


def on_starting(server: Any) -> None:
    loaded = [name for name in FORK_UNSAFE_MODULES if name in sys.modules]
    if loaded:
        raise RuntimeError(
            f"the gunicorn master has loaded {', '.join(loaded)} before forking its workers: "
            "they would hang or abort at shutdown; do not preload the application"
        )
