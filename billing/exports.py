"""B-10: invoices as CSV, streamed from PostgreSQL (operator finance across partners; a partner
its own)."""

from __future__ import annotations

from portal.csvexport import copy_csv_response, sql_text
from portal.money import quantize_sql

INVOICE_COLUMNS = ["number", "partner", "period", "issue_date", "due_date", "subtotal", "tax", "total", "paid",
                   "status"]

# Amounts in the currency's precision (JPY: 660, not 660.00), as every page and PDF shows them.
_SQL = f"""
    SELECT i.number, {sql_text('p.name')}, to_char(i.period_start, 'YYYY-MM'), i.issue_date, i.due_date,
           {", ".join(quantize_sql(f"i.{column}", "i.currency") for column in ("subtotal", "tax", "total",
                                                                               "amount_paid"))},
           CASE i.status WHEN 'issued' THEN 'Issued' WHEN 'paid' THEN 'Paid' WHEN 'overdue' THEN 'Overdue' END
    FROM billing_invoice i JOIN tenancy_partner p ON p.id = i.partner_id
    WHERE (%(partner)s::bigint IS NULL OR i.partner_id = %(partner)s)
      AND (%(status)s = '' OR i.status = %(status)s)
    ORDER BY i.number"""


def invoices_csv(*, partner_id: int | None, status: str = ""):
    """Every invoice of one partner (`partner_id`), or of every partner (operator, None)."""
    name = f"invoices-{partner_id}.csv" if partner_id else "invoices.csv"
    return copy_csv_response(name, INVOICE_COLUMNS, _SQL, {"partner": partner_id, "status": status})
