"""Billing reads."""

from __future__ import annotations

from datetime import date

from portal.dates import end_of_day, start_of_day
from portal.tenancy.context import Tenant

from .models import LedgerEntry


def ledger_entries(*, tenant: Tenant, entry_type: str = "", date_from: date | None = None,
                   date_to: date | None = None):
    """B-7: the ledger, newest first, filtered by type and by the partner's calendar dates."""
    qs = LedgerEntry.objects.for_tenant(tenant)
    time_zone = tenant.partner.time_zone
    if entry_type:
        qs = qs.filter(entry_type=entry_type)
    if date_from:
        qs = qs.filter(created_at__gte=start_of_day(date_from, time_zone))
    if date_to:
        qs = qs.filter(created_at__lte=end_of_day(date_to, time_zone))
    return qs


def invoices_unpaid(*, tenant: Tenant) -> dict:
    """R-3's tile: unpaid invoices (issued or overdue), how many are overdue, and the amount due;
    one query."""
    from django.db.models import Count, F, Q, Sum

    from .models import Invoice, InvoiceKind, InvoiceStatus

    unpaid = Q(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE])
    return Invoice.objects.for_tenant(tenant).filter(kind=InvoiceKind.INVOICE).aggregate(
        unpaid=Count("pk", filter=unpaid), overdue=Count("pk", filter=Q(status=InvoiceStatus.OVERDUE)),
        due=Sum(F("total") - F("amount_paid"), filter=unpaid, default=0))


def balance_available(*, tenant: Tenant) -> dict:
    """R-3's tile: balance, credit limit and funds available (B-7) in one query (the partner row is
    the request's)."""
    from .models import BalanceAccount

    partner = tenant.partner
    balance = BalanceAccount.objects.for_partner(partner).values_list("balance", flat=True).first() or 0
    return {"currency": partner.currency, "balance": balance, "credit_limit": partner.credit_limit,
            "available": balance + partner.credit_limit}
