"""The production topology as real processes on this machine, for tests, drills and the load
test: a fresh PostgreSQL database, Redis (cache, rate limits), a Celery broker (RabbitMQ vhost
or Redis), a private S3 endpoint (moto's server mode), the test SMS gateway, gunicorn
(``idrenew serve``), Celery workers (``idrenew worker``), the outbox dispatcher and nginx with a
self-signed certificate in front, running ``deploy/nginx/idrenew.conf``. Every process logs to
``<root>/logs/<name>.log``. Nothing touches the machine's services beyond a database, a vhost
and a Redis db number of its own; nginx runs from its own config, pid file and ports.

    with Stack(Path("/tmp/x"), redis_db=1) as stack:
        stack.base_url              # https://127.0.0.1:PORT (trust stack.ca_file)
        stack.customers, stack.cards, stack.staff, stack.read_code, stack.s3_keys()
        stack.procs["worker"].kill()  # a drill
        stack.start_worker("worker2")

or from a shell (prints the URL and the environment, runs until Ctrl-C):

    python -m tests.ops.stack up [--root DIR] [--redis-db N] [--broker rabbitmq|redis]
        [--web-workers N] [--web-threads N] [--workers N] [--concurrency N]

Two hosts (item 2 of issue #13): ``Stack(..., network=Veth(...))`` puts the services behind
TCP forwarders on the veth address of the root namespace, and ``start_worker(netns=...)``
runs a worker in the other namespace with a data dir of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ops.sms_capture import SmsCapture, latest_code
from tests.security.prod_env import REPO, production_env

DEPLOY = REPO / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "idrenew.conf"
PG_ADMIN = os.environ.get("IDRENEW_OPS_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672
STAFF_USER = "approver1"
STAFF_PASSWORD = "Topo-Staff-Pass-2026!"
S3_KEY, S3_SECRET, S3_REGION = "topo-access-key", "topo-secret-key-0123456789abcdef", "us-east-1"
# The demo customers the stack prepares a card for; 80010006 is frozen (sign-in refused).
JOURNEY_ACCOUNTS = ("80010001", "80010002", "80010003", "80010004", "80010005", "80010007")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def wait_tcp(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.1)


def wait_http(
    url: str, timeout: float = 60.0, *, ca_file: str | None = None, proc: Proc | None = None
) -> None:
    """Until ``url`` answers 200 (``proc`` dead: fail at once with its log's tail)."""
    import ssl

    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https") else None
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited ({proc.returncode()}):\n{proc.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as resp:  # noqa: S310
                if resp.status == 200:
                    return
                last = str(resp.status)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = type(exc).__name__
        if time.monotonic() > deadline:
            tail = proc.tail() if proc else ""
            raise TimeoutError(f"{url} not ready after {timeout}s ({last})\n{tail}")
        time.sleep(0.25)


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    """One service process: started with its own log file, stopped gracefully or killed."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = REPO
    popen: subprocess.Popen[bytes] | None = None
    ready_url: str | None = None
    ready_log: str | None = None  # a regex the log shows once the process is ready

    def start(self) -> Proc:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            out.write(f"--- start {dt.datetime.now(dt.UTC).isoformat()} ---\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                process_group=0,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def wait_ready(self, timeout: float = 90.0, ca_file: str | None = None) -> Proc:
        if self.ready_url:
            wait_http(self.ready_url, timeout, ca_file=ca_file, proc=self)
        if self.ready_log:
            pattern = re.compile(self.ready_log)
            deadline = time.monotonic() + timeout
            while not pattern.search(self.log.read_text(errors="replace")):
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited ({self.returncode()}):\n{self.tail()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")
                time.sleep(0.2)
        return self

    def signal(self, signum: int, *, group: bool = True) -> None:
        """Send ``signum`` to the process (and its process group: gunicorn's and Celery's
        children) when alive."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL to the group after ``timeout`` s; the exit status."""
        if self.popen is None:
            return None
        if self.alive():
            self.signal(signal.SIGTERM, group=False)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(10)
        # Children left behind by a killed master (e.g. prefork workers): end them too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL to the whole process group (a drill: the host lost the process)."""
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(10)

    def restart(self, timeout: float = 90.0, ca_file: str | None = None) -> Proc:
        self.stop()
        return self.start().wait_ready(timeout, ca_file)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- PostgreSQL, RabbitMQ, TLS -------------------------------------------------------------------


@contextlib.contextmanager
def pg_database(prefix: str = "idrenew_ops") -> Iterator[str]:
    """A new, empty database on the machine's PostgreSQL; dropped afterwards. Yields its
    name."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def rabbit_vhost(prefix: str = "idrenew-ops") -> Iterator[str]:
    """A vhost of its own on the machine's RabbitMQ (guest may use it); deleted afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            _rabbitmqctl("delete_vhost", name)


def self_signed_cert(directory: Path, hosts: list[str]) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs for ``hosts`` (IPs or names), made
    with ``cryptography``: (certificate chain, key, CA certificate to trust) paths. Strict
    verifiers (OpenSSL 3 with X509_STRICT, urllib3 2) want the key identifiers and usages a
    bare self-signed leaf lacks."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idrenew topology test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    chain_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    ca_path = directory / "ca.pem"
    chain_path.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    ca_path.write_bytes(ca.public_bytes(pem))
    key_path.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return chain_path, key_path, ca_path


# --- nginx ---------------------------------------------------------------------------------------


def render_nginx_site(
    *,
    listen_https: str,
    listen_http: str,
    upstreams: list[str],
    cert: Path,
    key: Path,
    cache_dir: Path,
    staff_allow: Path,
    monitor_allow: Path,
    log_dir: Path,
) -> str:
    """``deploy/nginx/idrenew.conf`` with its addresses, ports and paths replaced (each
    replacement must find its text: the shipped file is what runs)."""
    text = NGINX_SITE.read_text()

    def sub(old: str, new: str, count: int | None = None) -> None:
        nonlocal text
        found = text.count(old)
        if not found or (count is not None and found != count):
            raise ValueError(f"deploy/nginx/idrenew.conf: expected {old!r} ({count or '≥1'}×)")
        text = text.replace(old, new)

    sub("    listen [::]:80;\n", "", 1)
    sub("    listen [::]:443 ssl http2;\n", "", 1)
    sub("    listen 80;", f"    listen {listen_http};", 1)
    sub("    listen 443 ssl http2;", f"    listen {listen_https} ssl http2;", 1)
    sub(
        "    server 127.0.0.1:8000;",
        "\n".join(f"    server {u};" for u in upstreams),
        1,
    )
    sub("/etc/idrenew/tls/fullchain.pem", str(cert), 1)
    sub("/etc/idrenew/tls/privkey.pem", str(key), 1)
    sub("/var/cache/nginx/idrenew", str(cache_dir), 1)
    sub("/etc/idrenew/nginx/staff-allow.conf", str(staff_allow))
    sub("/etc/idrenew/nginx/monitor-allow.conf", str(monitor_allow))
    sub("/var/log/nginx/idrenew.access.log", str(log_dir / "nginx-access.log"))
    sub("/var/log/nginx/idrenew.error.log", str(log_dir / "nginx-error.log"))
    return text


def nginx_main_conf(root: Path, site: Path, log_dir: Path) -> str:
    """A main nginx.conf of its own (pid, temp paths, error log); never the system's."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = root / "nginx-temp"
    temp.mkdir(parents=True, exist_ok=True)
    return f"""{user}worker_processes 1;
pid {root / "nginx.pid"};
error_log {log_dir / "nginx-error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site};
}}
"""


# --- two hosts: a veth pair and TCP forwarders ---------------------------------------------------


class Forwarder:
    """A TCP forwarder: accepts on ``listen`` and relays each connection to ``target``
    (the machine's services listen on 127.0.0.1 only; the other host reaches them here)."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.target = target
        self.sock = socket.create_server(listen, reuse_port=False)
        self.sock.settimeout(0.5)
        self.listen = self.sock.getsockname()[:2]
        self.stopping = threading.Event()
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> Forwarder:
        self.thread.start()
        return self

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(OSError):
                    conn.close()
        self.thread.join(5)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@dataclass
class Veth:
    """A network namespace joined to the root namespace by a veth pair: ``host_addr`` on the
    root side (the web host, where the services are reached), ``ns_addr`` inside ``netns``
    (the worker host)."""

    netns: str = field(default_factory=lambda: f"idrenew-w{os.getpid() % 100000}")
    host_addr: str = ""
    ns_addr: str = ""
    prefix: int = 24

    def __post_init__(self) -> None:
        if not self.host_addr:
            subnet = self._free_subnet()
            self.host_addr, self.ns_addr = f"10.231.{subnet}.1", f"10.231.{subnet}.2"
        tag = self.netns[-8:]
        self.dev_host, self.dev_ns = f"vh-{tag}"[:15], f"vn-{tag}"[:15]

    @staticmethod
    def _free_subnet() -> int:
        used = subprocess.run(
            ["ip", "-o", "addr"], capture_output=True, text=True, check=False
        ).stdout
        for subnet in range(0, 250):
            if f"10.231.{subnet}." not in used:
                return subnet
        raise RuntimeError("no free 10.231.x.0/24 subnet")

    def up(self) -> Veth:
        _ip("netns", "add", self.netns)
        try:
            _ip("link", "add", self.dev_host, "type", "veth", "peer", "name", self.dev_ns)
            _ip("link", "set", self.dev_ns, "netns", self.netns)
            _ip("addr", "add", f"{self.host_addr}/{self.prefix}", "dev", self.dev_host)
            _ip("link", "set", self.dev_host, "up")
            inside = ("netns", "exec", self.netns, "ip")
            _ip(*inside, "addr", "add", f"{self.ns_addr}/{self.prefix}", "dev", self.dev_ns)
            _ip(*inside, "link", "set", self.dev_ns, "up")
            _ip(*inside, "link", "set", "lo", "up")
        except subprocess.CalledProcessError:
            self.down()
            raise
        return self

    def down(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.dev_host)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", self.netns)

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.netns]

    def __enter__(self) -> Veth:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()


# --- the stack -----------------------------------------------------------------------------------

SETUP_SCRIPT = """
import json, sys, datetime as dt
import django
django.setup()
from django.utils import timezone
from idrenew.devkit.customers import seed_demo_customers
from idrenew.devkit.idcards import write_demo_card
from idrenew.tradingcalendar.models import TradingDayOverride
from pathlib import Path
out = Path(sys.argv[1]); accounts = set(sys.argv[2].split(","))
today = timezone.localdate()
# An operator's correction (交易日调整): today and tomorrow are trading days, so the
# topology can run on a weekend or holiday; business hours come from the environment.
for day in (today, today + dt.timedelta(days=1)):
    TradingDayOverride.objects.update_or_create(
        day=day, defaults={"is_trading_day": True, "note": "topology test"})
customers = []
for _, c in seed_demo_customers(today=today):
    if c.fund_account in accounts:
        write_demo_card(c, out, today)
        customers.append({"fund_account": c.fund_account, "mobile": c.mobile})
# Extra customers for load tests: IDs expiring in 12 days, each with a renewed card.
from idrenew.devkit.customers import DEMO_PASSWORD
from idrenew.customers.domain.idnumber import make_id_number
from idrenew.customers.models import Customer
from idrenew.customers.gateway import hash_trading_password
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
password = hash_trading_password(DEMO_PASSWORD)
for i in range(int(sys.argv[3])):
    birth = today.replace(year=today.year - 30) - dt.timedelta(days=i)
    to = today + dt.timedelta(days=12)
    c = Customer.objects.filter(fund_account=f"81{i:06d}").first() or Customer(
        fund_account=f"81{i:06d}")
    c.name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
    c.trading_account = f"11{i:06d}"
    c.set_id_number(make_id_number("310104", birth, (2 * i + 1) % 1000))
    c.set_mobile(f"139{i:08d}")
    c.id_valid_from, c.id_valid_to, c.id_long_term = to.replace(year=to.year - 10), to, False
    c.address = f"上海市徐汇区漕溪北路{i + 1}号"
    c.status = "active"
    c.trading_password = password
    c.full_clean(exclude=["reference_face"])
    c.save()
    write_demo_card(c, out, today)
    customers.append({"fund_account": c.fund_account, "mobile": c.mobile})
(out / "customers.json").write_text(json.dumps(customers))
"""


class Stack:
    """The topology; see the module docstring. ``network``: a :class:`Veth` whose root-side
    address the services are reached on (two hosts); None: everything on 127.0.0.1."""

    def __init__(
        self,
        root: Path,
        *,
        redis_db: int = 1,
        broker: str = "rabbitmq",
        web_workers: int = 2,
        web_threads: int = 4,
        worker_concurrency: int = 2,
        workers: int = 1,
        network: Veth | None = None,
        extra_env: dict[str, str] | None = None,
        name: str = "idrenew-ops",
        extra_customers: int = 0,
    ) -> None:
        self.root = root
        self.redis_db = redis_db
        self.broker = broker
        self.web_workers, self.web_threads = web_workers, web_threads
        self.worker_concurrency, self.n_workers = worker_concurrency, workers
        self.network = network
        self.extra_env = extra_env or {}
        self.extra_customers = extra_customers
        self.name = re.sub(r"[^a-z0-9_]", "_", name.lower())
        self.service_host = network.host_addr if network else "127.0.0.1"
        self.procs: dict[str, Proc] = {}
        self.logs = root / "logs"
        self.data_dir = root / "web-data"
        self.cards_dir = root / "cards"
        self.bucket = f"idrenew-{uuid.uuid4().hex[:8]}"
        self.staff = {"username": STAFF_USER, "password": STAFF_PASSWORD, "secret": ""}
        self.customers: list[dict[str, str]] = []
        self._exit = contextlib.ExitStack()
        self.forwarders: list[Forwarder] = []
        self.env: dict[str, str] = {}
        self.base_url = ""
        self.http_url = ""
        self.ca_file = ""
        self.gunicorn_bind = ""

    # -- public helpers ------------------------------------------------------------------

    @property
    def cards(self) -> dict[str, dict[str, bytes]]:
        """{fund account: {"front": jpeg, "back": jpeg}} of the prepared demo customers."""
        return {
            c["fund_account"]: {
                side: (self.cards_dir / f"{c['fund_account']}_{side}.jpg").read_bytes()
                for side in ("front", "back")
            }
            for c in self.customers
        }

    def read_code(self, customer: dict[str, str], since: float) -> str:
        deadline = time.monotonic() + 15
        while True:
            code = latest_code(self.sms.messages(customer["mobile"], since))
            if code:
                return code
            if time.monotonic() > deadline:
                raise TimeoutError("no SMS code reached the test gateway")
            time.sleep(0.1)

    def session(self) -> Any:
        """A ``requests.Session`` that trusts the stack's certificate."""
        import requests

        session = requests.Session()
        # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would override ``verify``).
        session.trust_env = False
        session.verify = self.ca_file
        return session

    def s3(self) -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name=S3_REGION,
        )

    def s3_keys(self) -> list[str]:
        keys: list[str] = []
        for page in self.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def idrenew(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 300,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``idrenew ARGS`` in the web host's production environment; raises on failure."""
        result = subprocess.run(
            [sys.executable, "-m", "idrenew.cli", *args],
            env=env or self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"idrenew {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    # -- start-up ------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def _forward(self, port: int) -> int:
        """The port on the service address that reaches the machine's service on ``port``."""
        if self.network is None:
            return port
        fwd = Forwarder((self.service_host, 0), ("127.0.0.1", port)).start()
        self.forwarders.append(fwd)
        return int(fwd.listen[1])

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        host = self.service_host
        db_name = self._exit.enter_context(pg_database(self.name))
        pg = f"postgres://postgres@{host}:{self._forward(PG_PORT)}/{db_name}"
        redis = f"redis://{host}:{self._forward(REDIS_PORT)}/{self.redis_db}"
        if self.broker == "rabbitmq":
            vhost = self._exit.enter_context(rabbit_vhost(self.name.replace("_", "-")))
            broker = f"amqp://guest:guest@{host}:{self._forward(RABBIT_PORT)}/{vhost}"
        else:
            broker = redis
        self.sms = self._exit.enter_context(SmsCapture(host))
        s3_port = free_port(host)
        self.s3_url = f"http://{host}:{s3_port}"
        moto = self._add(
            "s3",
            [sys.executable, "-m", "moto.server", "-H", host, "-p", str(s3_port)],
            dict(os.environ),
            ready_url=f"{self.s3_url}/moto-api/",
        )
        moto.start().wait_ready(60)
        self.s3().create_bucket(Bucket=self.bucket)

        https_port, http_port = free_port(), free_port()
        self.gunicorn_bind = f"127.0.0.1:{free_port()}"
        self.base_url = f"https://127.0.0.1:{https_port}"
        self.http_url = f"http://127.0.0.1:{http_port}"
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.env = production_env(
            self.data_dir,
            IDRENEW_DATABASE_URL=pg,
            IDRENEW_REDIS_URL=redis,
            IDRENEW_CACHE_PREFIX=f"{self.name}-{uuid.uuid4().hex[:6]}",
            IDRENEW_CELERY_BROKER_URL=broker,
            IDRENEW_S3_BUCKET=self.bucket,
            IDRENEW_S3_ENDPOINT_URL=self.s3_url,
            IDRENEW_S3_ACCESS_KEY=S3_KEY,
            IDRENEW_S3_SECRET_KEY=S3_SECRET,
            IDRENEW_S3_REGION=S3_REGION,
            IDRENEW_SMS_BACKEND="tests.ops.sms_capture.CaptureSmsBackend",
            IDRENEW_TEST_SMS_URL=self.sms.url,
            IDRENEW_ALLOWED_HOSTS="127.0.0.1,localhost",
            IDRENEW_BIND=self.gunicorn_bind,
            IDRENEW_WEB_WORKERS=str(self.web_workers),
            IDRENEW_WEB_THREADS=str(self.web_threads),
            # Open all day: the trading-day override (SETUP_SCRIPT) covers weekends.
            IDRENEW_BUSINESS_OPEN="00:00",
            IDRENEW_BUSINESS_CLOSE="23:59:59",
            IDRENEW_SIGNING_MIN_READ_SECONDS="2",
            IDRENEW_FACE_ATTEMPTS_PER_DAY="50",
            IDRENEW_SMS_RESPONSE_FLOOR_MS="0",
            IDRENEW_PUBLIC_H5_URL=f"{self.base_url}/h5/",
            IDRENEW_OUTBOX_BACKOFF_SECONDS="2",
            IDRENEW_LOG_LEVEL="INFO",
            # No public-security identity check in a test topology (vendor adapters are
            # tested in tests/verification); production requires the waiver to say why.
            IDRENEW_IDENTITY_CHECK_WAIVED="1",
            IDRENEW_IDENTITY_CHECK_WAIVER_REASON="拓扑测试环境，不连接公安身份核验",
            **self.extra_env,
        )
        self.setup()
        self.start_web()
        for n in range(self.n_workers):
            self.start_worker(f"worker{n + 1 if n else ''}")
        self.start_dispatcher()
        self.start_nginx()

    def setup(self) -> None:
        """Tables, the signing CA, demo customers with their card photos, the trading-day
        override and the approver (TOTP enrolled)."""
        self.idrenew("migrate")
        self.idrenew("ca", "init")
        self.cards_dir.mkdir(parents=True, exist_ok=True)
        script = subprocess.run(
            [
                sys.executable,
                "-c",
                SETUP_SCRIPT,
                str(self.cards_dir),
                ",".join(JOURNEY_ACCOUNTS),
                str(self.extra_customers),
            ],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if script.returncode != 0:
            raise RuntimeError(f"setup failed:\n{script.stdout}\n{script.stderr}")
        self.customers = json.loads((self.cards_dir / "customers.json").read_text())
        created = self.idrenew(
            "createreviewer",
            STAFF_USER,
            "--role",
            "审批员",
            "--password-stdin",
            stdin=STAFF_PASSWORD + "\n",
        )
        match = re.search(r"secret\):\s*([A-Z2-7]+)", created.stdout)
        if not match:
            raise RuntimeError(f"createreviewer printed no secret:\n{created.stdout}")
        self.staff["secret"] = match.group(1)

    def _add(self, name: str, argv: list[str], env: dict[str, str], **kw: Any) -> Proc:
        proc = Proc(name, argv, env, self.logs / f"{name}.log", **kw)
        self.procs[name] = proc
        return proc

    def start_web(self) -> Proc:
        proc = self._add(
            "web",
            [sys.executable, "-m", "idrenew.cli", "serve"],
            self.env,
            ready_url=f"http://{self.gunicorn_bind}/healthz",
        )
        return proc.start().wait_ready(180)

    def host_env(self, data_dir: Path) -> dict[str, str]:
        """The production environment of another host: its own data dir, and the signing CA
        copied there (an operator installs it on each worker host)."""
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        ca = data_dir / "ca"
        if not ca.exists():
            shutil.copytree(self.data_dir / "ca", ca)
        return {**self.env, "IDRENEW_DATA_DIR": str(data_dir), "HOME": str(data_dir)}

    def start_worker(
        self,
        name: str = "worker",
        *,
        netns: Veth | None = None,
        data_dir: Path | None = None,
        concurrency: int | None = None,
    ) -> Proc:
        """``idrenew worker`` on this host, or inside ``netns`` (another host) with a data
        dir of its own."""
        env = self.env if data_dir is None else self.host_env(data_dir)
        argv = [
            sys.executable,
            "-m",
            "idrenew.cli",
            "worker",
            "--concurrency",
            str(concurrency or self.worker_concurrency),
        ]
        if netns is not None:
            argv = netns.exec_prefix() + argv
        proc = self._add(name, argv, env, ready_log=r"celery@\S+ ready\.")
        return proc.start().wait_ready(180)

    def start_dispatcher(self) -> Proc:
        proc = self._add(
            "dispatcher",
            [sys.executable, "-m", "idrenew.cli", "outbox", "dispatch", "--loop", "1"],
            self.env,
        )
        proc.start()
        time.sleep(0.5)
        if not proc.alive():
            raise RuntimeError(f"dispatcher exited:\n{proc.tail()}")
        return proc

    def start_nginx(
        self, *, staff_allow: str = "127.0.0.1", monitor_allow: str = "127.0.0.1"
    ) -> Proc:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        tls = self.root / "tls"
        cert, key, ca = self_signed_cert(tls, ["127.0.0.1", "localhost"])
        self.ca_file = str(ca)
        conf_dir = self.root / "nginx"
        conf_dir.mkdir(exist_ok=True)
        staff = conf_dir / "staff-allow.conf"
        monitor = conf_dir / "monitor-allow.conf"
        self.set_allow_lists(staff=staff_allow, monitor=monitor_allow)
        site = conf_dir / "idrenew.conf"
        site.write_text(
            render_nginx_site(
                listen_https=self.base_url.removeprefix("https://"),
                listen_http=self.http_url.removeprefix("http://"),
                upstreams=[self.gunicorn_bind],
                cert=cert,
                key=key,
                cache_dir=self.root / "nginx-cache",
                staff_allow=staff,
                monitor_allow=monitor,
                log_dir=self.logs,
            )
        )
        main = conf_dir / "nginx.conf"
        main.write_text(nginx_main_conf(conf_dir, site, self.logs))
        check = subprocess.run(
            [nginx, "-t", "-q", "-c", str(main), "-e", str(self.logs / "nginx-error.log")],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t: {check.stderr}")
        proc = self._add(
            "nginx",
            [nginx, "-c", str(main), "-e", str(self.logs / "nginx-error.log"), "-g", "daemon off;"],
            dict(os.environ),
            ready_url=f"{self.base_url}/healthz",
        )
        return proc.start().wait_ready(30, ca_file=self.ca_file)

    def set_allow_lists(self, *, staff: str, monitor: str) -> None:
        """Rewrite the staff and monitoring allow-lists (comma-separated addresses or CIDRs)
        and reload nginx (SIGHUP: new workers with the new lists, old ones finish)."""
        conf_dir = self.root / "nginx"
        for name, addresses in (("staff-allow.conf", staff), ("monitor-allow.conf", monitor)):
            lines = "".join(f"allow {a.strip()};\n" for a in addresses.split(",") if a.strip())
            (conf_dir / name).write_text(lines + "deny all;\n")
        if "nginx" in self.procs and self.procs["nginx"].alive():
            self.procs["nginx"].signal(signal.SIGHUP, group=False)
            time.sleep(1.5)

    def down(self) -> None:
        for proc in reversed(list(self.procs.values())):
            with contextlib.suppress(Exception):
                proc.stop()
        for fwd in self.forwarders:
            fwd.stop()
        self.forwarders.clear()
        self._exit.close()

    def describe(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "ca_file": self.ca_file,
            "sms_capture_url": self.sms.url,
            "s3": {"endpoint": self.s3_url, "bucket": self.bucket},
            "staff": self.staff,
            "cards_dir": str(self.cards_dir),
            "customers": self.customers,
            "logs": str(self.logs),
            "pids": {name: p.pid for name, p in self.procs.items() if p.alive()},
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ops.stack")
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--root", default="")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--broker", choices=["rabbitmq", "redis"], default="rabbitmq")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--customers", type=int, default=0, help="extra customers (81000000…) with card photos"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra setting"
    )
    parser.add_argument("--describe-to", default="", help="also write the description (JSON) here")
    args = parser.parse_args(argv)
    import tempfile

    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="idrenew-stack-"))
    stack = Stack(
        root,
        redis_db=args.redis_db,
        broker=args.broker,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        workers=args.workers,
        worker_concurrency=args.concurrency,
        extra_customers=args.customers,
        extra_env=dict(item.split("=", 1) for item in args.env),
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with stack:
        description = stack.describe()
        description["env"] = {k: v for k, v in stack.env.items() if k.startswith("IDRENEW_")}
        text = json.dumps(description, ensure_ascii=False, indent=2)
        if args.describe_to:
            Path(args.describe_to).write_text(text)
        print(text, flush=True)
        print(f"ready: {stack.base_url}  (Ctrl-C stops)", flush=True)
        try:
            while not stopping.wait(1):
                dead = [n for n, p in stack.procs.items() if not p.alive()]
                if dead:
                    print(f"exited: {', '.join(dead)}", flush=True)
                    stopping.wait(5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
