"""B-2 invoice PDF, B-3 itemised statement PDF, B-4 storing and e-mailing both once."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from smtplib import SMTPException

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from billing import documents
from billing.models import Invoice, InvoiceKind
from billing.services import BillableItem, invoice_credit, invoices_issue_month, ledger_post
from billing.tasks import render_and_mail_invoices
from portal.jobs.models import OutboxMessage
from portal.outbox import outbox_relay
from portal.tenancy.models import BillingContact, Partner
from tests.billing.conftest import post
from tests.factories import BillingContactFactory, OperatorFactory, PartnerFactory

ISSUER_FACTS = ["Partner Portal Distribution KK", "1-1-1 Otemachi, Chiyoda-ku, Tokyo 100-0004, Japan",
                "+81 3-0000-1111", "+81 3-0000-1112", "T8010001078218",
                "Example Bank, Otemachi branch, ordinary account 1234567"]
# B-2 in Japanese: the issuer's Japanese name and address (PORTAL_ISSUER_NAME_JA, …_ADDRESS_JA).
JA_ISSUER_FACTS = ["パートナーポータル", "〒100-0004", "大手町1-1-1", *ISSUER_FACTS[2:]]
BILL_TO_FACTS = ["100-0005", "Tokyo", "Chiyoda-ku", "1-1-1 Marunouchi", "Hanako Yamada"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english(db):
    """An English-speaking JPY partner: its PDFs show the English labels (the msgids)."""
    partner = PartnerFactory(name="Gamma Ltd", currency="JPY", language="en", time_zone="Asia/Tokyo")
    BillingContactFactory(partner=partner)
    return partner


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """Issue a month's documents as the beat does; the render-and-mail task runs on commit."""
    def run(partner, year=2026, month=10):
        with django_capture_on_commit_callbacks(execute=True):
            invoices_issue_month(year=year, month=month, time_zone=partner.time_zone)
        return list(Invoice.objects.for_partner(partner).order_by("id"))

    return run


def text_of(data: bytes) -> str:
    """The PDF's text with every run of whitespace read as one space (lines may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def stored(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def fonts_of(data: bytes) -> set[str]:
    return {str(font.get("/BaseFont")) for page in PdfReader(io.BytesIO(data)).pages
            for font in page["/Resources"]["/Font"].values()}


def _a_month_of_orders(partner, at):
    """October 2026 on Tokyo's clock: an order of two lines, a one-line order, its cancellation."""
    post(partner, "charge", "8980", at(2026, 10, 5, 1, 0), reference="VO-12",
         items=[BillableItem("SSL OV (1Y)", 2, Decimal("3980")), BillableItem("SSL EV (2Y)", 1, Decimal("5000"))])
    post(partner, "charge", "1990", at(2026, 9, 30, 16, 0), reference="VO-11",  # 1 Oct 01:00 in Tokyo
         items=[BillableItem("SSL DV (1Y)", 1, Decimal("1990"))])
    post(partner, "refund", "1990", at(2026, 10, 20, 2, 0), reference="VO-11",
         items=[BillableItem("SSL DV (1Y)", -1, Decimal("-1990"))])
    post(partner, "charge", "777", at(2026, 10, 31, 15, 30), reference="VO-13")  # 1 Nov in Tokyo: not October


def test_b2_invoice_pdf_shows_every_required_field(partner, at, issue):
    _a_month_of_orders(partner, at)
    [invoice] = issue(partner)
    assert (invoice.number, invoice.subtotal, invoice.tax, invoice.total) == (
        "INV000001", Decimal("8980"), Decimal("898"), Decimal("9878"))

    text = text_of(stored(invoice.pdf))

    for fact in [*JA_ISSUER_FACTS, *BILL_TO_FACTS, "Alpha KK KK", "INV000001", "NET30",
                 "2026年11月1日",  # issue date, Django's Japanese DATE_FORMAT
                 "2026年12月1日",  # due date: NET30
                 "2026年10月 1 ¥8,980",  # the one line: the service period, quantity 1, amount
                 "¥898", "¥9,878", "¥0"]:
        assert fact in text, fact
    assert text.count("¥9,878") == 4  # amount billed (boxed), total in the details and the table, amount due
    assert any("CJK" in font for font in fonts_of(stored(invoice.pdf)))


