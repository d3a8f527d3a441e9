"""B-2 invoice PDFs (target ≤ 0.15 s each) and the B-3 statement PDF of a 2,000-line month, whose
floor is a plain WeasyPrint table of the same 2,000 rows (same columns, same fonts) laid out in the
same run (target: half of it). Times are wall-clock on whatever else the box runs.
"""

import time
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format

from benchmarks import Result, benchmark
from benchmarks.db import rolled_back
from benchmarks.pdf_floors import plain_pages, plain_table
from billing.documents import invoice_pdf, statement_lines, statement_pdf
from billing.models import EntryType, Invoice, LedgerEntry, LedgerItem
from portal.dates import add_months, end_of_month
from portal.templatetags.portal import money
from portal.tenancy.models import Partner

INVOICES = 20
STATEMENT_LINES = 2000
PERIOD = date(2026, 10, 1)
ISSUER = {"name": "Partner Portal Distribution KK", "address": "1-1-1 Otemachi, Chiyoda-ku, Tokyo 100-0004, Japan",
          "phone": "+81 3-0000-1111", "fax": "+81 3-0000-1112", "registration_number": "T8010001078218",
          "bank": "Example Bank, Otemachi branch, ordinary account 1234567"}
BILL_TO = {"organisation": "株式会社ベンチ", "contact_name": "山田 花子", "postal_code": "100-0005", "state": "東京都",
           "city": "千代田区", "address_line1": "丸の内1-1-1", "address_line2": "", "country": "JP",
           "emails": ["billing@example.test"]}


def _partner(suffix: str) -> Partner:
    """Japanese, so the CJK font path is the one measured."""
    return Partner.objects.create(name="bench", account_number=f"BENCH-BPDF-{suffix}", currency="JPY",
                                  language="ja", time_zone="Asia/Tokyo")


def _invoice(partner: Partner, n: int, subtotal: Decimal, months_back: int = 0) -> Invoice:
    """The document of the month `months_back` months before October 2026 (one per month)."""
    tax = subtotal / 10
    period = add_months(PERIOD, -months_back)
    return Invoice.unscoped.create(
        partner=partner, number=f"BENCH{n:06d}", period_start=period, period_end=end_of_month(period),
        issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1), payment_terms="NET30", currency="JPY",
        subtotal=subtotal, tax_rate=Decimal("0.10"), tax=tax, total=subtotal + tax, bill_to=BILL_TO,
        issuer=ISSUER, language="ja")


def _month_of_orders(partner: Partner, lines: int) -> Decimal:
    """`lines` entries of one item each (every 20th a refund) spread over October 2026, written
    with the ORM only (no locking or funds check: only the rows the statement reads)."""
    entries, amounts = [], []
    for n in range(lines):
        refund = n % 20 == 19
        amount = Decimal("-995") if refund else Decimal("1990")
        amounts.append(amount)
        entries.append(LedgerEntry(partner=partner, entry_type=EntryType.REFUND if refund else EntryType.CHARGE,
                                   amount=-amount, balance_after=Decimal("0"), currency="JPY",
                                   reference=f"VO-{100000 + n}",
                                   created_at=datetime(2026, 10, 1 + n % 30, 3, 0, tzinfo=UTC)))
    entries = LedgerEntry.objects.bulk_create(entries)
    LedgerItem.objects.bulk_create([
        LedgerItem(partner=partner, entry=entry, description="デジサート グローバル・サーバID (1Y)",
                   quantity=-1 if amount < 0 else 2, amount=amount)
        for entry, amount in zip(entries, amounts, strict=True)])
    return sum(amounts, Decimal("0"))


def _timed(render, invoice: Invoice) -> float:
    start = time.perf_counter()
    render(invoice)
    return time.perf_counter() - start


@benchmark("invoice_pdf")
def invoice_pdfs() -> Result:
    """INVOICES one-page invoice PDFs, one render each (what the issuing task does per invoice)."""
    with rolled_back():
        partner = _partner("INV")
        invoices = [_invoice(partner, n, Decimal(10000 + n), months_back=n) for n in range(INVOICES)]
        invoice_pdf(invoices[0])  # warm-up: font loading and template compilation happen once per process
        elapsed = sum(_timed(invoice_pdf, invoice) for invoice in invoices)
        floor = sum(plain_pages([invoice.number]) for invoice in invoices)
    return Result("invoice PDF (1 page)", INVOICES, "PDFs", elapsed, floor=floor,
                  floor_label="plain 1-page WeasyPrint, each")


@benchmark("statement_pdf")
def statement_pdf_2000_lines() -> Result:
    """The itemised statement of a 2,000-line month (the statement_pdf call: query, template,
    PDF), and its floor: the same rows as one plain WeasyPrint table."""
    with rolled_back():
        partner = _partner("STM")
        invoice = _invoice(partner, 999999, _month_of_orders(partner, STATEMENT_LINES))
        invoice_pdf(invoice)  # warm-up, as above
        statement_pdf(invoice)  # and the statement's own monospaced font
        elapsed = _timed(statement_pdf, invoice)
        with translation.override(invoice.language):
            rows = [(date_format(line["date"], "DATE_FORMAT"), line["reference"], line["product"],
                     line["quantity"], money(line["amount"], invoice.currency))
                    for line in statement_lines(invoice)]
        floor = plain_table(rows)
    return Result("statement PDF", STATEMENT_LINES, "lines", elapsed, floor=floor,
                  floor_label="plain 2,000-row WeasyPrint table", target=0.5)
