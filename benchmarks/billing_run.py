"""B-1 at size: the monthly run for 10,000 partners and 1,000,000 order lines (PDFs excluded:
workers render them after the run commits).

Floor: the same invoice rows (column for column) made the cheapest way, one raw INSERT … SELECT …
GROUP BY over the same ledger rows into the same table (same indexes), numbered in the same
statement; without what the run adds to it (the already-invoiced check, the billing address, the
tax posted to the ledger and the balances, the audit entries, the low-balance check, the PDF
jobs). The month's ledger is committed and vacuumed before the measurements, as the run finds it
on the 1st, and removed afterwards. The machine is shared, so the run and its floor are measured in
turns (each inside a savepoint rolled back), back to back, the order of the two alternating, and
the median turn is kept (benchmarks.db.median_turn)."""


import json

from django.db import connection, transaction

from benchmarks import Result, benchmark
from benchmarks.db import checkpoint, median_turn, rolled_back, vacuum
from billing.models import DocumentSequence, InvoiceKind
from billing.services import invoices_issue_month
from billing.services.invoices import issuer_details
from billing.tax import tax_amount_sql, tax_rate_sql
from portal.dates import month_bounds

PARTNERS = 10_000
LINES = 1_000_000
LINES_PER_ORDER = 4

_SETUP = """
INSERT INTO tenancy_partner (name, account_number, currency, language, time_zone, contract_type, payment_terms,
    credit_limit, low_balance_threshold, vouchers_enabled, currency_locked, created_at)
SELECT 'bench ' || n, 'BENCH-RUN-' || n, 'JPY', 'ja', 'Asia/Tokyo', 'ongoing', 'NET30', 100000000, 0, true, true,
       now()
FROM generate_series(1, %(partners)s) n;

CREATE TEMP TABLE bench_partners ON COMMIT DROP AS
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM tenancy_partner WHERE account_number LIKE 'BENCH-RUN-%%';

INSERT INTO billing_balanceaccount (partner_id, currency, balance, low_balance_notified, updated_at)
SELECT id, 'JPY', 0, false, now() FROM bench_partners;

CREATE TEMP TABLE bench_entries ON COMMIT DROP AS
    SELECT p.id AS partner_id, o AS order_no
    FROM bench_partners p, generate_series(1, %(orders_per_partner)s) o;

INSERT INTO billing_ledgerentry (partner_id, created_at, entry_type, amount, balance_after, currency, reference,
    description)
SELECT partner_id, timestamptz '2026-10-15 03:00+00' + (order_no || ' minutes')::interval, 'charge',
       -995 * %(lines_per_order)s, 0, 'JPY', 'VO-' || order_no, ''
FROM bench_entries;

INSERT INTO billing_ledgeritem (partner_id, entry_id, description, quantity, amount, position)
SELECT e.partner_id, e.id, 'Bench OV (1Y)', 1, 995, l
FROM billing_ledgerentry e JOIN bench_partners p ON p.id = e.partner_id, generate_series(1, %(lines_per_order)s) l;
"""


_FLOOR = """
INSERT INTO billing_invoice (partner_id, kind, number, period_start, period_end, issue_date, due_date,
    payment_terms, currency, subtotal, tax_rate, tax, total, amount_paid, status, bill_to, issuer, language,
    pdf, statement_pdf, created_at)
SELECT t.partner_id, 'invoice', 'INV' || lpad((%(base)s + row_number() OVER (ORDER BY t.partner_id))::text, 6, '0'),
       '2026-10-01', '2026-10-31', '2026-11-01', '2026-12-01', p.payment_terms, p.currency, t.subtotal,
       {rate}, {tax}, t.subtotal + {tax}, 0, 'issued', '{{}}', %(issuer)s::jsonb, p.language, '', '', now()
FROM (SELECT e.partner_id, -SUM(e.amount) AS subtotal
      FROM billing_ledgerentry e JOIN tenancy_partner p ON p.id = e.partner_id
      WHERE p.time_zone = 'Asia/Tokyo' AND e.entry_type IN ('charge', 'refund')
        AND e.created_at >= %(start)s AND e.created_at < %(end)s
      GROUP BY e.partner_id) t
JOIN tenancy_partner p ON p.id = t.partner_id
""".format(rate=tax_rate_sql("p"), tax=tax_amount_sql("t.subtotal", tax_rate_sql("p"), "p.currency"))
ROUNDS = 9  # a shared machine: the median of more turns is steadier
TABLES = ("tenancy_partner", "billing_balanceaccount", "billing_ledgerentry", "billing_ledgeritem", "billing_invoice",
          "audit_auditentry", "jobs_outboxmessage")



def _remove_bench_data(cursor) -> None:
    """Delete the benchmark's partners and their rows, in one transaction; the ledger's
    append-only triggers are off inside it only (the benchmark's connection owns the tables)."""
    with transaction.atomic():
        cursor.execute("SELECT id FROM tenancy_partner WHERE account_number LIKE 'BENCH-RUN-%%'")
        partners = [row[0] for row in cursor.fetchall()]
        if not partners:
            return
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks left pending at the ALTERs below
        for table in ("billing_ledgeritem", "billing_ledgerentry"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")  # constant names
        for table in ("billing_ledgeritem", "billing_ledgerentry", "billing_balanceaccount"):
            cursor.execute(f"DELETE FROM {table} WHERE partner_id = ANY(%s)", [partners])  # noqa: S608
        cursor.execute("DELETE FROM tenancy_partner WHERE id = ANY(%s)", [partners])
        for table in ("billing_ledgeritem", "billing_ledgerentry"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


@benchmark("monthly_run")
def monthly_run() -> Result:
    """The set-based run (one statement for the whole time zone, each partner's month read from
    its ledger index)."""
    def run():
        assert len(invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")) >= PARTNERS

    def floor():
        start, end = month_bounds(2026, 10, "Asia/Tokyo")
        base = DocumentSequence.objects.filter(name=InvoiceKind.INVOICE).values_list("last_value", flat=True).first()
        with connection.cursor() as cursor:
            cursor.execute(_FLOOR, {"base": base or 0, "start": start, "end": end,
                                    "issuer": json.dumps(issuer_details())})
            assert cursor.rowcount >= PARTNERS, cursor.rowcount

    with connection.cursor() as cursor:
        _remove_bench_data(cursor)  # a run stopped half-way
        with transaction.atomic():
            cursor.execute(_SETUP, {"partners": PARTNERS, "orders_per_partner": LINES // PARTNERS // LINES_PER_ORDER,
                                    "lines_per_order": LINES_PER_ORDER})
    try:
        # The month as the run finds it on the 1st: committed weeks ago and vacuumed (the visibility
        # map set, as autovacuum leaves it), so index-only reads of it need no row look-ups.
        vacuum(*TABLES)
        checkpoint()
        with rolled_back():
            seconds, floor_seconds = median_turn(run, floor, rounds=ROUNDS)
    finally:
        with connection.cursor() as cursor:
            _remove_bench_data(cursor)
        vacuum(*TABLES)
    return Result(f"monthly invoice run ({PARTNERS:,} partners)", LINES, "order lines", seconds,
                  floor=floor_seconds, floor_label="raw INSERT … SELECT … GROUP BY", target=2)
