"""The database URL a test hands to a process it starts: this run's test database on the same
server, by the same way in. The embedded server's way in is a socket directory in the query."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest

from portal.dburl import url_with_database

ROOT = Path(__file__).resolve().parents[2]
URLS = [
    "postgresql://postgres:@/portal?host=/work/portal/.local/pgdata",  # the embedded server (pgserver)
    "postgres://postgres@/portal?host=%2Fhome%2Fa%20b%2F.local%2Fpgdata",
    "postgres://postgres@/portal?host=/var/run/postgresql&port=5433",
    "postgres://postgres@127.0.0.1:5432/portal",
    "postgres://user:p%40ss%2Fw@db.example:6543/portal?sslmode=require",
]


@pytest.mark.parametrize("url", URLS)
def test_a_derived_database_url_changes_the_name_and_nothing_else(url):
    derived = url_with_database(url, "test_portal")
    assert environ.Env.db_url_config(derived) == {**environ.Env.db_url_config(url), "NAME": "test_portal"}


CHILD = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_database()")
    print(cursor.fetchone()[0])
"""


def test_a_started_process_reaches_this_runs_test_database(test_database_url):
    from django.db import connection

    result = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DATABASE_URL": test_database_url,
                                 "DJANGO_SETTINGS_MODULE": "portal.settings.test"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == connection.settings_dict["NAME"]
