"""Scale out: the PDF stage of the monthly run (B-4) and whole-order PDFs (V-6) shared by two real
Celery worker processes on one Redis broker and one database. Every document is made exactly
once, however often it is handed out: no duplicates, no misses, and both workers take a share."""

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader

from billing.models import Invoice
from billing.services import BillableItem, invoices_issue_month
from billing.tasks import render_and_mail_invoices
from portal.celery import app
from portal.jobs.models import DocumentRender, ProgressStatus, TaskProgress
from portal.outbox import outbox_hand_overs_wait
from portal.tenancy.roles import Role
from tests.billing.conftest import post
from tests.conftest import member
from tests.factories import BillingContactFactory, PartnerFactory, PriceEntryFactory, PriceTableFactory, ProductFactory
from tests.faults.workers import wait, worker_start, worker_stop
from vouchers.models import VoucherOrder
from vouchers.tasks import build_order_pdf

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

PARTNERS = 8
VOUCHERS = 40
WORKERS = ("documents1", "documents2")


def _month_of_orders(partner, lines: int) -> None:
    from datetime import UTC, datetime

    for n in range(lines):
        post(partner, "charge", "1990", datetime(2026, 10, 1 + n % 28, 3, tzinfo=UTC), reference=f"VO-{n + 1}",
             items=[BillableItem("SSL DV (1Y)", 1, Decimal("1990"))])


def _order_pdf_job(client: Client):
    """A partner admin's order of VOUCHERS codes and its whole-order PDF asked for (U-3)."""
    partner = PartnerFactory(name="Vouchers KK", time_zone="UTC")
    BillingContactFactory(partner=partner)
    product = ProductFactory(code="ssl-dv", name="SSL DV", max_years=1)
    PriceEntryFactory(table=PriceTableFactory(partner=partner), product=product, years=1,
                      offered_price=Decimal("1000"))
    client.force_login(member(partner, Role.PARTNER_ADMIN))
    answer = client.post("/api/v1/voucher-orders/", {"lines": [{"product": product.pk, "years": 1, "quantity": VOUCHERS,
                                                                "fqdns": 1, "wildcards": 0}]},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    order = VoucherOrder.objects.for_partner(partner).get(pk=answer.json()["id"])
    client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    return order, TaskProgress.objects.for_partner(partner).get()


@pytest.fixture
def workers(broker, tmp_path, settings):
    """Two worker processes, each consuming every queue, both up before any work is handed out."""
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {"PORTAL_MEDIA_ROOT": str(settings.MEDIA_ROOT), "PORTAL_TEST_EMAIL_DIR": str(tmp_path / "mail"),
           "PORTAL_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}
    processes = [worker_start(name=name, env=env, log=tmp_path / f"{name}.log") for name in WORKERS]
    try:
        answering = wait(lambda: len(app.control.ping(timeout=0.5)) >= len(WORKERS), 60, 0.5)
        assert answering, [(tmp_path / f"{name}.log").read_text() for name in WORKERS]
        yield tmp_path
    finally:
        for process in processes:
            worker_stop(process)


def test_b4_v6_two_workers_make_every_invoice_statement_and_order_pdf_exactly_once(workers):
    partners = [PartnerFactory(name=f"Scale {n} KK") for n in range(PARTNERS)]
    for n, partner in enumerate(partners):
        BillingContactFactory(partner=partner, emails=[f"billing{n}@example.test"])
        _month_of_orders(partner, lines=5 + 40 * n)  # statements of 5 to 285 lines: uneven work
    client = Client()
    order, job = _order_pdf_job(client)

    ids = invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")  # commits; its batch goes out after
    outbox_hand_overs_wait()
    # Every document handed out again while the first are rendering: one message per invoice, the
    # whole batch in one message, and the order PDF twice more (redeliveries, a sweep's retries).
    again = [render_and_mail_invoices.apply_async(([pk],)) for pk in ids] + [
        render_and_mail_invoices.apply_async((ids,)), build_order_pdf.apply_async((job.pk,)),
        build_order_pdf.apply_async((job.pk,))]

    def done():
        invoices = Invoice.unscoped.filter(pk__in=ids, mailed_at__isnull=False).exclude(pdf="")
        invoices = invoices.exclude(statement_pdf="")
        return invoices.count() == PARTNERS and TaskProgress.unscoped.get(pk=job.pk).status == ProgressStatus.DONE

    assert wait(done, 240, 0.5), DocumentRender.objects.values_list("kind", "subject_id", "worker")
    for result in again:
        # Every second delivery has been consumed too. (This process is no task: an in-process worker
        # started by an earlier test leaves Celery's "inside a task" flag set for the whole process.)
        result.get(timeout=120, disable_sync_subtasks=False)

    assert len(ids) == PARTNERS
    renders = Counter(DocumentRender.objects.values_list("kind", "subject_id"))
    expected = {(kind, str(pk)): 1 for pk in ids for kind in ("invoice_pdf", "statement_pdf")}
    assert renders == Counter({**expected, ("voucher_order_pdf", str(order.pk)): 1})  # once each: no duplicate, no miss
    nodes = Counter(worker.split("@")[0] for worker in DocumentRender.objects.values_list("worker", flat=True))
    assert set(nodes) == set(WORKERS), nodes  # both workers rendered some of them
    stored = sorted(path.name for path in (workers / "media").rglob("*.pdf") if "tasks" not in path.parts)
    names = sorted(name for invoice in Invoice.unscoped.filter(pk__in=ids)
                   for name in (Path(invoice.pdf.name).name, Path(invoice.statement_pdf.name).name))
    assert stored == names  # one file per document, none left over from a second render
    sent = "".join(mail.read_text() for mail in (workers / "mail").iterdir())
    recipients = Counter(re.findall(r"^To: (billing\d+@example\.test)$", sent, re.MULTILINE))
    assert recipients == {f"billing{n}@example.test": 2 for n in range(PARTNERS)}  # invoice and statement, once
    assert len(PdfReader(TaskProgress.unscoped.get(pk=job.pk).file.path).pages) == VOUCHERS
