"""U-3 / issue 10 item 7: a worker killed while rendering leaves no render process behind (two
~240 MB processes stayed blocked after a pool child was killed)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import time, django
django.setup()
from vouchers.pdf import render_pool
pool = render_pool()
futures = [pool.submit(time.sleep, 120) for _ in range(2)]  # two renders that take their time
time.sleep(1)
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_v6_render_processes_end_with_the_worker_that_started_them():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    worker = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        renderers = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(renderers) == 2 and all(_alive(pid) for pid in renderers)
        worker.send_signal(signal.SIGKILL)  # as the OOM killer or `kill -9` would
        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in renderers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in renderers if _alive(pid)] == []
    finally:
        if worker.poll() is None:
            worker.kill()
