"""The production topology, started from the repository and driven over HTTPS (issue #13,
items 1 and 2).

One stack for the module (tests/ops/stack.py): Debian nginx running deploy/nginx/idrenew.conf
with a throwaway CA's certificate, gunicorn (``idrenew serve``), a Celery worker on RabbitMQ
(a vhost of its own; Redis when no RabbitMQ runs), PostgreSQL (a database of its own), Redis,
moto's S3 server, the outbox dispatcher and the test SMS gateway, all with
IDRENEW_ENV=production. The services are reached over a veth pair (10.231.x.1 in the root
namespace, through TCP forwarders: the machine's PostgreSQL, Redis and RabbitMQ listen on
127.0.0.1 only) so that the second test can put the worker on another "host" (a network
namespace) with a data dir of its own.

1. One whole customer journey through https (SMS sign-in, face clip, both card photos,
   confirmation, the two agreements read and hand-signed, submission), an approver's decision
   through the staff API with a TOTP code, the dispatcher's counter update and SMS; the case's
   files are in the bucket and none is on the web host's disk.
2. The worker moved to the other host: the next journey's liveness, OCR and signing run there,
   and its data dir holds no case file afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops import journey
from tests.ops.stack import Stack, Veth

pytestmark = [pytest.mark.slow, pytest.mark.topology]

# What may be on a host's disk under its data dir: the signing CA, the CFMMC batch folder
# (built-in adapter, encrypted), collected static files and onnxruntime's cache in $HOME.
# Anything else (files/, uploads, clips, photos, PDFs) would be case data off the bucket.
ALLOWED_TOP = {"ca", "cfmmc", "static", ".cache"}
CASE_FILE = re.compile(r"\.(jpe?g|png|webp|mp4|webm|pdf|f32|img|enc)$")


def _missing() -> str | None:
    if not shutil.which("nginx"):
        return "nginx is not installed (tools/install-debian-packages.sh installs it)"
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            pass
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            pass
    except OSError:
        return "PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must be running"
    return None


def _rabbitmq() -> bool:
    if not shutil.which("rabbitmqctl"):
        return False
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


def _can_make_namespaces() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


@pytest.fixture(scope="module")
def veth() -> Iterator[Veth | None]:
    if not _can_make_namespaces():
        yield None
        return
    with Veth() as net:
        yield net


@pytest.fixture(scope="module")
def stack(veth: Veth | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("topology")
    with Stack(
        root,
        redis_db=1,
        broker="rabbitmq" if _rabbitmq() else "redis",
        web_workers=2,
        web_threads=4,
        worker_concurrency=2,
        network=veth,
        name="topo",
    ) as running:
        yield running


def case_files_on_disk(data_dir: Path) -> list[str]:
    """Paths under ``data_dir`` that are not in an allowed folder, and case-like files
    anywhere but the allowed CA/CFMMC/static/cache folders."""
    found = []
    for path in data_dir.rglob("*"):
        rel = path.relative_to(data_dir)
        if rel.parts[0] not in ALLOWED_TOP:
            found.append(str(rel))
    return sorted(found)


def run_journey(stack: Stack, fund_account: str) -> tuple[Any, dict[str, Any]]:
    customer = next(c for c in stack.customers if c["fund_account"] == fund_account)
    session = stack.session()
    submitted = journey.customer_journey(
        session, stack.base_url, customer, stack.read_code, stack.cards[fund_account]
    )
    assert submitted["state"] == "submitted", submitted
    token = journey.staff_token(
        session,
        stack.base_url,
        stack.staff["username"],
        stack.staff["password"],
        stack.staff["secret"],
    )
    decision = journey.approve(session, stack.base_url, token, submitted["reference"])
    assert decision["kind"] == "approve" and decision["case_state"] == "approved", decision
    return session, submitted


def test_one_journey_through_the_production_topology(stack: Stack) -> None:
    keys_before = set(stack.s3_keys())
    session, submitted = run_journey(stack, "80010001")  # restricted for the expired ID only

    # The dispatcher delivers the counter update; the approval lifted the only restriction.
    deadline_state = journey.wait_for_state(session, stack.base_url, "approved")
    assert deadline_state["reference"] == submitted["reference"]
    status = deadline_state
    for _ in range(60):
        status = journey.case_status(session, stack.base_url)
        if status.get("trading_restored"):
            break
        time.sleep(0.5)
    assert status["trading_restored"] is True, status
    mobile = next(c["mobile"] for c in stack.customers if c["fund_account"] == "80010001")
    texts = [m["text"] for m in stack.sms.messages(mobile)]
    assert any("已受理" in t for t in texts) and any("已通过" in t for t in texts), texts

    # The case's files are in the bucket: face frame and embedding, both card photos and
    # the portrait, the hand signature, the two signed PDFs …
    new = set(stack.s3_keys()) - keys_before
    prefixes = {k.split("/")[0] + "/" + k.split("/")[1] for k in new}
    assert {"face/best", "idcard/photos", "idcard/cards", "signing/pdf", "signing/signatures"} <= (
        prefixes
    ), sorted(new)
    assert sum(k.startswith("idcard/photos/") for k in new) == 2
    assert sum(k.startswith("signing/pdf/") for k in new) == 2
    # … and none on the web host's disk.
    assert case_files_on_disk(stack.data_dir) == []
    assert not list((stack.data_dir / "static").rglob("*.pdf"))

    # The signed PDF comes back through nginx from the bucket.
    documents = status["documents"]
    assert len(documents) == 2
    pdf = session.get(stack.base_url + documents[0]["download_url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store, private"

    # Every process logged to its own file (the observability checks read them).
    for name in ("web", "worker", "dispatcher", "s3", "nginx-access"):
        log = stack.logs / f"{name}.log"
        assert log.exists() and log.stat().st_size > 0, name


def test_nginx_limits_probes_and_redirect(stack: Stack) -> None:
    session = stack.session()
    base = stack.base_url
    # /healthz is open on both schemes; everything else on http redirects to https.
    assert session.get(f"{stack.http_url}/healthz", timeout=10).status_code == 200
    moved = session.get(f"{stack.http_url}/h5/", timeout=10, allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")
    ok = session.get(f"{base}/healthz", timeout=10)
    assert ok.status_code == 200
    assert "max-age=" in ok.headers.get("Strict-Transport-Security", "")
    # From the monitoring allow-list: every part of the topology is ready (database, cache,
    # broker, bucket, signing CA, models), and the metrics are there.
    # (A probe repeats: the first ones after start-up may time out while a web worker loads
    # the models and the CA — each check has IDRENEW_READYZ_TIMEOUT, 2 s — on a busy machine.)
    deadline = time.monotonic() + 90
    while (ready := session.get(f"{base}/readyz", timeout=30)).status_code != 200:
        assert time.monotonic() < deadline, ready.text
        time.sleep(2)
    assert ready.json()["failing"] == [], ready.text
    scraped = session.get(f"{base}/metrics", timeout=30)
    assert scraped.status_code == 200 and "# TYPE" in scraped.text
    # /readyz and /metrics only from the monitoring allow-list (here: not this client).
    stack.set_allow_lists(staff="127.0.0.1", monitor="192.0.2.10")
    try:
        for path in ("/readyz", "/metrics"):
            assert session.get(base + path, timeout=10).status_code == 403, path
        # The back office and the staff API only from the staff allow-list.
        stack.set_allow_lists(staff="192.0.2.10", monitor="127.0.0.1")
        assert session.get(f"{base}/admin/login/", timeout=10).status_code == 403
        assert session.get(f"{base}/api/staff/me", timeout=10).status_code == 403
        assert session.get(f"{base}/h5/", timeout=10).status_code == 200  # customers: open
    finally:
        stack.set_allow_lists(staff="127.0.0.1", monitor="127.0.0.1")
    assert session.get(f"{base}/admin/login/", timeout=10).status_code == 200
    # Static files through the app (WhiteNoise), kept by nginx's cache; HTML carries the CSP.
    page = session.get(f"{base}/h5/", timeout=10)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', page.text)
    assert assets, page.text[:500]
    first = session.get(base + assets[0], timeout=10)
    again = session.get(base + assets[0], timeout=10)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert "public" in first.headers.get("Cache-Control", "")
    assert again.headers.get("X-Cache-Status") == "HIT", again.headers
    assert "Content-Security-Policy" in page.headers
    # A card photo over the app's limit is refused by nginx with the app's own code.
    over = session.post(
        f"{base}/api/cases/current/idcard/front",
        data=b"x" * (10304 * 1024 + 1),
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Origin": base,
        },
        timeout=30,
    )
    assert over.status_code == 413 and over.json()["code"] == "IMAGE_TOO_LARGE", over.text


def test_scale_out_worker_on_another_host(stack: Stack, veth: Veth | None) -> None:
    if veth is None:
        pytest.skip("network namespaces need root and iproute2 (ip)")
    # The web host's worker stops; the only worker left runs in the other namespace with
    # its own data dir, reaching PostgreSQL, the broker and S3 over the veth pair.
    stack.procs["worker"].stop()
    remote_dir = stack.root / "worker-host-data"
    remote = stack.start_worker("worker-remote", netns=veth, data_dir=remote_dir)
    inside = subprocess.run(
        [*veth.exec_prefix(), "ip", "-o", "-4", "addr"], capture_output=True, text=True, check=True
    ).stdout
    assert veth.ns_addr in inside and veth.host_addr not in inside
    assert stack.service_host == veth.host_addr
    assert f"@{veth.host_addr}:" in stack.env["IDRENEW_DATABASE_URL"]

    keys_before = set(stack.s3_keys())
    run_journey(stack, "80010002")
    # liveness, two OCR reads and the signing ran on the remote worker
    done = re.findall(r"Task idrenew\.run_task\[[^\]]+\] succeeded", remote.log.read_text())
    assert len(done) >= 4, remote.tail()
    new = set(stack.s3_keys()) - keys_before
    assert sum(k.startswith("signing/pdf/") for k in new) == 2
    assert sum(k.startswith("idcard/photos/") for k in new) == 2
    # Neither host keeps a case file on its disk.
    assert case_files_on_disk(remote_dir) == []
    assert case_files_on_disk(stack.data_dir) == []
    assert not [
        p for p in remote_dir.rglob("*") if CASE_FILE.search(p.name) and "ca" not in p.parts
    ]
    remote.stop()
