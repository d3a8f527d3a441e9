"""Quote reads (B-9): the tenant's saved quotes and whether one is still valid."""

from __future__ import annotations

from datetime import date

from portal.dates import local_today
from portal.tenancy.context import Tenant

from ..models import Quote


def quote_is_valid(quote: Quote, *, today: date) -> bool:
    """Valid through its expiry date, Expired from the day after (`today` in the partner's zone)."""
    return today <= quote.expires_on


def quotes_for(*, tenant: Tenant, kind: str = "", status: str = "", today: date | None = None):
    """The tenant's saved quotes, newest first, optionally of one kind and one status ("valid":
    still valid `today`, "expired"), by the same validity rule as `quote_is_valid`."""
    queryset = Quote.objects.for_tenant(tenant)
    if kind:
        queryset = queryset.filter(kind=kind)
    today = today or local_today(tenant.partner.time_zone)
    if status == "valid":
        queryset = queryset.filter(expires_on__gte=today)
    elif status == "expired":
        queryset = queryset.filter(expires_on__lt=today)
    return queryset
