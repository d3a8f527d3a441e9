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
