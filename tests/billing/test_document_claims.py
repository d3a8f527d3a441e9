"""B-4 with many workers: a document's PDFs are claimed by one worker before they are rendered;
a worker handed a document another one holds skips it, and a redelivered task renders nothing
stored (portal.jobs.claims). The two-worker run is tests/faults/test_scale_out.py."""

import pytest
from django.db import connections

from billing.models import Invoice
from billing.services import invoices_issue_month
from billing.tasks import render_and_mail_invoices
from portal.jobs.claims import _keys
from portal.jobs.models import DocumentRender
from tests.billing.conftest import post


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def issued(partner, at, django_capture_on_commit_callbacks):
    """October's invoice, issued; its render-and-mail task not run yet."""
    post(partner, "charge", "1000", at(2026, 10, 3))
    with django_capture_on_commit_callbacks(execute=False):
        [invoice_id] = invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    return Invoice.objects.for_partner(partner).get(pk=invoice_id)


def renders(invoice) -> list[str]:
    return sorted(DocumentRender.objects.filter(subject_id=str(invoice.pk)).values_list("kind", flat=True))


def test_b4_a_document_another_worker_holds_is_skipped_and_left_to_it(issued, mailoutbox):
    other_worker = connections.create_connection("default")  # another session, as another worker's
    try:
        with other_worker.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _keys("invoice_documents", issued.pk))
            assert cursor.fetchone()[0] is True
        assert render_and_mail_invoices([issued.pk]) == 0
        issued.refresh_from_db()
        assert (issued.pdf.name, issued.statement_pdf.name, issued.mailed_at, renders(issued)) == ("", "", None, [])
        assert mailoutbox == []
    finally:
        other_worker.close()  # its session ends: the claim goes with it

    assert render_and_mail_invoices([issued.pk]) == 2  # a redelivery after that worker died takes it over
    assert renders(issued) == ["invoice_pdf", "statement_pdf"]


def test_b4_a_redelivered_task_renders_nothing_stored(issued, mailoutbox):
    assert render_and_mail_invoices([issued.pk]) == 2
    first = Invoice.objects.for_partner(issued.partner).get(pk=issued.pk)

    assert render_and_mail_invoices([issued.pk]) == 0
    assert render_and_mail_invoices.apply(args=[[issued.pk]]).get() == 0

    again = Invoice.objects.for_partner(issued.partner).get(pk=issued.pk)
    assert (again.pdf.name, again.statement_pdf.name) == (first.pdf.name, first.statement_pdf.name)
    assert renders(issued) == ["invoice_pdf", "statement_pdf"]  # rendered once each
    assert len(mailoutbox) == 2


def test_b4_a_claim_is_released_after_the_task(issued):
    render_and_mail_invoices([issued.pk])
    other_worker = connections.create_connection("default")
    try:
        with other_worker.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _keys("invoice_documents", issued.pk))
            assert cursor.fetchone()[0] is True  # free again: nothing held after the task
    finally:
        other_worker.close()
