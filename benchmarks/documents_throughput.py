"""Document throughput of the documents queue: the same invoice and statement PDFs rendered by one
Celery worker process, then by two, each a real worker on a Redis broker (REDIS_URL, else the local
Redis or a throwaway redis-server, as `make test` finds one) sharing one database, as several
document workers share the monthly run's PDFs.

Each round resets the documents, starts the workers, warms each one up (WeasyPrint loads its fonts
once per process) and then times from handing out one task per invoice until every PDF is stored.
The 1-worker time is the floor of the 2-worker row, so its ratio is what the second worker buys:
1.0 is nothing, 0.5 is twice the documents per second. On a 2-core machine two workers can at most
halve it (measured: 0.54 with the machine otherwise quiet, 0.62-0.84 while other work kept its
load average between 2 and 6), so that row has no target: it says as much about the rest of the
machine as about the portal. The targets are on the other two rows, whose floors are the same PDFs
rendered by one and by two plain processes in the same run (no broker, no task, no claim, nothing
stored): what handing the work out through Celery and the database costs. Most of that is a dozen
queries per invoice (claim, store, e-mail claim, render record), five of them commits: 40-80 ms an
invoice on a busy database, beside 0.3-0.5 s of rendering.

The rows are committed (the workers are other processes) under a partner of the benchmark's own,
on a queue of its own (a `make run` worker on the same broker takes none of them), and deleted
afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks import Result, benchmark
from billing.models import Invoice
from billing.tasks import render_and_mail_invoices
from portal.celery import app
from portal.dates import add_months, end_of_month
from portal.jobs.models import DocumentRender
from portal.tenancy.models import Partner

INVOICES = 20  # each an invoice PDF and a statement: 40 documents a round
REPEATS = 2  # rounds per measurement; the best counts
PERIOD = date(2026, 10, 1)
ROOT = Path(__file__).resolve().parent.parent
ISSUER = {"name": "Partner Portal Distribution KK", "address": "1-1-1 Otemachi, Chiyoda-ku, Tokyo 100-0004, Japan",
          "registration_number": "T8010001078218"}
BILL_TO = {"organisation": "株式会社ベンチ", "contact_name": "山田 花子", "postal_code": "100-0005", "state": "東京都",
           "city": "千代田区", "address_line1": "丸の内1-1-1", "address_line2": "", "country": "JP", "emails": []}


def _invoices(partner: Partner, count: int, first: int) -> list[int]:
    """`count` issued documents of the partner, one per month back from October 2026."""
    ids = []
    for n in range(first, first + count):
        period = add_months(PERIOD, -n)
        subtotal = Decimal(10000 + n)
        ids.append(Invoice.unscoped.create(
            partner=partner, number=f"BENCHTP{n:06d}", period_start=period, period_end=end_of_month(period),
            issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1), payment_terms="NET30", currency="JPY",
            subtotal=subtotal, tax_rate=Decimal("0.10"), tax=subtotal / 10, total=subtotal * Decimal("1.1"),
            bill_to=BILL_TO, issuer=ISSUER, language="ja").pk)
    return ids


def _reset(ids: list[int]) -> None:
    """The documents back to not rendered: stored files removed, render records deleted."""
    for invoice in Invoice.unscoped.filter(pk__in=ids):
        for stored in (invoice.pdf, invoice.statement_pdf):
            if stored:
                stored.storage.delete(stored.name)
    Invoice.unscoped.filter(pk__in=ids).update(pdf="", statement_pdf="", mailed_at=None)
    DocumentRender.objects.filter(kind__in=["invoice_pdf", "statement_pdf"],
                                  subject_id__in=[str(invoice_id) for invoice_id in ids]).delete()


def _start_worker(name: str, queues: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1",
               "-Q", ",".join(queues), "-n", f"{name}@%h", "--without-heartbeat", "--without-gossip",
               "--without-mingle", "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PORTAL_CHECKED": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _round(*, workers: int, queue: str, warm_up: list[int], timed: list[int]) -> float:
    """Seconds from handing out the timed invoices until all their PDFs are stored: the best of
    REPEATS rounds on the same warmed-up workers (a shared machine's bursts only ever add time)."""
    _reset(warm_up + timed)
    processes = [_start_worker(f"bench{n}", [queue, f"{queue}-warm-{n}"]) for n in range(workers)]
    try:
        warming = [render_and_mail_invoices.apply_async(([invoice_id],), queue=f"{queue}-warm-{n}")
                   for n, invoice_id in enumerate(warm_up[:workers])]
        for result in warming:
            result.get(timeout=180)  # each worker is up and has rendered once
        best = float("inf")
        for _ in range(REPEATS):
            _reset(timed)
            start = time.perf_counter()
            for invoice_id in timed:
                render_and_mail_invoices.apply_async(([invoice_id],), queue=queue)
            _wait_stored(timed, start + 600)
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        _stop(processes)


def _wait_stored(ids: list[int], deadline: float) -> None:
    pending = Invoice.unscoped.filter(pk__in=ids)
    while pending.filter(pdf="").exists() or pending.filter(statement_pdf="").exists():
        if time.perf_counter() > deadline:
            raise TimeoutError("the workers did not store every document within 10 minutes")
        time.sleep(0.05)


def _render_both(invoice_id: int) -> None:
    from billing.documents import invoice_pdf, statement_pdf

    invoice = Invoice.unscoped.select_related("partner", "credits").get(pk=invoice_id)
    invoice_pdf(invoice)
    statement_pdf(invoice)


def _plain(*, processes: int, warm_up: int, timed: list[int]) -> float:
    """The floor: the same PDFs rendered by `processes` plain processes forked from this one (no
    broker, no task, no claim, nothing stored), after a warm-up render here; best of REPEATS."""
    import multiprocessing

    from django.db import connection

    _render_both(warm_up)
    connection.close()  # each forked process opens its own
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        if processes == 1:
            for invoice_id in timed:
                _render_both(invoice_id)
        else:
            with multiprocessing.get_context("fork").Pool(processes, initializer=connection.close) as pool:
                pool.map(_render_both, timed, chunksize=1)
        best = min(best, time.perf_counter() - start)
    return best


@benchmark("throughput")
def documents_throughput() -> list[Result]:
    from portal.testrun import redis_for_tests

    with redis_for_tests() as (redis_url, why):  # REDIS_URL, the local Redis or a throwaway one
        if not redis_url:
            return [Result("documents throughput", 2 * INVOICES, "documents", 0.0,
                           failed=f"needs a Redis broker for the worker processes: {why}")]
        with _broker(redis_url):
            return _measure()


@contextmanager
def _broker(redis_url: str):
    """This process and the workers it starts on `redis_url` (without REDIS_URL, `make run`'s
    settings name the filesystem broker, which polls once a second: no measure of throughput)."""
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "broker_transport_options")}
    saved_env = os.environ.get("REDIS_URL")
    app.conf.update(broker_url=redis_url, result_backend=redis_url, broker_transport_options={})
    os.environ["REDIS_URL"] = redis_url
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()
        if saved_env is None:
            os.environ.pop("REDIS_URL", None)
        else:
            os.environ["REDIS_URL"] = saved_env


