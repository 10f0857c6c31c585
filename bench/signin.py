"""Sign-in API latency with concurrent clients against a real server (gunicorn).

Starts `idrenew serve` on a free loopback port with a throw-away data directory (SQLite, or
the database named by IDRENEW_DATABASE_URL), seeds bench customers, then runs N clients in
parallel, each doing captcha + trading-password sign-in + session check, R rounds.
Prints median and p95 per endpoint, and the ratio of the sign-in to the bare engine: one
argon2 password check in-process (what a sign-in must cost at minimum).

    .venv/bin/python bench/signin.py [--clients 20] [--rounds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any, float]:
        headers = {"Content-Type": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        started = time.perf_counter()
        self.conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        resp = self.conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - started
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, json.loads(data) if data else None, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="idrenew-bench-"))
    env = {
        **os.environ,
        "IDRENEW_DATA_DIR": str(data_dir),
        "IDRENEW_IGNORE_BUSINESS_HOURS": "1",
        "IDRENEW_SIGNIN_PER_IP_PER_HOUR": "1000000",
        "IDRENEW_CAPTCHA_PER_IP_PER_MINUTE": "1000000",  # every client shares 127.0.0.1
        "IDRENEW_SMS_BACKEND": "idrenew.verification.sms.LocmemSmsBackend",
        "DJANGO_SETTINGS_MODULE": "idrenew.settings",
    }
    os.environ.update(env)
    idrenew = [sys.executable, "-m", "idrenew.cli"]
    subprocess.run([*idrenew, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*idrenew, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)

    import django

    django.setup()
    from django.contrib.auth.hashers import check_password

    from idrenew.customers.models import Customer
    from idrenew.devkit.customers import DEMO_PASSWORD
    from idrenew.lib.crypto import lookup_hash
    from idrenew.verification.models import Captcha

    accounts = list(
        Customer.objects.filter(status__in=["active", "restricted"]).values_list(
            "trading_account", flat=True
        )
    )
    stored_hash = Customer.objects.first().trading_password  # type: ignore[union-attr]
    bare = []
    for _ in range(20):
        t = time.perf_counter()
        check_password(DEMO_PASSWORD, stored_hash)
        bare.append(time.perf_counter() - t)

    port = free_port()
    server = subprocess.Popen(
        [
            *idrenew,
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        timings: dict[str, list[float]] = {
            "GET /api/auth/captcha": [],
            "POST /api/auth/password": [],
            "GET /api/session": [],
        }
        errors: list[str] = []
        lock = threading.Lock()
        answer_hash = lookup_hash("AB3D", purpose="captcha")

        def run(index: int) -> None:
            account = accounts[index % len(accounts)]
            for _ in range(args.rounds):
                client = Client(port)
                client.request("GET", "/api/meta")
                status, body, t_captcha = client.request("GET", "/api/auth/captcha")
                Captcha.objects.filter(pk=body["captcha_id"]).update(answer_hash=answer_hash)
                status, body, t_signin = client.request(
                    "POST",
                    "/api/auth/password",
                    {
                        "trading_account": account,
                        "password": DEMO_PASSWORD,
                        "captcha_id": body["captcha_id"],
                        "captcha_code": "AB3D",
                    },
                )
                status2, _, t_session = client.request("GET", "/api/session")
                with lock:
                    if status != 200 or status2 != 200:
                        errors.append(f"{status} {body}")
                    timings["GET /api/auth/captcha"].append(t_captcha)
                    timings["POST /api/auth/password"].append(t_signin)
                    timings["GET /api/session"].append(t_session)

        started = time.perf_counter()
        threads = [threading.Thread(target=run, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)

    db = os.environ.get("IDRENEW_DATABASE_URL", "sqlite").split("://")[0]
    print(
        f"sign-in benchmark: {args.clients} concurrent clients × {args.rounds} rounds, "
        f"gunicorn {args.workers} workers × 4 threads, database {db}, {os.cpu_count()} cores"
    )
    print(f"{'endpoint':<28}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        print(
            f"{name:<28}{len(values):>6}{statistics.median(values) * 1000:>12.1f}{pct(values, 0.95) * 1000:>10.1f}"
        )
    bare_median = statistics.median(bare)
    print(
        f"{'bare argon2 check (1 thread)':<28}{len(bare):>6}{bare_median * 1000:>12.1f}{pct(bare, 0.95) * 1000:>10.1f}"
    )
    signin = timings["POST /api/auth/password"]
    print(f"sign-in median / bare argon2 median: {statistics.median(signin) / bare_median:.2f}×")
    print(f"throughput: {len(signin) / wall:.1f} sign-ins/s; errors: {len(errors)}")
    if errors:
        print("first error:", errors[0])


if __name__ == "__main__":
    main()
