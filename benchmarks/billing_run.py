"""B-1 at size: the monthly run for 10,000 partners and 1,000,000 order lines (PDFs excluded:
workers render them after the run commits)."""

import time

from django.db import connection, transaction

from benchmarks import Result, benchmark
from billing.services import invoices_issue_month

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


class Rollback(Exception):
    pass


@benchmark("monthly_run")
def monthly_run() -> Result:
    """The set-based run (one INSERT … SELECT … GROUP BY for the whole time zone)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                orders_per_partner = LINES // PARTNERS // LINES_PER_ORDER
                cursor.execute(_SETUP, {"partners": PARTNERS, "orders_per_partner": orders_per_partner,
                                        "lines_per_order": LINES_PER_ORDER})
                cursor.execute("ANALYZE billing_ledgerentry; ANALYZE tenancy_partner")
            start = time.perf_counter()
            issued = invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
            elapsed = time.perf_counter() - start
            assert len(issued) >= PARTNERS, len(issued)
            raise Rollback
    except Rollback:
        pass
    return Result(f"monthly invoice run ({PARTNERS:,} partners)", LINES, "order lines", elapsed)
