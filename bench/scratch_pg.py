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
