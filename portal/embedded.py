"""The embedded default: a real PostgreSQL kept in `.local/pgdata` when no DATABASE_URL is set.

`pgserver` ships PostgreSQL binaries in its wheel, so a fresh machine needs no database server.
The server is reference-counted by pgserver: it stops when the last process holding it exits.
Only used outside production; production settings require DATABASE_URL.
"""

import os
from pathlib import Path

import psycopg

from portal.dburl import url_with_database

LOCAL_DIR = Path(__file__).resolve().parent.parent / ".local"
DATABASE_NAME = "portal"
_server = None  # keeps pgserver's handle alive for this process


def ensure_database_url() -> None:
    """Set DATABASE_URL to the embedded server unless one is configured."""
    if os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production"):
        return
    os.environ["DATABASE_URL"] = embedded_database_url()


def embedded_database_url(database: str = DATABASE_NAME) -> str:
    global _server
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("XDG_RUNTIME_DIR"):  # pgserver keeps its socket lock files there
        runtime = LOCAL_DIR / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pgserver  # imported late: only this path needs it

    if _server is None:
        _server = pgserver.get_server(LOCAL_DIR / "pgdata", cleanup_mode="stop")
    admin_uri = _server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return url_with_database(admin_uri, database)


def server_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.Error:
        return False
