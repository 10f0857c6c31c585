"""Helpers for the operations tests (backup/restore, failure drills): environments for
``idrenew`` subprocesses, private databases and servers on free loopback ports."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
_SECRET_VARS = ("IDRENEW_SECRET_KEY", "IDRENEW_ENCRYPTION_KEYS", "IDRENEW_LOOKUP_HASH_KEY")


def database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{user}{password}@{host}/{db['NAME']}"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def same_secrets_env(data_dir: Path, database: str, **extra: str) -> dict[str, str]:
    """The environment of an ``idrenew`` process in another place (data dir, database) with
    this process's secrets: what a restore on a new machine has."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("IDRENEW_") or k in {"IDRENEW_REDIS_URL", "IDRENEW_LOG_LEVEL"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "idrenew.settings",
            "IDRENEW_DATA_DIR": str(data_dir),
            "IDRENEW_DATABASE_URL": database,
            "IDRENEW_SECRET_KEY": settings.SECRET_KEY,
            "IDRENEW_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
            "IDRENEW_LOOKUP_HASH_KEY": settings.LOOKUP_HASH_KEY,
            "IDRENEW_IGNORE_BUSINESS_HOURS": "1",
            "IDRENEW_CHECK_NETWORK": "0",
        }
    )
    env.update(extra)
    return env


def run_idrenew(
    args: list[str], env: dict[str, str], *, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``idrenew ARGS`` as an operator runs it (a new process)."""
    proc = subprocess.run(
        [sys.executable, "-m", "idrenew.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"idrenew {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout[-3000:]}\nstderr: {proc.stderr[-3000:]}"
        )
    return proc


@contextlib.contextmanager
def new_postgres_database() -> Iterator[str]:
    """A new, empty database on the same PostgreSQL server; dropped afterwards."""
    import psycopg

    db = connection.settings_dict
    name = f"drill_{uuid.uuid4().hex[:10]}"
    params: dict[str, Any] = {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(database_url())
    try:
        yield urlunsplit(url._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def require_program(name: str) -> str:
    """The program's path; on a machine without it the test skips (Debian: see
    tools/install-debian-packages.sh, which CI runs)."""
    import pytest

    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (tools/install-debian-packages.sh installs it)")
    return found


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port (no persistence), to be
    stopped and started again; never the machine's Redis."""

    def __init__(self, port: int | None = None) -> None:
        self.binary = require_program("redis-server")
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def kill(self) -> None:
        """Gone at once (SIGKILL), as a crashed or unplugged Redis."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, own port and
    socket folder), run as the ``postgres`` user when the test runs as root; never the
    machine's server."""

    def __init__(self, root: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            import pytest

            pytest.skip("PostgreSQL server binaries are not installed (postgresql)")
        self.bin = bins[-1].parent
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.log = root / "postgres.log"

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        proc = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"{argv[0]} failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/idrenew"

    def init(self) -> PrivatePostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        self.start()
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "idrenew",
        )
        return self

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            *args,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """Stop (fast: open connections are cut, as a crash or failover would) and start."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