def test_b2_japanese_invoice_follows_japanese_conventions(partner, at, issue):
    _a_month_of_orders(partner, at)
    [invoice] = issue(partner)
    text = text_of(stored(invoice.pdf))
    for fact in ["〒100-0005", "Alpha KK KK 御中", "ご請求金額: ¥9,878", "10%対象 ¥8,980", "消費税（10%） ¥898", "印",
                 "大手町1-1-1"]:
        assert fact in text, fact
    assert text.index("ご請求金額") < text.index("Portal usage") if "Portal usage" in text else True


def test_b2_invoice_pdf_labels_each_figure(english, at, issue):
    post(english, "charge", "10000", at(2026, 10, 3))
    [invoice] = issue(english)

    text = text_of(stored(invoice.pdf))

    for fact in ["Invoice Partner Portal Distribution KK", "Phone: +81 3-0000-1111", "Fax: +81 3-0000-1112",
                 "Registration number: T8010001078218", "Invoice number: INV000001", "Issue date: Nov. 1, 2026",
                 "Due date: Dec. 1, 2026", "Payment terms: NET30", "Total: ¥11,000",
                 "Portal usage — service period October 2026 1 ¥10,000", "Subtotal ¥10,000", "Tax 10 % ¥1,000",
                 "Total ¥11,000", "Amount paid ¥0", "Amount due ¥11,000", "Remarks", "Bank transfer details",
                 "Please quote invoice number INV000001 with your transfer."]:
        assert fact in text, fact
    assert "Credit note" not in text


def test_b2_tax_line_shows_the_stored_rate(english, at, issue):
    Partner.objects.filter(pk=english.pk).update(tax_rate=Decimal("0.08"))
    post(english, "charge", "1299", at(2026, 10, 3))
    [invoice] = issue(english)
    assert "Tax 8 % ¥104" in text_of(stored(invoice.pdf))


def test_b2_credit_note_pdf_is_titled_and_names_the_invoice_it_corrects(english, at, issue,
                                                                        django_capture_on_commit_callbacks):
    post(english, "charge", "1000", at(2026, 10, 3))
    [invoice] = issue(english)
    with django_capture_on_commit_callbacks(execute=True):
        note = invoice_credit(actor=OperatorFactory(), invoice=invoice, amount=Decimal("400"), reason="Wrong product")
    note.refresh_from_db()

    text = text_of(stored(note.pdf))

    for fact in ["Credit note Partner Portal Distribution KK", "Credit note number: CN000001",
                 "This credit note corrects invoice INV000001.", "Subtotal -¥400", "Tax 10 % -¥40", "Total -¥440",
                 "T8010001078218"]:
        assert fact in text, fact
    assert "Invoice number:" not in text
    assert documents.statement_lines(note) == [
        {"date": note.issue_date, "reference": "INV000001", "product": "Wrong product", "quantity": 1,
         "amount": Decimal("-400")}]
    assert "INV000001 Wrong product 1 -¥400" in text_of(stored(note.statement_pdf))


def test_b2_a_month_of_net_refunds_gets_a_credit_note_pdf(english, at, issue):
    post(english, "charge", "1000", at(2026, 10, 3))
    post(english, "refund", "4000", at(2026, 10, 4), reference="VO-2")
    [note] = issue(english)
    text = text_of(stored(note.pdf))
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert "Credit note number: CN000001" in text and "Total -¥3,300" in text
    assert "corrects invoice" not in text


def test_b3_statement_lists_every_order_line_and_refund(partner, other_partner, at, issue):
    _a_month_of_orders(partner, at)
    post(other_partner, "charge", "12.00", at(2026, 10, 6), reference="VO-99")  # another tenant's order
    [invoice] = issue(partner)

    assert documents.statement_lines(invoice) == [
        {"date": date(2026, 10, 1), "reference": "VO-11", "product": "SSL DV (1Y)", "quantity": 1,
         "amount": Decimal("1990")},
        {"date": date(2026, 10, 5), "reference": "VO-12", "product": "SSL OV (1Y)", "quantity": 2,
         "amount": Decimal("3980")},
        {"date": date(2026, 10, 5), "reference": "VO-12", "product": "SSL EV (2Y)", "quantity": 1,
         "amount": Decimal("5000")},
        {"date": date(2026, 10, 20), "reference": "VO-11", "product": "SSL DV (1Y)", "quantity": -1,
         "amount": Decimal("-1990")},
    ]
    text = text_of(stored(invoice.statement_pdf))
    for fact in [partner.account_number, "Alpha KK KK", "INV000001", "2026年10月",
                 "2026年10月1日 VO-11 SSL DV (1Y) 1 ¥1,990",
                 "2026年10月5日 VO-12 SSL OV (1Y) 2 ¥3,980",
                 "2026年10月5日 VO-12 SSL EV (2Y) 1 ¥5,000",
                 "2026年10月20日 VO-11 SSL DV (1Y) -1 -¥1,990",
                 "¥8,980", "¥898", "¥9,878"]:
        assert fact in text, fact
    assert "VO-13" not in text and "VO-99" not in text
    assert any("CJK" in font for font in fonts_of(stored(invoice.statement_pdf)))


