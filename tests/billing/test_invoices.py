"""B-1 monthly invoices, B-2 tax and registration number, B-5 due dates, B-6 numbering and
immutability, B-8 payments and overdue."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import BalanceAccount, DocumentSequence, EntryType, Invoice, InvoiceKind, InvoiceStatus, LedgerEntry
from billing.services import (
    due_date,
    invoice_credit,
    invoice_flag_overdue,
    invoices_issue_month,
    payment_record,
    qualified_invoice_number_valid,
    tax_amount,
)
from portal.appendonly import AppendOnlyError
from portal.errors import PortalError
from portal.tenancy.models import Partner
from tests.billing.conftest import post
from tests.factories import BillingContactFactory, OperatorFactory, PartnerFactory


def _issue(partner, year=2026, month=10, **kwargs):
    return invoices_issue_month(year=year, month=month, time_zone=partner.time_zone, **kwargs)


def _documents(partner):
    return list(Invoice.objects.for_partner(partner).order_by("id"))


def test_b1_one_invoice_for_the_months_charges_minus_refunds(partner, at):
    post(partner, "charge", "10000", at(2026, 10, 5))
    post(partner, "charge", "5000", at(2026, 10, 20))
    post(partner, "refund", "5000", at(2026, 10, 25))
    post(partner, "charge", "777", at(2026, 11, 2))  # next month
    _issue(partner)
    [invoice] = _documents(partner)
    assert (invoice.kind, invoice.subtotal, invoice.tax, invoice.total) == (
        InvoiceKind.INVOICE, Decimal("10000"), Decimal("1000"), Decimal("11000"))
    assert (invoice.period_start, invoice.period_end, invoice.issue_date) == (
        date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 1))
    assert invoice.bill_to["organisation"] == "Alpha KK KK"
    assert invoice.issuer["registration_number"] == "T8010001078218"


def test_b1_the_month_is_the_partners_calendar_month(partner, at):
    post(partner, "charge", "100", at(2026, 9, 30, 16, 0))   # 1 Oct 01:00 in Tokyo: October
    post(partner, "charge", "200", at(2026, 10, 31, 15, 30))  # 1 Nov 00:30 in Tokyo: November
    _issue(partner)
    assert _documents(partner)[0].subtotal == Decimal("100")


def test_b1_a_september_order_cancelled_in_october_offsets_octobers_invoice(partner, at):
    post(partner, "charge", "3000", at(2026, 9, 10))
    post(partner, "charge", "5000", at(2026, 10, 10))
    post(partner, "refund", "3000", at(2026, 10, 12))
    _issue(partner, month=9)
    _issue(partner, month=10)
    september, october = _documents(partner)
    assert (september.subtotal, october.subtotal) == (Decimal("3000"), Decimal("2000"))


def test_b1_month_with_net_refunds_issues_a_credit_note(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    post(partner, "refund", "4000", at(2026, 10, 4))
    _issue(partner)
    [note] = _documents(partner)
    assert (note.kind, note.number, note.subtotal, note.tax, note.total) == (
        InvoiceKind.CREDIT_NOTE, "CN000001", Decimal("-3000"), Decimal("-300"), Decimal("-3300"))


def test_b1_no_activity_no_invoice(partner, at):
    post(partner, "charge", "1000", at(2026, 11, 3))
    assert _issue(partner) == []
    assert _documents(partner) == []


def test_b1_running_twice_issues_once(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    first, second = _issue(partner), _issue(partner)
    assert len(first) == 1 and second == []
    assert len(_documents(partner)) == 1


def test_b1_the_job_command_issues_each_zones_previous_month(partner, at):
    from django.core.management import call_command

    paris = PartnerFactory(time_zone="Europe/Paris", currency="EUR")
    BillingContactFactory(partner=paris)
    post(partner, "charge", "1000", at(2026, 10, 3))
    post(paris, "charge", "10.00", at(2026, 10, 3))
    call_command("issue_monthly_invoices", "--today", "2026-11-01")
    call_command("issue_monthly_invoices", "--today", "2026-11-01")
    assert [i.number for i in _documents(partner) + _documents(paris)] == ["INV000001", "INV000002"]


def test_b2_tax_is_rounded_once_per_invoice_not_per_line(partner, at):
    for _ in range(3):
        post(partner, "charge", "105", at(2026, 10, 3))  # 10.5 yen of tax each: per line it would be 3 × 11
    _issue(partner)
    invoice = _documents(partner)[0]
    assert (invoice.subtotal, invoice.tax) == (Decimal("315"), Decimal("32"))  # 31.5 → 32, once
    assert sum(tax_amount(Decimal("105"), Decimal("0.10"), "JPY") for _ in range(3)) == Decimal("33")


def test_b2_partner_tax_rate_override_and_rounding_mode_setting(partner, at, settings):
    Partner.objects.filter(pk=partner.pk).update(tax_rate=Decimal("0.08"))
    settings.PORTAL_MONEY_ROUNDING = "ROUND_DOWN"
    post(partner, "charge", "1299", at(2026, 10, 3))
    _issue(partner)
    assert _documents(partner)[0].tax == Decimal("103")  # 103.92 rounded down


def test_b2_eur_tax_keeps_cents(other_partner, at):
    post(other_partner, "charge", "10.05", at(2026, 10, 3))
    _issue(other_partner)
    assert _documents(other_partner)[0].tax == Decimal("1.01")  # 1.005 half up


def test_b2_qualified_invoice_registration_number():
    assert qualified_invoice_number_valid("T8010001078218")
    assert not qualified_invoice_number_valid("T8010001078219")
    assert not qualified_invoice_number_valid("8010001078218")
    assert not qualified_invoice_number_valid("T80100010782")
    # The weights alternate 1, 2 from the right: a 1 in the tens place weighs 2 (check digit 9 − 2).
    assert qualified_invoice_number_valid("T7000000000010")
    assert not qualified_invoice_number_valid("T8000000000010")


@pytest.mark.parametrize(("issued", "terms", "due"), [
    (date(2026, 11, 1), "NET30", date(2026, 12, 1)),
    (date(2026, 11, 1), "NET45", date(2026, 12, 16)),
    (date(2026, 11, 1), "NET50", date(2026, 12, 21)),
    (date(2026, 11, 1), "NET60", date(2026, 12, 31)),
    (date(2024, 1, 31), "NET30EOM", date(2024, 2, 29)),
    (date(2023, 1, 31), "NET30EOM", date(2023, 2, 28)),
    (date(2026, 11, 1), "NET60EOM", date(2027, 1, 31)),
    (date(2026, 11, 1), "NET90EOM", date(2027, 2, 28)),
    (date(2027, 12, 1), "NET90EOM", date(2028, 3, 31)),
])
def test_b5_due_dates(issued, terms, due):
    assert due_date(issued, terms) == due


def test_b5_invoice_due_date_follows_the_partners_terms(partner, at):
    Partner.objects.filter(pk=partner.pk).update(payment_terms="NET90EOM")
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    assert _documents(partner)[0].due_date == date(2027, 2, 28)


def test_b6_numbers_are_sequential_across_partners_and_runs(db, at):
    partners = [PartnerFactory() for _ in range(3)]
    for p in partners:
        post(p, "charge", "100", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo", partner_ids=[partners[0].pk])
    invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    numbers = sorted(Invoice.unscoped.values_list("number", flat=True))
    assert numbers == ["INV000001", "INV000002", "INV000003"]
    assert DocumentSequence.objects.get(name="invoice").last_value == 3


def test_b6_a_rolled_back_issue_consumes_no_number(partner, at, monkeypatch):
    from billing.services import invoices as invoices_module

    post(partner, "charge", "100", at(2026, 10, 3))
    # fails after the documents, their tax and the numbering were written: all of it is rolled back
    monkeypatch.setattr(invoices_module, "outbox_enqueue_many", lambda task, calls: 1 / 0)
    with pytest.raises(Exception, match="division by zero"):
        _issue(partner)
    monkeypatch.undo()
    assert not Invoice.objects.for_partner(partner).exists()
    _issue(partner)
    assert _documents(partner)[0].number == "INV000001"


def test_b6_issued_invoice_is_immutable(partner, at):
    post(partner, "charge", "100", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    invoice.total = Decimal("1")
    with pytest.raises(AppendOnlyError):
        invoice.save()
    with pytest.raises(AppendOnlyError):
        invoice.delete()
    invoice.refresh_from_db()
    assert invoice.total == Decimal("110")


def test_b6_corrections_are_credit_notes_referencing_the_invoice(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    note = invoice_credit(actor=OperatorFactory(), invoice=invoice, amount=Decimal("400"), reason="Wrong product")
    assert (note.number, note.credits, note.subtotal, note.tax, note.total) == (
        "CN000001", invoice, Decimal("-400"), Decimal("-40"), Decimal("-440"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("1100")
    assert LedgerEntry.objects.for_partner(partner).get(reference="CN000001").amount == Decimal("440")


def test_b6_credit_notes_are_numbered_without_gaps_and_audited_as_credits(partner, at):
    from portal.audit.models import AuditEntry

    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    operator = OperatorFactory()
    first = invoice_credit(actor=operator, invoice=invoice, amount=Decimal("100"), reason="A")
    second = invoice_credit(actor=operator, invoice=invoice, amount=Decimal("100"), reason="B")
    assert (first.number, second.number) == ("CN000001", "CN000002")
    audit = AuditEntry.objects.for_partner(partner).get(action="invoice.credited", object_id=str(first.pk))
    assert (audit.after["credit_note"], audit.after["amount"]) == ("CN000001", "110")


def test_b4_issuing_hands_every_new_document_to_the_mailing_workers(partner, at, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    """The run's documents reach the workers after commit: a single invoice is rendered and both
    of its PDFs e-mailed to the billing contact."""
    post(partner, "charge", "1000", at(2026, 10, 3))
    with django_capture_on_commit_callbacks(execute=True):
        _issue(partner)
    invoice = _documents(partner)[0]
    invoice.refresh_from_db()
    assert invoice.mailed_at is not None
    assert [m.to for m in mailoutbox] == [["billing@example.test"]] * 2  # the invoice, then the statement


def test_b8_a_payment_of_nothing_is_refused(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    with pytest.raises(PortalError) as refused:
        payment_record(actor=OperatorFactory(), invoice=invoice, amount=Decimal("0"), received_on=date(2026, 11, 1))
    assert (refused.value.code, refused.value.field) == ("amount_not_positive", "amount")
    assert not invoice.payments.exists()


def test_b7_invoice_tax_is_owed_on_the_balance_and_payment_settles_it(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    assert BalanceAccount.objects.for_partner(partner).get().balance == Decimal("-1100")
    payment_record(actor=OperatorFactory(), invoice=invoice, amount=Decimal("1100"), received_on=date(2026, 11, 20))
    assert BalanceAccount.objects.for_partner(partner).get().balance == Decimal("0")


def test_b8_partial_then_full_payment(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    operator = OperatorFactory()
    payment_record(actor=operator, invoice=invoice, amount=Decimal("600"), received_on=date(2026, 11, 10))
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_due, invoice.status) == (Decimal("600"), Decimal("500"),
                                                                         InvoiceStatus.ISSUED)
    payment_record(actor=operator, invoice=invoice, amount=Decimal("500"), received_on=date(2026, 11, 12))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert list(LedgerEntry.objects.for_partner(partner).filter(entry_type=EntryType.PAYMENT).order_by("id")
                .values_list("amount", flat=True)) == [Decimal("600"), Decimal("500")]


def test_b8_overpayment_and_non_operators_are_refused(partner, at, admin_user):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]
    with pytest.raises(PortalError) as refused:
        payment_record(actor=OperatorFactory(), invoice=invoice, amount=Decimal("1101"), received_on=date(2026, 11, 1))
    assert (refused.value.code, refused.value.field) == ("overpayment", "amount")
    with pytest.raises(PortalError):
        payment_record(actor=admin_user, invoice=invoice, amount=Decimal("1"), received_on=date(2026, 11, 1))
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_b8_unpaid_invoices_past_due_become_overdue(partner, at):
    post(partner, "charge", "1000", at(2026, 10, 3))
    _issue(partner)
    invoice = _documents(partner)[0]  # NET30: due 2026-12-01
    assert invoice_flag_overdue(partner=partner, today=date(2026, 12, 1)) == 0
    assert invoice_flag_overdue(partner=partner, today=date(2026, 12, 2)) == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OVERDUE
    payment_record(actor=OperatorFactory(), invoice=invoice, amount=invoice.total, received_on=date(2026, 12, 5))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_b1_issue_invoices_command_for_a_month(partner, at, capsys):
    from django.core.management import CommandError, call_command

    post(partner, "charge", "1000", at(2026, 10, 3))
    call_command("issue_invoices", "--month", "2026-10")
    call_command("issue_invoices", "--month", "2026-10")
    out = capsys.readouterr().out
    assert "2026-10: 1 documents issued" in out and "2026-10: 0 documents issued" in out
    assert [i.number for i in _documents(partner)] == ["INV000001"]
    with pytest.raises(CommandError, match="--month"):
        call_command("issue_invoices", "--month", "October")
