"""B-1 and B-6 under real concurrency and a real crash (commits, threads, a killed process)."""

import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from billing.models import Invoice
from billing.services import invoices_issue_month
from tests.billing.conftest import post
from tests.factories import BillingContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _partners_with_activity(count, at):
    partners = []
    for _ in range(count):
        partner = PartnerFactory(credit_limit=Decimal("1000000"))
        BillingContactFactory(partner=partner)
        post(partner, "charge", "1000", at(2026, 10, 3))
        partners.append(partner)
    return partners


def _numbers():
    return sorted(Invoice.unscoped.values_list("number", flat=True))


def test_b1_b6_two_concurrent_runs_issue_each_invoice_once_without_gaps(at):
    partners = _partners_with_activity(12, at)
    barrier, issued = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            issued.append(len(invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(issued) == [0, 12]
    assert _numbers() == [f"INV{n:06d}" for n in range(1, 13)]
    assert sorted(Invoice.unscoped.values_list("partner_id", flat=True)) == sorted(p.pk for p in partners)


def test_b6_concurrent_single_partner_issues_take_consecutive_numbers(at):
    partners = _partners_with_activity(6, at)
    barrier = threading.Barrier(len(partners))

    def run(partner):
        barrier.wait()
        try:
            invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo", partner_ids=[partner.pk])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in partners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _numbers() == [f"INV{n:06d}" for n in range(1, 7)]


CRASHING_RUN = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
import django
django.setup()
from django.db.backends.utils import CursorWrapper
from billing.services import invoices as run

# After the statement that inserts the invoices (and posts their tax), stall instead of moving the
# numbering on, and say so: the parent kills us.
original = CursorWrapper.execute
def execute(self, sql, params=None):
    if sql.startswith('UPDATE "billing_documentsequence"'):
        open(sys.argv[1], "w").write("inserted")
        return original(self, "SELECT pg_sleep(60)")
    return original(self, sql, params)
CursorWrapper.execute = execute
run.invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
"""


def test_b1_a_run_killed_half_way_leaves_nothing_and_the_rerun_issues_once(at, tmp_path, test_database_url):
    partners = _partners_with_activity(5, at)
    flag = tmp_path / "flag"
    env = {**os.environ, "DATABASE_URL": test_database_url}
    process = subprocess.Popen([sys.executable, "-c", CRASHING_RUN, str(flag)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert flag.exists(), "the run never reached the point after inserting the invoices"
    process.send_signal(signal.SIGKILL)
    process.wait()
    with connection.cursor() as cursor:  # as the server does once it notices the dead client
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
    assert Invoice.unscoped.count() == 0
    assert len(invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")) == 5
    assert _numbers() == [f"INV{n:06d}" for n in range(1, 6)]
    assert len(partners) == Invoice.unscoped.count()