def test_b3_an_entry_posted_without_items_is_one_line_of_its_own(english, at, issue):
    with transaction.atomic():
        ledger_post(partner=english, entry_type="charge", amount=Decimal("-2500"), reference="LIC-7",
                    description="Licence renewal", at=at(2026, 10, 9))
    [invoice] = issue(english)
    assert documents.statement_lines(invoice) == [
        {"date": date(2026, 10, 9), "reference": "LIC-7", "product": "Licence renewal", "quantity": 1,
         "amount": Decimal("2500")}]
    assert "Oct. 9, 2026 LIC-7 Licence renewal 1 ¥2,500" in text_of(stored(invoice.statement_pdf))


def test_b3_a_long_statement_has_every_line_on_numbered_pages_and_the_totals_on_the_last(english, at, issue):
    # Rows are aligned lines of text on pages cut before layout: every reference in order, each row
    # whole on one line, "Page X of Y" right on every page, the totals once, after the last row.
    long_name = "Extended Validation Multi-Domain Certificate with Unified Communications Support and Priority Reissue"
    for n in range(130):
        product = long_name if n == 70 else "SSL OV (1Y)"
        post(english, "charge", "1000", at(2026, 10, 1 + n % 28, 3), reference=f"VO-{1000 + n}",
             items=[BillableItem(product, 1, Decimal("1000"))])
    [invoice] = issue(english)

    data = stored(invoice.statement_pdf)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]

    # 44 lines under the heading, 54 a page after it; the long name wraps onto a second line
    assert len(pages) == 3
    assert [page.endswith(f"Page {number} of 3") for number, page in enumerate(pages, start=1)] == [True] * 3
    text = " ".join(pages)
    by_date = sorted(range(130), key=lambda n: (n % 28, n))  # the statement's order: date, then entry
    positions = [text.index(f"VO-{1000 + n} ") for n in by_date]
    assert positions == sorted(positions)
    for n in range(130):
        if n != 70:
            assert f"Oct. {1 + n % 28}, 2026 VO-{1000 + n} SSL OV (1Y) 1 ¥1,000" in text
    assert "VO-1070 Extended Validation Multi-Domain Certificate" in text and "Priority Reissue" in text
    assert all(word in text for word in long_name.split())
    assert [page.count("Subtotal") for page in pages] == [0, 0, 1]
    assert "Subtotal ¥130,000 Tax 10 % ¥13,000 Total ¥143,000 Page 3 of 3" in pages[2]
    assert "Date Order ID Product Quantity Amount" in pages[1]  # the column header on every page


def test_b3_statement_labels_and_totals_match_the_invoice(english, at, issue):
    post(english, "charge", "10000", at(2026, 10, 3), reference="VO-5")
    [invoice] = issue(english)
    text = text_of(stored(invoice.statement_pdf))
    for fact in ["Itemised statement", f"Account number: {english.account_number}",
                 "Organisation: Gamma Ltd KK", "Invoice number: INV000001", "Service period: October 2026",
                 "Date Order ID Product Quantity Amount", "Oct. 3, 2026 VO-5 SSL OV (1Y) 1 ¥10,000",
                 "Subtotal ¥10,000 Tax 10 % ¥1,000 Total ¥11,000"]:
        assert fact in text, fact


def test_b2_b3_pdfs_use_the_stored_values_and_language_not_todays(partner, at, django_capture_on_commit_callbacks):
    post(partner, "charge", "1000", at(2026, 10, 3))
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    invoice = Invoice.objects.for_partner(partner).get()
    Partner.objects.filter(pk=partner.pk).update(language="en", tax_rate=Decimal("0.08"))
    BillingContact.objects.for_partner(partner).update(organisation="Renamed KK", city="Osaka")

    invoice_text, statement_text = text_of(documents.invoice_pdf(invoice)), text_of(documents.statement_pdf(invoice))

    assert "2026年11月1日" in invoice_text and "2026年10月3日" in statement_text  # the invoice's language: ja
    assert "Alpha KK KK" in invoice_text and "Chiyoda-ku" in invoice_text and "Renamed KK" not in invoice_text
    assert "Alpha KK KK" in statement_text
    assert "¥1,100" in invoice_text and "¥1,080" not in invoice_text


