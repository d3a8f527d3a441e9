"""`make test`: run the whole suite against a real PostgreSQL.

Database: DATABASE_URL if set; else the server on 127.0.0.1:5432 if one answers; else the
embedded one (portal.embedded). Redis: REDIS_URL if set; else 127.0.0.1:6379 if it answers; else a
throwaway `redis-server` on a free loopback port when the binary is installed; else none, and the
Celery worker test is skipped, loudly.

PORTAL_TEST_LOCAL_POSTGRES and PORTAL_TEST_LOCAL_REDIS move the two probes (CI points them at a
closed port to run the suite as on a machine with no server, where it cannot use a network
namespace).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from portal.dburl import url_with_database
from portal.embedded import embedded_database_url, server_answers

ROOT = Path(__file__).resolve().parent.parent
LOCAL_POSTGRES = os.environ.get("PORTAL_TEST_LOCAL_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
LOCAL_REDIS = os.environ.get("PORTAL_TEST_LOCAL_REDIS", "redis://127.0.0.1:6379/0")


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def choose_database() -> str:
    if os.environ.get("DATABASE_URL"):
        return ensure_database(os.environ["DATABASE_URL"])
    if server_answers(LOCAL_POSTGRES):
        return ensure_database(url_with_database(LOCAL_POSTGRES, "portal"))
    return embedded_database_url()


def ensure_database(url: str) -> str:
    """Create the database a URL names if the server lacks it (a fresh server has only its own),
    so commands the tests run against DATABASE_URL (makemigrations --check, benchmarks) work."""
    name = urlsplit(url).path.lstrip("/")
    if not name:
        return url
    with psycopg.connect(url_with_database(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


@contextmanager
def redis_for_tests() -> Iterator[tuple[str | None, str]]:
    """(URL, where it came from): REDIS_URL, else the local Redis, else a throwaway redis-server
    (stopped afterwards), else (None, why)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"], "REDIS_URL"
        return
    local = urlsplit(LOCAL_REDIS)
    if _port_open(local.hostname or "127.0.0.1", local.port or 6379):
        yield LOCAL_REDIS, "local"
        return
    binary = shutil.which("redis-server")
    if not binary:
        yield None, f"no REDIS_URL, nothing on {local.netloc}, no redis-server binary"
        return
    with socket.socket() as sock:  # a free port: the kernel's choice, released for redis-server
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="portal-test-redis-") as workdir:
        server = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while not _port_open("127.0.0.1", port) and server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if _port_open("127.0.0.1", port):
                yield f"redis://127.0.0.1:{port}/0", "throwaway redis-server"
            else:
                yield None, f"{binary} did not start"
        finally:
            server.terminate()
            server.wait(timeout=10)


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    env["DATABASE_URL"] = choose_database()
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    with redis_for_tests() as (redis_url, source):
        if redis_url:
            env["REDIS_URL"] = redis_url
        print(f"make test: database {env['DATABASE_URL'].split('@')[-1]}, redis "
              + (f"{redis_url} ({source})" if redis_url else f"none: {source}; the Celery worker test is SKIPPED"),
              flush=True)
        if shutil.which("msgfmt"):
            subprocess.run([sys.executable, "manage.py", "compilemessages", "--ignore", ".venv", "-v", "0"],
                           cwd=ROOT, env=env, check=True)
        return subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
