"""Shared by the benchmarks that load a throw-away PostgreSQL database."""

from __future__ import annotations

import platform
import subprocess
from urllib.parse import urlparse


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "?"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "?"


def admin_sql(url: str, sql: str) -> None:
    """Run one statement on the server's maintenance database (for CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def scratch_database(url: str, *, data_prefix: str, env: dict[str, str] | None = None) -> str:
    """(Re)create the scratch database named in ``url`` and set Django up on it.

    Refuses any name not starting with ``bench_``: the database is dropped. Returns its name.
    """
    import os
    import sys
    import tempfile

    dbname = urlparse(url).path.lstrip("/")
    if not dbname.startswith("bench_"):
        sys.exit("refusing: the scratch database's name must start with bench_ (it is dropped)")
    admin_sql(url, f'DROP DATABASE IF EXISTS "{dbname}"')
    admin_sql(url, f'CREATE DATABASE "{dbname}"')
    os.environ.update(
        {
            "IDRENEW_DATABASE_URL": url,
            "IDRENEW_DATA_DIR": tempfile.mkdtemp(prefix=data_prefix),
            "DJANGO_SETTINGS_MODULE": "idrenew.settings",
            **(env or {}),
        }
    )
    import django

    django.setup()
    return dbname


def drop_scratch_database(url: str, dbname: str) -> None:
    from django.db import connections

    connections.close_all()
    admin_sql(url, f'DROP DATABASE IF EXISTS "{dbname}"')
