"""Customer reads: the list with its filters and their counts (C-3) in one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from portal.tenancy.context import Tenant

from .models import Customer, PAStatus, PurchaseAuthorization

FILTERS = ("no_products", "pending", "overdue", "upcoming", "ready")


@dataclass(frozen=True)
class Windows:
    """R-6 around the anniversary A: Upcoming from A − 90 days until A − 30; Ready from A − 30
    until A + 14 (settings). Expressed as ranges of A for a given today."""

    upcoming: tuple[date, date]
    ready: tuple[date, date]


def renewal_windows(today: date) -> Windows:
    upcoming, ready, late = (settings.PORTAL_RENEWAL_UPCOMING_DAYS, settings.PORTAL_RENEWAL_READY_DAYS,
                             settings.PORTAL_RENEWAL_LATE_DAYS)
    return Windows(upcoming=(today + timedelta(days=ready + 1), today + timedelta(days=upcoming)),
                   ready=(today - timedelta(days=late), today + timedelta(days=ready)))


def _filter_q(name: str, today: date) -> Q:
    windows = renewal_windows(today)
    return {
        "no_products": Q(has_pa=False),
        "pending": Q(has_pending=True),
        "overdue": Q(has_overdue=True),
        "upcoming": Q(anniversary__range=windows.upcoming),
        "ready": Q(anniversary__range=windows.ready),
    }[name]


def _annotated(tenant: Tenant):
    pas = PurchaseAuthorization.objects.for_tenant(tenant).filter(customer=OuterRef("pk"))
    return Customer.objects.for_tenant(tenant).annotate(
        has_pa=Exists(pas),
        has_pending=Exists(pas.filter(status=PAStatus.PENDING)),
        has_overdue=Exists(pas.filter(status=PAStatus.OVERDUE)),
    )


def customer_list(*, tenant: Tenant, today: date, filter_name: str = "", managed_by=None, search: str = ""):
    qs = _annotated(tenant).select_related("account_manager")
    if filter_name in FILTERS:
        qs = qs.filter(_filter_q(filter_name, today))
    if managed_by is not None:
        qs = qs.filter(account_manager=managed_by)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(contact_email__icontains=search) | Q(vip_id__iexact=search))
    return qs.order_by("name", "id")


def customer_filter_counts(*, tenant: Tenant, today: date, managed_by=None) -> dict[str, int]:
    """Every filter's count in a single aggregate query."""
    qs = _annotated(tenant)
    if managed_by is not None:
        qs = qs.filter(account_manager=managed_by)
    return qs.aggregate(all=Count("id"), **{name: Count("id", filter=_filter_q(name, today)) for name in FILTERS})