def test_b4_invoice_and_statement_emailed_to_every_billing_address_in_the_partners_language(
        partner, at, issue, mailoutbox):
    BillingContact.objects.for_partner(partner).update(emails=["billing@example.test", "finance@example.test"])
    post(partner, "charge", "10000", at(2026, 10, 3))
    [invoice] = issue(partner)

    invoice_mail, statement_mail = mailoutbox
    for message in (invoice_mail, statement_mail):
        assert message.to == ["billing@example.test", "finance@example.test"]
        assert "INV000001" in message.subject
        assert "2026年10月" in message.subject  # the month, formatted in the partner's language (ja)
    assert "¥11,000" in invoice_mail.body and "2026年12月1日" in invoice_mail.body  # total and due date, in ja
    [(invoice_name, invoice_content, invoice_type)] = invoice_mail.attachments
    [(statement_name, statement_content, statement_type)] = statement_mail.attachments
    assert (invoice_name, invoice_type) == ("INV000001-invoice.pdf", "application/pdf")
    assert (statement_name, statement_type) == ("INV000001-statement.pdf", "application/pdf")
    assert invoice_content.startswith(b"%PDF-") and statement_content.startswith(b"%PDF-")
    assert (invoice_content, statement_content) == (stored(invoice.pdf), stored(invoice.statement_pdf))
    assert partner.account_number in text_of(statement_content)
    assert invoice.mailed_at is not None


def test_b4_emails_follow_the_partners_language(other_partner, at, issue, mailoutbox):
    post(other_partner, "charge", "10.00", at(2026, 10, 3))
    issue(other_partner)
    invoice_mail, statement_mail = mailoutbox
    assert invoice_mail.to == statement_mail.to == ["billing@example.test"]
    assert "octobre 2026" in invoice_mail.subject and "octobre 2026" in statement_mail.subject
    assert "11,00\u00a0€" in invoice_mail.body and "1 décembre 2026" in invoice_mail.body


def test_b4_stored_pdf_never_changes(partner, at, issue):
    post(partner, "charge", "1000", at(2026, 10, 3))
    [invoice] = issue(partner)
    names = (invoice.pdf.name, invoice.statement_pdf.name)
    first = (stored(invoice.pdf), stored(invoice.statement_pdf))

    assert first == (stored(invoice.pdf), stored(invoice.statement_pdf))  # downloading twice: identical bytes
    BillingContact.objects.for_partner(partner).update(organisation="Renamed KK")
    documents.invoice_documents_store(invoice)
    render_and_mail_invoices([invoice.pk])
    invoice.refresh_from_db()
    assert (invoice.pdf.name, invoice.statement_pdf.name) == names
    assert (stored(invoice.pdf), stored(invoice.statement_pdf)) == first


def test_b4_a_second_worker_keeps_the_first_stored_pdf(partner, at, issue):
    post(partner, "charge", "1000", at(2026, 10, 3))
    [invoice] = issue(partner)
    stale = Invoice.objects.for_partner(partner).get()
    stale.pdf, stale.statement_pdf = "", ""  # as a redelivered task saw it, before the first worker stored

    documents.invoice_documents_store(stale)

    invoice.refresh_from_db()
    assert (stale.pdf.name, stale.statement_pdf.name) == (invoice.pdf.name, invoice.statement_pdf.name)
    kept = sorted(Path(name).name for name in (invoice.pdf.name, invoice.statement_pdf.name))
    assert sorted(path.name for path in Path(invoice.pdf.path).parent.iterdir()) == kept  # its copies deleted


def test_b4_no_email_for_a_rolled_back_invoice(partner, at, mailoutbox, django_capture_on_commit_callbacks):
    post(partner, "charge", "1000", at(2026, 10, 3))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
            raise RuntimeError("crash after issuing, before commit")

    assert callbacks == []
    assert mailoutbox == []
    assert not Invoice.objects.for_partner(partner).exists()


