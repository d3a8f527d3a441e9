"""B-4 pages, B-8 operator payments, B-10 CSV exports."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from billing.documents import invoice_documents_store
from billing.exports import INVOICE_COLUMNS
from billing.models import Invoice, InvoiceStatus
from billing.services import DOCUMENT_KINDS, invoices_issue_month
from portal.jobs.models import TaskProgress
from portal.onetime import new_token
from portal.tenancy.roles import Role
from tests.billing.conftest import post
from tests.conftest import client_for, member
from tests.factories import OperatorFactory


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def invoice(partner, at):
    post(partner, "charge", "10000", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    return Invoice.objects.for_partner(partner).get()


def test_b4_finance_lists_and_opens_its_invoices(partner, invoice):
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    listing = client.get(reverse("invoices")).content.decode()
    assert invoice.number in listing and "¥11,000" in listing
    not_ready = client.get(reverse("invoice", args=[invoice.pk])).content.decode()
    assert "?inline=1" not in not_ready and "not ready yet" in not_ready  # no worker has stored it yet
    invoice_documents_store(invoice)
    detail = client.get(reverse("invoice", args=[invoice.pk])).content.decode()
    assert f"{reverse('invoice_pdf', args=[invoice.pk])}?inline=1" in detail  # the in-browser preview


@pytest.mark.parametrize("document", ["pdf", "statement_pdf"])
def test_u3_a_pdf_no_worker_stored_yet_is_queued_with_progress_not_rendered_in_the_request(
        partner, invoice, document, django_capture_on_commit_callbacks):
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    url = reverse("invoice_pdf" if document == "pdf" else "invoice_statement_pdf", args=[invoice.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
        again = client.get(url)  # asked twice while queued: the same job
        invoice.refresh_from_db()
        assert not invoice.pdf and not invoice.statement_pdf  # nothing was rendered in the requests

    progress = TaskProgress.objects.for_partner(partner).get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("task_progress", args=[progress.pk])
    assert (progress.kind, progress.subject_id) == (DOCUMENT_KINDS[document], str(invoice.pk))
    page = client.get(first["Location"]).content.decode()
    assert progress.filename in page and reverse("invoice", args=[invoice.pk]) in page  # done, with a way back
    invoice.refresh_from_db()
    with getattr(invoice, document).open("rb") as stored, progress.file.open("rb") as handed_out:
        content = stored.read()
        assert content.startswith(b"%PDF-") and handed_out.read() == content
    served = client.get(url)  # stored now: served from storage, the same bytes every time
    assert served.status_code == 200 and b"".join(served.streaming_content) == content


def test_b4_invoice_list_filters_by_status(partner, invoice):
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    assert len(client.get(reverse("invoices"), {"status": "paid"}).context["page"].object_list) == 0
    assert len(client.get(reverse("invoices"), {"status": "issued"}).context["page"].object_list) == 1


def test_t3_account_manager_cannot_see_invoices(partner, invoice):
    client = client_for(member(partner, Role.ACCOUNT_MANAGER))
    assert client.get(reverse("invoices")).status_code == 403
    assert client.get(reverse("invoice", args=[invoice.pk])).status_code == 403


def test_b10_partner_csv_has_the_spec_columns(partner, invoice, other_partner, at):
    post(other_partner, "charge", "5.00", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=other_partner.time_zone)
    rows = _csv(client_for(member(partner, Role.PARTNER_FINANCE)).get(reverse("invoices_csv")))
    assert rows[0] == INVOICE_COLUMNS
    assert rows[1:] == [[invoice.number, "Alpha KK", "2026-10", "2026-11-01", "2026-12-01", "10000", "1000",
                         "11000", "0", "Issued"]]  # JPY amounts without decimals


def test_b10_operator_csv_covers_every_partner(partner, invoice, other_partner, at):
    post(other_partner, "charge", "5.00", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=other_partner.time_zone)
    rows = _csv(client_for(OperatorFactory()).get(reverse("operator_invoices_csv")))
    assert [row[1] for row in rows[1:]] == ["Alpha KK", "Beta SAS"]
    assert (rows[1][5], rows[2][5]) == ("10000", "5.00")  # each in its currency's precision: JPY, EUR
    assert client_for(member(partner, Role.PARTNER_ADMIN)).get(reverse("operator_invoices_csv")).status_code == 403


def test_b8_operator_records_a_payment_from_the_list(partner, invoice):
    client = client_for(OperatorFactory())
    assert invoice.number in client.get(reverse("operator_invoices")).content.decode()
    client.post(reverse("operator_invoice_payment", args=[invoice.pk]),
                {"amount": "11000", "received_on": "2026-11-20", "reference": "BANK-1", "once_token": new_token()})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, 11000)


def test_b8_bad_payment_input_names_the_field_and_changes_nothing(partner, invoice):
    client = client_for(OperatorFactory())
    response = client.post(reverse("operator_invoice_payment", args=[invoice.pk]),
                           {"amount": "99999", "received_on": "2026-11-20", "once_token": new_token()}, follow=True)
    assert "Amount" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0
    client.post(reverse("operator_invoice_payment", args=[invoice.pk]), {"amount": "10", "received_on": "soon",
                                                                         "once_token": new_token()})
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_b7_balance_page_shows_unpaid_invoices(partner, invoice):
    page = client_for(member(partner, Role.PARTNER_FINANCE)).get(reverse("billing_home"))
    assert page.context["funds"].unpaid_invoices == 11000
    assert date(2026, 11, 1) == invoice.issue_date
