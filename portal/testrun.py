"""`make test`: run the whole suite against a real PostgreSQL.

Database: DATABASE_URL if set; else the server on 127.0.0.1:5432 if one answers; else the
embedded one (portal.embedded). Redis: REDIS_URL if set; else 127.0.0.1:6379 if it answers
(the Celery worker test needs it and is skipped, loudly, without one).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from portal.embedded import embedded_database_url, server_answers

ROOT = Path(__file__).resolve().parent.parent
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def choose_database() -> str:
    if os.environ.get("DATABASE_URL"):
        return ensure_database(os.environ["DATABASE_URL"])
    if server_answers(LOCAL_POSTGRES):
        return ensure_database(LOCAL_POSTGRES.rsplit("/", 1)[0] + "/portal")
    return embedded_database_url()


def ensure_database(url: str) -> str:
    """Create the database a URL names if the server lacks it (a fresh server has only its own),
    so commands the tests run against DATABASE_URL (makemigrations --check, benchmarks) work."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not parts.hostname:
        return url
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    env["DATABASE_URL"] = choose_database()
    if not env.get("REDIS_URL") and _port_open("127.0.0.1", 6379):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    print(f"make test: database {env['DATABASE_URL'].split('@')[-1]}, "
          f"redis {env.get('REDIS_URL') or 'none (Celery worker test skipped)'}", flush=True)
    if shutil.which("msgfmt"):
        subprocess.run([sys.executable, "manage.py", "compilemessages", "--ignore", ".venv", "-v", "0"],
                       cwd=ROOT, env=env, check=True)
    return subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
