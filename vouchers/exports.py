"""The four voucher CSV exports of V-7, streamed from PostgreSQL with the exact SPEC columns.

Each query starts from the tenant (partner id bound as a parameter, never from the request
body); dates are the partner's calendar dates; text cells are neutralised against formulas.
"""

from __future__ import annotations

from datetime import date

from billing.tax import tax_amount_sql, tax_rate
from portal.csvexport import copy_csv_response, sql_text
from portal.money import quantize_sql
from portal.tenancy.context import Tenant

from .models import CodeStatus, VoucherOrder

ORDER_COLUMNS = ["id", "name", "status", "cost", "cost_plus_tax", "currency", "created_date", "expiration_date",
                 "receipt_id", "notes"]
CODE_COLUMNS = ["id", "value", "product_name", "no_of_fqdns", "no_of_wildcards", "shipping_method",
                "validity_years", "validity_days", "status", "created_date"]
USED_CODE_COLUMNS = [*CODE_COLUMNS, "voucher_order_id", "cert_request_date", "cert_validity_start_date",
                     "cert_validity_end_date", "cert_organization", "cert_common_name", "certificate_order_id",
                     "voucher_validity_end_date", "order_valid_from", "order_valid_till", "server_licenses"]

_STATUS_LABELS = {"completed": "Completed", "cancelled": "Cancelled", "active": "Active", "used": "Used",
                  "expired": "Expired", "replaced": "Replaced"}
_STATUS_SQL = "CASE {col} " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _STATUS_LABELS.items()) + " END"
_LOCAL_TIME = "to_char({col} AT TIME ZONE %(tz)s, 'YYYY-MM-DD\"T\"HH24:MI:SS')"


def orders_csv(*, tenant: Tenant, status: str = "", date_from: date | None = None, date_to: date | None = None):
    """V-7 exports 1 (no filters) and 2 (created date range and status)."""
    partner = tenant.partner
    sql = f"""
        SELECT o.id, {sql_text('o.customer_name')}, {_STATUS_SQL.format(col='o.status')},
               {quantize_sql("o.total", "o.currency")},
               {quantize_sql("o.total + " + tax_amount_sql("o.total", "%(tax_rate)s", "o.currency"), "o.currency")},
               o.currency,
               o.order_date, o.expires_on,
               {sql_text('o.receipt_id')}, {sql_text('o.notes')}
        FROM vouchers_voucherorder o
        WHERE o.partner_id = %(partner)s
          AND (%(status)s = '' OR o.status = %(status)s)
          AND (%(date_from)s::date IS NULL OR o.order_date >= %(date_from)s::date)
          AND (%(date_to)s::date IS NULL OR o.order_date <= %(date_to)s::date)
        ORDER BY o.id"""
    params = {"partner": partner.pk, "status": status, "date_from": date_from, "date_to": date_to,
              "tax_rate": tax_rate(partner)}
    name = "voucher-orders-filtered.csv" if (status or date_from or date_to) else "voucher-orders.csv"
    return copy_csv_response(name, ORDER_COLUMNS, sql, params)


_CODE_SELECT = f"""
    c.id, c.value, {sql_text('p.name')}, l.fqdns, l.wildcards, l.shipping_method, l.years,
    ((o.order_date + make_interval(years => l.years))::date - o.order_date),
    {_STATUS_SQL.format(col='c.status')}, {_LOCAL_TIME.format(col='c.created_at')}"""
_CODE_FROM = """
    FROM vouchers_vouchercode c
    JOIN vouchers_voucherorderline l ON l.id = c.line_id
    JOIN vouchers_voucherorder o ON o.id = c.order_id
    JOIN catalogue_product p ON p.id = l.product_id"""


def order_codes_csv(*, tenant: Tenant, order: VoucherOrder):
    """V-7 export 4: one order's codes (the order was loaded through the tenant's scope)."""
    sql = f"""SELECT {_CODE_SELECT} {_CODE_FROM}
        WHERE c.partner_id = %(partner)s AND c.order_id = %(order)s AND c.status <> %(replaced)s
        ORDER BY c.id"""
    params = {"partner": tenant.partner.pk, "order": order.pk, "replaced": CodeStatus.REPLACED,
              "tz": tenant.partner.time_zone}
    return copy_csv_response(f"voucher-order-{order.pk}-codes.csv", CODE_COLUMNS, sql, params)


def used_codes_csv(*, tenant: Tenant):
    """V-7 export 3: every used code with the certificate requested with it."""
    sql = f"""SELECT {_CODE_SELECT}, o.id, {_LOCAL_TIME.format(col='r.requested_at')}, r.cert_valid_from,
               r.cert_valid_till, {sql_text('r.organisation')}, {sql_text('r.common_name')},
               r.certificate_order_id, c.expires_on, r.order_valid_from, r.order_valid_till, r.server_licences
        {_CODE_FROM}
        LEFT JOIN vouchers_certificaterequest r ON r.code_id = c.id AND r.status IN ('pending', 'issued')
        WHERE c.partner_id = %(partner)s AND c.status = %(used)s
        ORDER BY c.id"""
    params = {"partner": tenant.partner.pk, "used": CodeStatus.USED, "tz": tenant.partner.time_zone}
    return copy_csv_response("used-voucher-codes.csv", USED_CODE_COLUMNS, sql, params)
