from __future__ import annotations

from datetime import date

from portal.dates import end_of_day, start_of_day
from portal.tenancy.context import Tenant

from .models import AuditEntry


def audit_entries(*, tenant: Tenant, action: str = "", actor_id: int | None = None,
                  date_from: date | None = None, date_to: date | None = None):
    qs = AuditEntry.objects.for_tenant(tenant).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    time_zone = tenant.partner.time_zone
    if date_from:
        qs = qs.filter(created_at__gte=start_of_day(date_from, time_zone))
    if date_to:
        qs = qs.filter(created_at__lte=end_of_day(date_to, time_zone))
    return qs


def audit_actions(*, tenant: Tenant) -> list[str]:
    return list(
        AuditEntry.objects.for_tenant(tenant).order_by("action").values_list("action", flat=True).distinct()
    )
