"""bench/load/run.py: the server-CPU figure of the load report counts a process tree's CPU,
children included (a Celery pool child, a gunicorn worker)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "bench" / "load" / "run.py"


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_load_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_tree_cpu_counts_living_and_finished_children() -> None:
    run = _run_module()
    burn = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.4: pass\n"
    before = run.tree_cpu(os.getpid())
    subprocess.run([sys.executable, "-c", burn], check=True)  # finished, waited for
    child = subprocess.Popen(  # still alive when measured
        [sys.executable, "-c", burn + "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        import time

        # The living child burns 0.4 s of CPU and then waits on stdin: wait until it has.
        deadline = time.monotonic() + 60
        while run.tree_cpu(child.pid) < 0.39 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run.tree_cpu(child.pid) >= 0.39  # a living process's own CPU
        # This process's tree: the finished child (>= 0.4 s) and the living one (>= 0.4 s).
        assert run.tree_cpu(os.getpid()) - before >= 0.78
    finally:
        child.communicate(b"")


def test_parse_seconds() -> None:
    run = _run_module()
    assert run.parse_seconds("180") == 180
    assert run.parse_seconds("3m") == 180
    assert run.parse_seconds("90s") == 90
    with pytest.raises(SystemExit):
        run.parse_seconds("three minutes")
