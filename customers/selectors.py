"""Customer reads: the list with its filters and their counts (C-3) in one query each."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.tenancy.context import Tenant
from renewals.selectors import WINDOWS, customer_colours, window_customer_q

from .models import Customer, LicenceAssignment, PAStatus, PurchaseAuthorization

FILTERS = ("no_products", "pending", "overdue", "upcoming", "ready")


def _has_pa(tenant: Tenant, **status):
    return Exists(PurchaseAuthorization.objects.for_tenant(tenant).filter(customer=OuterRef("pk"), **status))


def _filter_q(name: str, tenant: Tenant, today: date) -> Q:
    if name in WINDOWS:
        return window_customer_q(name, today)
    return {
        "no_products": ~_has_pa(tenant),
        "pending": _has_pa(tenant, status=PAStatus.PENDING),
        "overdue": _has_pa(tenant, status=PAStatus.OVERDUE),
    }[name]


def customer_list(*, tenant: Tenant, today: date, filter_name: str = "", managed_by=None, search: str = ""):
    """C-3's list, by name. Filters are semi-joins; nothing is computed for rows not shown."""
    qs = Customer.objects.for_tenant(tenant).select_related("account_manager")
    if filter_name in FILTERS:
        qs = qs.filter(_filter_q(filter_name, tenant, today))
    if managed_by is not None:
        qs = qs.filter(account_manager=managed_by)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(contact_email__icontains=search) | Q(vip_id__iexact=search))
    return qs.order_by("name", "id")


def overdue_customer_ids(*, tenant: Tenant, customer_ids: list[int]) -> set[int]:
    """Which of these (one page's) customers have an overdue PA."""
    return set(PurchaseAuthorization.objects.for_tenant(tenant).filter(
        customer_id__in=customer_ids, status=PAStatus.OVERDUE).values_list("customer_id", flat=True))


def annotate_page(*, tenant: Tenant, customers, today: date) -> None:
    """One page of the list: each customer's `has_overdue` (C-7) and `renewal_colour` (R-2), in two
    queries whatever the page's size."""
    ids = [customer.pk for customer in customers]
    overdue = overdue_customer_ids(tenant=tenant, customer_ids=ids)
    colours = customer_colours(tenant=tenant, customer_ids=ids, today=today)
    for customer in customers:
        customer.has_overdue = customer.pk in overdue
        customer.renewal_colour = colours.get(customer.pk, "")


_COUNTS_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE s.customer_id IS NULL),
       count(*) FILTER (WHERE s.pending),
       count(*) FILTER (WHERE s.overdue)
FROM customers_customer c
LEFT JOIN (SELECT customer_id, bool_or(status = 'pending') AS pending, bool_or(status = 'overdue') AS overdue
           FROM customers_purchaseauthorization WHERE partner_id = %(partner)s GROUP BY customer_id) s
       ON s.customer_id = c.id
WHERE c.partner_id = %(partner)s
  AND (%(reseller)s::bigint IS NULL OR c.reseller_id = %(reseller)s)
  AND (%(manager)s::bigint IS NULL OR c.account_manager_id = %(manager)s)
"""


def customers_changed(partner_id: int) -> None:
    """Called by every write that can move a customer between filters or a subscription between
    colours (customers, PAs, subscriptions, renewals): the partner's cached counts are dropped (a
    new version key)."""
    try:
        cache.incr(_version_key(partner_id))
    except ValueError:
        cache.set(_version_key(partner_id), 1, None)


def _version_key(partner_id: int) -> str:
    return f"customers:version:{partner_id}"


def customers_version(partner_id: int) -> int:
    return cache.get(_version_key(partner_id), 0)


def customer_filter_counts(*, tenant: Tenant, today: date, managed_by=None) -> dict[str, int]:
    """Every filter's count, cached until a write changes the partner's customers (or the day
    changes, or five minutes pass). With REDIS_URL the cache is shared by every web process; with
    the in-memory default another process may show counts up to that long old."""
    version = customers_version(tenant.partner.pk)
    key = (f"customers:counts:{tenant.partner.pk}:{version}:{tenant.reseller.pk if tenant.reseller else 0}:"
           f"{managed_by.pk if managed_by is not None else 0}:{today.isoformat()}")
    return cache.get_or_set(key, lambda: _count_filters(tenant, today, managed_by), 300)


def _count_filters(tenant: Tenant, today: date, managed_by) -> dict[str, int]:
    """Two queries. The PA filters: the PAs are grouped once per customer and joined, several
    times cheaper than three EXISTS per customer at 50,000 customers and 200,000 PAs; scoped like
    Customer.objects.for_tenant (the tenant's partner, and its reseller if any). The R-6 windows:
    counted with the very filters the list and the renewals list use."""
    params = {"partner": tenant.partner.pk, "reseller": tenant.reseller.pk if tenant.reseller else None,
              "manager": managed_by.pk if managed_by is not None else None}
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, params)
        row = cursor.fetchone()
    customers = Customer.objects.for_tenant(tenant)
    if managed_by is not None:
        customers = customers.filter(account_manager=managed_by)
    windows = customers.aggregate(**{name: Count("pk", filter=window_customer_q(name, today)) for name in WINDOWS})
    return {**dict(zip(("all", "no_products", "pending", "overdue"), row, strict=True)), **windows}


def pa_counts(*, tenant: Tenant) -> dict[str, int]:
    """R-3's tile: pending and overdue purchase authorizations, one query, cached like the
    filter counts until a write changes the partner's customers or PAs (every PA write calls
    customers_changed)."""
    key = (f"customers:pa-counts:{tenant.partner.pk}:{customers_version(tenant.partner.pk)}:"
           f"{tenant.reseller.pk if tenant.reseller else 0}")
    return cache.get_or_set(key, lambda: PurchaseAuthorization.objects.for_tenant(tenant).aggregate(
        pending=Count("pk", filter=Q(status=PAStatus.PENDING)), overdue=Count("pk", filter=Q(status=PAStatus.OVERDUE))),
        300)


def pa_cancel_refusal(*, pa: PurchaseAuthorization) -> str | None:
    """C-8: why this PA cannot be cancelled (for the page: the service checks the same under its
    transaction), or None."""
    if pa.status not in (PAStatus.PENDING, PAStatus.OVERDUE):
        return _("Only a Pending or Overdue purchase authorization can be cancelled; an Ordered one can be "
                 "returned.")
    if LicenceAssignment.objects.for_partner(pa.partner).filter(line__authorization=pa).exists():
        return _("A licence of this purchase authorization is assigned to a user: it cannot be cancelled.")
    return None
