"""The invoice PDF (B-2) and the itemised statement PDF (B-3) of an issued document, their
one-time storage and their e-mail to the billing contact (B-4).

Both render from what the invoice stored at issue (amounts, tax rate, bill-to, issuer, language),
never from today's partner settings or prices, and in the invoice's stored language. The
statement's lines are the ledger items of the invoice's month, which are append-only. Once
stored, a PDF is never rendered again: downloads read the stored bytes, so they never change.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal.dates import local_date, month_bounds
from portal.mail import send_partner_mail
from portal.pdf import render_pdf

from .models import EntryType, Invoice, InvoiceKind, LedgerEntry, LedgerItem

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

INVOICE_TEMPLATE = "pdf/invoice.html"
STATEMENT_TEMPLATE = "pdf/statement.html"
# Statement rows per <tbody>: WeasyPrint re-walks a table group's rows at every page break, so one
# group of 2,000 rows costs ~12% more CPU than groups of 50 (benchmarks/billing_pdf.py).
ROW_GROUP = 50
PDF = "application/pdf"


def invoice_pdf(invoice: Invoice) -> bytes:
    """B-2: the invoice (or credit note) on one A4 page, in the invoice's language."""
    return render_pdf(INVOICE_TEMPLATE, _document_context(invoice), language=invoice.language)


def statement_pdf(invoice: Invoice) -> bytes:
    """B-3: every order line and refund of the invoice's month, then the invoice's own totals."""
    lines = statement_lines(invoice)
    context = {**_document_context(invoice), "account_number": invoice.partner.account_number,
               "row_groups": [lines[start:start + ROW_GROUP] for start in range(0, len(lines), ROW_GROUP)]}
    return render_pdf(STATEMENT_TEMPLATE, context, language=invoice.language)


def statement_lines(invoice: Invoice) -> list[dict]:
    """The statement's rows as dicts: date (the partner's local date), reference (the order's,
    e.g. "VO-12"), product, quantity, amount (negative for refunds); by date, then entry id, then
    the entry's own item order.

    A monthly document's rows are the items of the partner's charge and refund entries made in
    its month on the partner's wall clock, the entries invoices_issue_month summed; an entry
    posted without items shows as one row of its own, so nothing summed is left off. A credit
    note correcting an invoice (B-6) was not summed from the month: its one row is the
    correction itself, so that the statement still adds up to the document's totals."""
    if invoice.credits_id is not None:
        return _correction_lines(invoice)
    partner = invoice.partner
    start, end = month_bounds(invoice.period_start.year, invoice.period_start.month, partner.time_zone)
    month = {"entry_type__in": [EntryType.CHARGE, EntryType.REFUND], "created_at__gte": start, "created_at__lt": end}
    entries = (LedgerEntry.objects.for_partner(partner).filter(**month)
               .annotate(date=TruncDate("created_at", tzinfo=ZoneInfo(partner.time_zone)))
               .order_by("date", "id").values_list("id", "date", "reference", "description", "amount"))
    items = defaultdict(list)
    for entry_id, *item in (LedgerItem.objects.for_partner(partner)
                            .filter(**{f"entry__{lookup}": value for lookup, value in month.items()})
                            .order_by("entry_id", "position", "id")
                            .values_list("entry_id", "description", "quantity", "amount")):
        items[entry_id].append(item)
    return [{"date": day, "reference": reference, "product": product, "quantity": quantity, "amount": amount}
            for entry_id, day, reference, description, entry_amount in entries
            for product, quantity, amount in items[entry_id] or [_item_of_bare_entry(description, entry_amount)]]


def _item_of_bare_entry(description: str, entry_amount: Decimal) -> tuple[str, int, Decimal]:
    """An entry without items, read as one line: charges are negative on the ledger and positive
    on the statement, refunds the other way round (quantity -1, as refund items have it)."""
    return description, (1 if entry_amount < 0 else -1), -entry_amount


