"""Real Celery worker processes for tests: on the real Redis broker and this run's test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from portal.celery import app
from portal.dburl import url_with_database

REDIS_URL = os.environ.get("REDIS_URL")
NO_REDIS = ("needs Redis: REDIS_URL, a Redis on 127.0.0.1:6379, or a redis-server binary for make test "
            "to start a throwaway one")
ROOT = Path(__file__).resolve().parents[2]


def forget_connections() -> None:
    app._pool = None
    app.amqp._producer_pool = None


def worker_database_url() -> str:
    """DATABASE_URL naming this run's test database (what the test process is connected to)."""
    return url_with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


def worker_start(*, name: str = "", env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:
    """A Celery worker process (prefork, one child) consuming every queue of the app
    (settings.CELERY_TASK_QUEUES), as `make run`'s worker does, with test settings."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
                   "DATABASE_URL": worker_database_url(), **(env or {})}
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1",
               "-Q", ",".join(app.amqp.queues), "--without-heartbeat", "--without-gossip", "--without-mingle",
               "--loglevel", "WARNING", *(["-n", f"{name}@%h"] if name else [])]
    output = log.open("w") if log else subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)


def worker_stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