def _forget_connections() -> None:
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)  # the result backend, made again from the new URL


def _measure() -> list[Result]:
    partner = Partner.objects.create(name="bench", account_number=f"BENCH-TP-{os.getpid()}", currency="JPY",
                                     language="ja", time_zone="Asia/Tokyo")
    ids = _invoices(partner, INVOICES + 2, first=0)
    warm_up, timed = ids[:2], ids[2:]
    queue = f"bench-documents-{os.getpid()}"
    try:
        plain_one = _plain(processes=1, warm_up=warm_up[0], timed=timed)
        one = _round(workers=1, queue=queue, warm_up=warm_up, timed=timed)
        plain_two = _plain(processes=2, warm_up=warm_up[0], timed=timed)
        two = _round(workers=2, queue=queue, warm_up=warm_up, timed=timed)
    finally:
        _reset(ids)
        Invoice.unscoped.filter(pk__in=ids).delete()
        partner.delete()
    documents = 2 * INVOICES
    return [Result("documents (invoice + statement PDFs), 1 worker process", documents, "documents", one,
                   floor=plain_one, floor_label="1 plain process", target=1.5),
            Result("documents (invoice + statement PDFs), 2 worker processes", documents, "documents", two,
                   floor=one, floor_label="1 worker process"),
            Result("documents (invoice + statement PDFs), 2 worker processes", documents, "documents", two,
                   floor=plain_two, floor_label="2 plain processes", target=1.5)]
