from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.core import checks
from idrenew.lib.env import envint, envstr


def run_gunicorn(bind: str, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            self.cfg.set("worker_tmp_dir", "/dev/shm")  # noqa: S108 - gunicorn heartbeat files

        def load(self) -> Any:
            from idrenew.wsgi import application

            return application

    Application().run()


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
        checks.mark_startup_checked()
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        run_gunicorn(options["bind"], options["workers"], options["threads"])
