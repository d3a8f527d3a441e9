"""The invoice PDF (B-2) and the itemised statement PDF (B-3) of an issued document, their
one-time storage and their e-mail to the billing contact (B-4).

Both render from what the invoice stored at issue (amounts, tax rate, bill-to, issuer, language),
never from today's partner settings or prices, and in the invoice's stored language. The
statement's lines are the ledger items of the invoice's month, which are append-only. Once
stored, a PDF is never rendered again: downloads read the stored bytes, so they never change.
"""

from __future__ import annotations

import logging
import subprocess
import unicodedata
from collections import defaultdict
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from fontTools.ttLib import TTFont

from portal.dates import local_date, month_bounds
from portal.mail import send_partner_mail
from portal.money import Money, format_money
from portal.pdf import render_pdf

from .models import EntryType, Invoice, InvoiceKind, LedgerEntry, LedgerItem

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)

INVOICE_TEMPLATE = "pdf/invoice.html"
STATEMENT_TEMPLATE = "pdf/statement.html"
# The statement's rows are lines of one monospaced text block per page (STATEMENT_FONT, whose
# CJK characters are two half-width cells wide), its columns aligned with spaces: WeasyPrint's cost
# grows with every box and line, and a table of 2,000 rows is 10,000 cells, while this is one
# line per row (a 2,000-line month: ~0.2x the plain table, benchmarks/billing_pdf.py; laying out
# parts of it in parallel processes measured slower, each process loading the CJK fonts again).
# Pages are cut here, not by WeasyPrint, so that each says "Page X of Y" with its rows' count
# known: a page holds PAGE_ROWS lines (FIRST_PAGE_ROWS under the heading), and the totals need
# TOTALS_ROWS of room on the last page or take a page of their own (line height: invoice.css).
STATEMENT_FONT = "Noto Sans Mono CJK JP"
LINE_CELLS = 110  # half-width cells across the page at 9 pt (178 mm; a cell is 1.59 mm)
PAGE_ROWS = 54
FIRST_PAGE_ROWS = 44
TOTALS_ROWS = 8
PDF = "application/pdf"


def invoice_pdf(invoice: Invoice) -> bytes:
    """B-2: the invoice (or credit note) on one A4 page, in the invoice's language."""
    return render_pdf(INVOICE_TEMPLATE, _document_context(invoice), language=invoice.language)


def statement_pdf(invoice: Invoice) -> bytes:
    """B-3: every order line and refund of the invoice's month, then the invoice's own totals,
    on numbered pages ("Page X of Y"), rows as aligned lines of text (see STATEMENT_FONT)."""
    context = {**_document_context(invoice), "account_number": invoice.partner.account_number}
    with translation.override(invoice.language):
        header, rows = _statement_text(statement_lines(invoice), invoice.currency, invoice.language)
    context.update(header=header, pages=_statement_pages(rows))
    return render_pdf(STATEMENT_TEMPLATE, context, language=invoice.language)


def _statement_text(lines: list[dict], currency: str, language: str) -> tuple[str, list[str]]:
    """The column header and the rows as lines of text in the active language, columns padded to
    a common width (dates, references, products left-aligned, quantities and amounts right-
    aligned); a product name too long for its column wraps onto lines of its own."""
    labels = [gettext("Date"), gettext("Order ID"), gettext("Product"), gettext("Quantity"), gettext("Amount")]
    cells = [(date_format(line["date"], "DATE_FORMAT"), str(line["reference"]), str(line["product"]),
              str(line["quantity"]), format_money(Money(line["amount"], currency), language)) for line in lines]
    widths = [max([_width(label)] + [_width(row[column]) for row in cells]) for column, label in enumerate(labels)]
    widths[2] = max(LINE_CELLS - 2 * 4 - sum(widths) + widths[2], 12)  # the product takes what is left
    header = _aligned(labels, widths)[0]
    rows = [line for row in cells for line in _aligned(row, widths)]
    return header, rows


def _aligned(values, widths: list[int]) -> list[str]:
    """One row's lines: the five values in their columns, two cells apart; the product wrapped."""
    date, reference, product, quantity, amount = values
    products = _wrap(product, widths[2])
    lines = [_pad(date, widths[0]) + "  " + _pad(reference, widths[1]) + "  " + _pad(products[0], widths[2]) + "  "
             + _pad(quantity, widths[3], right=True) + "  " + _pad(amount, widths[4], right=True)]
    indent = " " * (widths[0] + widths[1] + 4)
    lines += [(indent + rest).rstrip() for rest in products[1:]]
    return [line.rstrip() for line in lines]


def _pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken after a space where there is one."""
    if _width(text) <= width:
        return [text]
    lines, line = [], ""
    for char in text:
        if _width(line + char) > width:
            cut = line.rfind(" ") + 1 if " " in line[1:] else len(line)
            lines.append(line[:cut].rstrip())
            line = line[cut:]
        line += char
    return [*lines, line]


@lru_cache(maxsize=4096)  # dates, products and amounts repeat down a statement
def _width(text: str) -> int:
    return sum(_char_cells(char) for char in text)


@cache
def _char_cells(char: str) -> int:
    """Half-width cells a character takes in STATEMENT_FONT: its advance in the font where the font
    can be read, else its Unicode East Asian width (wide and full-width: two)."""
    advance = _font_advances().get(ord(char))
    if advance is not None:
        return max(1, round(advance * 2))
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


@cache
def _font_advances() -> dict[int, float]:
    """STATEMENT_FONT's advance widths in em, by code point (read once per process)."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", STATEMENT_FONT], capture_output=True,
                               text=True, timeout=5, check=True).stdout
        path, index = found.rsplit(":", 1)
        font = TTFont(path, fontNumber=int(index or 0), lazy=True)
        metrics, per_em = font["hmtx"].metrics, font["head"].unitsPerEm
        return {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        logger.warning("statement font %s not readable: column widths from Unicode widths", STATEMENT_FONT)
        return {}


def _statement_pages(rows: list[str]) -> list[dict]:
    """The statement's pages: each with its lines of rows, its number and the page count, the
    first with the heading, the last with the totals."""
    pages, start, capacity = [], 0, FIRST_PAGE_ROWS
    while start < len(rows) or not pages:
        pages.append(rows[start:start + capacity])
        start += capacity
        capacity = PAGE_ROWS
    if len(pages[-1]) + TOTALS_ROWS > (FIRST_PAGE_ROWS if len(pages) == 1 else PAGE_ROWS):
        pages.append([])  # no room left for the totals: they take a page of their own
    count = len(pages)
    return [{"text": "\n".join(rows), "has_rows": bool(rows), "number": number, "count": count,
             "first": number == 1, "last": number == count} for number, rows in enumerate(pages, start=1)]


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
