"""`idrenew demo` and `idrenew serve` stop cleanly: no gunicorn worker hangs or aborts.

Before the fix the gunicorn master ran inside the management command, which had imported
onnxruntime (and its native thread) with the application; every worker forked from it hung
in onnxruntime's exit handlers until the master SIGKILLed it after the graceful timeout
(30 s), or aborted with ``std::system_error: Invalid argument``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 120
STOP_SECONDS = 20  # the graceful timeout is 30 s: a hung worker cannot make it in time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - our own test server
        resp.read()
        return int(resp.status)


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def _start(tmp_path: Path, port: int, command: str) -> subprocess.Popen[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"IDRENEW_DATABASE_URL", "IDRENEW_REDIS_URL", "IDRENEW_CELERY_BROKER_URL"}
    }
    env.update(
        IDRENEW_DATA_DIR=str(tmp_path / "data"),
        IDRENEW_DEMO="1",
        IDRENEW_IGNORE_BUSINESS_HOURS="1",
        PYTHONUNBUFFERED="1",
    )
    args = (
        ["demo", "--port", str(port)]
        if command == "demo"
        else ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    )
    return subprocess.Popen(
        [sys.executable, "-m", "idrenew.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a Ctrl-C to its group reaches neither pytest nor others
    )


def _read_lines(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)


def _pid(lines: list[str], pattern: str) -> int:
    for line in lines:
        found = re.search(pattern, line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"no line matches {pattern!r}:\n{''.join(lines)[-3000:]}")


@pytest.mark.parametrize(
    ("command", "how"),
    [
        ("demo", "SIGTERM to the process"),
        ("demo", "Ctrl-C to the process group"),
        ("serve", "SIGTERM to the process"),
    ],
)
def test_server_stops_without_a_worker_dying(tmp_path: Path, command: str, how: str) -> None:
    if sys.platform != "linux":
        pytest.skip("reads /proc")
    port = _free_port()
    demo = _start(tmp_path, port, command)
    lines: list[str] = []
    assert demo.stdout is not None
    reader = threading.Thread(target=_read_lines, args=(demo.stdout, lines), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert demo.poll() is None, f"idrenew {command} exited early:\n" + "".join(lines)
            try:
                if _get(f"{base}/h5/") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"idrenew {command} did not serve in time"
            time.sleep(0.5)
        assert _get(f"{base}/api/docs") == 200
        assert _get(f"{base}/api/openapi.json") == 200
        master = _pid(lines, rf"Listening at: http://127\.0\.0\.1:{port} \((\d+)\)")
        # serve becomes the master (exec: a supervisor's signals reach it); demo supervises it
        assert (master == demo.pid) is (command == "serve")
        worker = _pid(lines, r"Booting worker with pid: (\d+)")
        # Where the engines are loaded: in the worker, never in the master that forks it.
        engines_in_master = "onnxruntime" in _maps(master)
        engines_in_worker = "onnxruntime" in _maps(worker)

        if how.startswith("SIGTERM"):
            demo.send_signal(signal.SIGTERM)
        else:
            os.killpg(demo.pid, signal.SIGINT)
        started = time.monotonic()
        demo.wait(timeout=STOP_SECONDS + 30)
        took = time.monotonic() - started
        reader.join(timeout=10)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    output = "".join(lines)

    for bad in ("was sent", "exited with code", "std::system_error", "Aborted", "Traceback"):
        assert bad not in output, output[-3000:]
    assert f"Worker exiting (pid: {worker})" in output
    assert "Shutting down: Master" in output
    assert demo.returncode == 0, output[-3000:]
    assert took < STOP_SECONDS, output[-3000:]
    for pid in (master, worker):
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} is still running"
    assert engines_in_worker and not engines_in_master
