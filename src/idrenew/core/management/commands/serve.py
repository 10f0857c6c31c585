from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from idrenew.core import checks
from idrenew.lib.env import envint, envstr


def gunicorn_argv(bind: str, workers: int, threads: int) -> list[str]:
    """gunicorn in a fresh interpreter that has not loaded the application (see
    ``idrenew.core.gunicorn_conf``: a worker forked from a master that has loaded the face
    and card engines hangs or aborts at shutdown)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:idrenew.core.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


def _before_handing_over() -> None:
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()


def exec_gunicorn(bind: str, workers: int, threads: int) -> NoReturn:
    """Become the gunicorn master (same process id, so a supervisor's signals reach it)."""
    _before_handing_over()
    argv = gunicorn_argv(bind, workers, threads)
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter and fixed arguments


def run_gunicorn(bind: str, workers: int, threads: int) -> int:
    """gunicorn as a child process until it exits; its exit status.

    SIGINT, SIGTERM and SIGHUP to this process stop it gracefully (SIGTERM to the master,
    which stops its workers). It runs in its own process group, so a Ctrl-C in the terminal
    reaches it only this way, once.
    """
    _before_handing_over()
    argv = gunicorn_argv(bind, workers, threads)
    server = subprocess.Popen(argv, process_group=0)  # noqa: S603 - fixed arguments

    def stop(signum: int, frame: FrameType | None) -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, stop) for signum in handled}
    try:
        return server.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if server.poll() is None:  # only if waiting itself failed
            server.kill()
            server.wait()


class Command(BaseCommand):
    help = "Serve the H5 app, the API and the back office with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=envstr("IDRENEW_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=envint("IDRENEW_WEB_WORKERS", 2))
        parser.add_argument("--threads", type=int, default=envint("IDRENEW_WEB_THREADS", 4))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checks.refuse_to_serve_on_errors()  # production: every adapter is ready
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        checks.mark_startup_checked()  # the master keeps this process id across the exec
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        exec_gunicorn(options["bind"], options["workers"], options["threads"])