def invoice_documents_store(invoice: Invoice) -> None:
    """Render and store the invoice PDF and the statement PDF, each only if not stored yet.

    Idempotent under redelivery: a file is claimed with a conditional UPDATE of its still-empty
    field, so if two workers render the same document at once, one file wins and the other's
    copy is deleted; a stored PDF is never replaced."""
    invoice_name, statement_name = document_filenames(invoice)
    for field_name, render, filename in (("pdf", invoice_pdf, invoice_name),
                                         ("statement_pdf", statement_pdf, statement_name)):
        if not getattr(invoice, field_name):
            _store(invoice, field_name, filename, render(invoice))


def invoice_documents_mail(invoice: Invoice) -> int:
    """B-4: e-mail the stored invoice PDF and the stored statement PDF, one message each, to
    every billing-contact address, in the partner's language. Returns how many messages went out.

    At most once: sending is claimed by setting `mailed_at` where it is still empty; a second
    call (a redelivered or retried task) finds it set and sends nothing. If sending fails, the
    claim is released and the error re-raised, so the task's retry sends again. When the partner
    has no billing address nothing goes out and the claim is released too: mailed_at only ever
    records e-mails that were sent."""
    claimed = Invoice.unscoped.filter(pk=invoice.pk, mailed_at__isnull=True).update(mailed_at=timezone.now())
    if not claimed:
        return 0
    invoice_name, statement_name = document_filenames(invoice)
    context = {"invoice": invoice, "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE}
    try:
        sent = send_partner_mail(partner=invoice.partner, template="invoice", context=context,
                                 attachments=[(invoice_name, _stored_bytes(invoice.pdf), PDF)])
        sent += send_partner_mail(partner=invoice.partner, template="statement", context=context,
                                  attachments=[(statement_name, _stored_bytes(invoice.statement_pdf), PDF)])
    except Exception:
        Invoice.unscoped.filter(pk=invoice.pk).update(mailed_at=None)
        raise
    if not sent:
        Invoice.unscoped.filter(pk=invoice.pk).update(mailed_at=None)
    return sent


def document_filenames(invoice: Invoice) -> tuple[str, str]:
    """The names the invoice PDF and the statement PDF go by as attachments (the download view
    names them the same way)."""
    return f"{invoice.number}-invoice.pdf", f"{invoice.number}-statement.pdf"


def _stored_bytes(stored: FieldFile) -> bytes:
    with stored.open("rb") as handle:
        return handle.read()


def _store(invoice: Invoice, field_name: str, filename: str, content: bytes) -> None:
    field = Invoice._meta.get_field(field_name)
    name = field.storage.save(field.generate_filename(invoice, filename), ContentFile(content),
                              max_length=field.max_length)
    claimed = Invoice.unscoped.filter(pk=invoice.pk, **{field_name: ""}).update(**{field_name: name})
    if not claimed:  # another worker stored it first: theirs is the document
        field.storage.delete(name)
        name = Invoice.unscoped.values_list(field_name, flat=True).get(pk=invoice.pk)
    setattr(invoice, field_name, name)


def _document_context(invoice: Invoice) -> dict:
    issuer = dict(invoice.issuer)
    for key in ("name", "address"):  # the issuer in the document's language, where configured
        issuer[key] = issuer.get(f"{key}_{invoice.language}") or issuer.get(key, "")
    return {
        "invoice": invoice,
        "issuer": issuer,
        "bill_to": invoice.bill_to,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "credited_number": invoice.credits.number if invoice.credits_id is not None else "",
        "tax_percent": invoice.tax_rate * 100,
        "language": invoice.language,
    }


def _correction_lines(invoice: Invoice) -> list[dict]:
    """The one row of a correcting credit note: its balance adjustment (posted with the note's
    number and the operator's reason), for the note's stored tax-exclusive amount."""
    entry = (LedgerEntry.objects.for_partner(invoice.partner)
             .filter(entry_type=EntryType.ADJUSTMENT, reference=invoice.number).order_by("id").first())
    when = local_date(entry.created_at, invoice.partner.time_zone) if entry else invoice.issue_date
    return [{"date": when, "reference": invoice.credits.number, "product": entry.description if entry else "",
             "quantity": 1, "amount": invoice.subtotal}]