def test_b4_no_second_email_on_retry(partner, at, issue, mailoutbox, monkeypatch):
    send = EmailBackend.send_messages
    failures = []

    def flaky(self, messages):
        if not failures:
            failures.append(messages[0].subject)
            raise SMTPException("421 try again later")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    post(partner, "charge", "1000", at(2026, 10, 3))
    with pytest.raises(SMTPException):  # the first attempt: the mail server refuses
        issue(partner)
    invoice = Invoice.objects.for_partner(partner).get()
    assert (len(failures), mailoutbox, invoice.mailed_at) == (1, [], None)
    assert invoice.pdf and invoice.statement_pdf  # stored: the retry only sends
    # The outbox released the message for a retry, later: the relay sends both when it is due.
    message = OutboxMessage.objects.get(task="billing.tasks.share_invoice_documents")
    assert (message.attempts, message.done_at, message.started_at) == (1, None, None)
    assert message.last_error == "SMTPException: 421 try again later"
    assert outbox_relay() == 0  # not due yet
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox_relay() == 1
    assert len(mailoutbox) == 2  # the retry sent both
    assert outbox_relay() == 0
    assert render_and_mail_invoices.apply(args=[[invoice.pk]]).get() == 0  # a redelivered message
    assert render_and_mail_invoices([invoice.pk]) == 0
    assert [name for message in mailoutbox for name, _content, _type in message.attachments] == [
        "INV000001-invoice.pdf", "INV000001-statement.pdf"]
    invoice.refresh_from_db()
    assert invoice.mailed_at is not None


def test_b4_one_documents_failed_sending_does_not_hold_back_the_batch(partner, english, at, issue, mailoutbox,
                                                                       monkeypatch):
    BillingContact.objects.for_partner(partner).update(emails=["refusing@example.test"])
    send = EmailBackend.send_messages

    def refusing(self, messages):
        if messages[0].to == ["refusing@example.test"]:
            raise SMTPException("550 mailbox unavailable")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refusing)
    post(partner, "charge", "1000", at(2026, 10, 3))
    post(english, "charge", "2000", at(2026, 10, 3))
    with pytest.raises(SMTPException):  # both partners are in one batch (one time zone): the first one's fails
        issue(partner)

    assert [message.to for message in mailoutbox] == [["billing@example.test"]] * 2  # the second one's went out
    [failed] = Invoice.objects.for_partner(partner)
    [done] = Invoice.objects.for_partner(english)
    assert (failed.mailed_at, failed.pdf.name != "", done.mailed_at is not None) == (None, True, True)


def test_b4_a_failed_sending_is_released_for_the_retry(partner, at, django_capture_on_commit_callbacks,
                                                       mailoutbox, monkeypatch):
    post(partner, "charge", "1000", at(2026, 10, 3))
    with django_capture_on_commit_callbacks(execute=False):
        invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    invoice = Invoice.objects.for_partner(partner).get()

    def down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(ConnectionRefusedError):
        render_and_mail_invoices([invoice.pk])
    invoice.refresh_from_db()
    assert invoice.mailed_at is None and mailoutbox == []
    assert invoice.pdf and invoice.statement_pdf  # stored already; the retry only sends

    monkeypatch.undo()
    assert render_and_mail_invoices([invoice.pk]) == 2
    assert len(mailoutbox) == 2


def test_b4_no_billing_address_sends_nothing_and_records_no_mailing(partner, at, issue, mailoutbox):
    BillingContact.objects.for_partner(partner).update(emails=[])
    post(partner, "charge", "1000", at(2026, 10, 3))
    [invoice] = issue(partner)
    assert mailoutbox == []
    assert invoice.mailed_at is None and invoice.pdf and invoice.statement_pdf


def test_b4_invoices_never_mailed_are_sent_by_the_daily_job(partner, at, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Invoice
    from billing.services import invoices_issue_month
    from billing.tasks import flag_overdue_invoices
    from tests.billing.conftest import post

    post(partner, "charge", "1000", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)  # on_commit never fires here
    invoice = Invoice.objects.for_partner(partner).get()
    assert invoice.mailed_at is None and mailoutbox == []
    Invoice.unscoped.filter(pk=invoice.pk).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):  # the job's e-mails go through the outbox
        result = flag_overdue_invoices(today="2026-11-02")
    invoice.refresh_from_db()
    assert result["mail_retried"] == 1
    assert invoice.mailed_at is not None
    assert len(mailoutbox) == 2 and invoice.number in mailoutbox[0].subject
    assert flag_overdue_invoices(today="2026-11-03")["mail_retried"] == 0
