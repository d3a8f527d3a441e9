"""Renewals reads: status colours (R-2), renewal windows (R-6), the customers-to-renew list (R-4),
the renewal form's numbers (R-5), pools and their ledger, and the dashboard's counts (R-3).

Colours and windows are each defined once here, as query expressions: lists filter with them,
pages and the API read the annotated values, and the customer list (C-3) uses the same windows.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.dates import add_months
from portal.tenancy.context import Tenant

from .models import LicencePool, PoolEntry, Renewal, Subscription, SubscriptionPeriod

# --- status colours --------------------------------------------------------------------------


class Colour(models.TextChoices):
    """R-2, with a text label for each colour (colour alone is not accessible)."""

    RED = "red", _("Ended")
    ORANGE = "orange", _("Ends within 3 months")
    BLUE = "blue", _("Not started yet")
    GREEN = "green", _("Renewed")
    NONE = "none", _("Running")


# The order in which a customer's subscriptions decide its own colour: the most urgent first.
URGENCY = [Colour.RED, Colour.ORANGE, Colour.BLUE, Colour.GREEN, Colour.NONE]


def _colour_rules(today: date, prefix: str = "") -> list[tuple[str, Q]]:
    """R-2 in the partner's calendar, first match wins: blue — the first period has not started;
    green — renewed, the renewal's period has not started (the running period's end is shown);
    red — the end date has passed; orange — it ends in less than 3 months."""
    def q(**lookups) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    waiting = q(start_date__gt=today)
    return [
        (Colour.BLUE, waiting & q(previous_start__isnull=True)),
        (Colour.GREEN, waiting & q(previous_start__isnull=False)),
        (Colour.RED, q(end_date__lt=today)),
        (Colour.ORANGE, q(end_date__lt=add_months(today, 3))),
    ]


def colour_q(colour: str, today: date, prefix: str = "") -> Q:
    """Subscriptions of one colour (or `to_renew`: orange or red), as a filter."""
    if colour == "to_renew":
        return colour_q(Colour.RED, today, prefix) | colour_q(Colour.ORANGE, today, prefix)
    matched = Q()
    for name, rule in _colour_rules(today, prefix):
        if name == colour:
            return rule & ~matched if matched else rule
        matched = matched | rule if matched else rule
    return ~matched  # Colour.NONE


def with_status(queryset, today: date):
    """Annotate `colour`, and the running period's `current_start`, `current_end` and
    `current_years` (a renewed subscription keeps showing the period that still runs)."""
    rules = _colour_rules(today)
    green = dict(rules)[Colour.GREEN]
    return queryset.annotate(
        colour=Case(*[When(rule, then=Value(name)) for name, rule in rules], default=Value(Colour.NONE.value)),
        current_start=Case(When(green, then=F("previous_start")), default=F("start_date")),
        current_end=Case(When(green, then=F("start_date")), default=F("end_date")),
        current_years=Case(When(green, then=Coalesce(F("previous_years"), F("duration_years"))),
                           default=F("duration_years")),
    )


def term_years(start: date, end: date) -> int:
    """Years a term lasts, to the nearest year and at least one: 11 months → 1, 18 → 2, 36 → 3
    (a month is counted once 15 of its days have run)."""
    months = 0
    while add_months(start, months + 1) <= end:
        months += 1
    if (end - add_months(start, months)).days >= 15:
        months += 1
    return max(1, (months + 6) // 12)


def colour_of_customer(colours: list[str]) -> str:
    return min(colours, key=URGENCY.index) if colours else ""


# --- renewal windows around the anniversary A ---------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """R-6 around the anniversary A: Upcoming from A − 90 days until A − 30; Ready from A − 30
    until A + 14 (settings). Expressed as ranges of A for a given today."""

    upcoming: tuple[date, date]
    ready: tuple[date, date]


WINDOWS = ("upcoming", "ready")


def renewal_windows(today: date) -> Windows:
    upcoming, ready, late = (settings.PORTAL_RENEWAL_UPCOMING_DAYS, settings.PORTAL_RENEWAL_READY_DAYS,
                             settings.PORTAL_RENEWAL_LATE_DAYS)
    return Windows(upcoming=(today + timedelta(days=ready + 1), today + timedelta(days=upcoming)),
                   ready=(today - timedelta(days=late), today + timedelta(days=ready)))


def due_subscriptions(queryset):
    """Subscriptions that renew with their customer: licences held, ending on its anniversary (one
    left out of a renewal ends before the anniversary that moved on; `renews` says so, so lists
    need no join to tell)."""
    return queryset.filter(licences__gt=0, renews=True)


def has_due_subscription() -> Exists:
    """On customers: something to renew (`due_subscriptions`, as a semi-join)."""
    return Exists(due_subscriptions(Subscription.unscoped.filter(customer=OuterRef("pk"))))


def window_customer_q(window: str, today: date) -> Q:
    """Customers in an R-6 window: their anniversary in its range and something to renew. The
    customer list's filters (C-3) and the renewals list use this one definition."""
    low, high = getattr(renewal_windows(today), window)
    return Q(anniversary__range=(low, high)) & has_due_subscription()


# --- customers to renew ----------------------------------------------------------------------

STATES = ("to_renew", *(c.value for c in URGENCY), *WINDOWS)


def renewal_list(*, tenant: Tenant, today: date, state: str = "", reseller_id: int | None = None,
                 product_id: int | None = None):
    """R-4: the subscriptions to renew, by end date; `state` is a colour, `to_renew` (orange or
    red) or an R-6 window. Reseller users see their reseller's customers only (scoping)."""
    qs = due_subscriptions(Subscription.objects.for_tenant(tenant))
    if state in WINDOWS:
        qs = qs.filter(customer__in=_window_customers(tenant, state, today))
    elif state in STATES:
        qs = qs.filter(colour_q(state, today))
    if reseller_id:
        qs = qs.filter(customer__reseller_id=reseller_id)
    if product_id:
        qs = qs.filter(product_id=product_id)
    return with_status(qs, today).select_related("customer", "customer__reseller", "product").order_by(
        "end_date", "id")


def _window_customers(tenant: Tenant, window: str, today: date):
    from customers.models import Customer

    return Customer.objects.for_tenant(tenant).filter(window_customer_q(window, today)).values("pk")


def customer_colours(*, tenant: Tenant, customer_ids: list[int], today: date) -> dict[int, str]:
    """One page's customers → the colour of their most urgent due subscription (R-2)."""
    rows = with_status(due_subscriptions(Subscription.objects.for_tenant(tenant)).filter(
        customer_id__in=customer_ids), today).values_list("customer_id", "colour")
    colours = defaultdict(list)
    for customer_id, colour in rows:
        colours[customer_id].append(colour)
    return {customer_id: colour_of_customer(found) for customer_id, found in colours.items()}


# --- the partner's version of its renewal data: cached counts are dropped on every write --------------


def renewals_version(partner_id: int) -> int:
    from customers.selectors import customers_version

    return customers_version(partner_id)


def cached(tenant: Tenant, name: str, today: date, compute, *parts):
    """`compute()` cached until a write changes the partner's customers or subscriptions (or the
    day changes, or five minutes pass)."""
    version = renewals_version(tenant.partner.pk)
    reseller = tenant.reseller.pk if tenant.reseller else 0
    detail = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    key = ":".join(str(part) for part in ("renewals", name, tenant.partner.pk, version, reseller, today, detail))
    return cache.get_or_set(key, compute, 300)


def renewal_list_count(*, tenant: Tenant, today: date, queryset, filters: tuple) -> int:
    return cached(tenant, "list-count", today, queryset.count, *filters)


def companies_to_renew(*, tenant: Tenant, today: date) -> int:
    """R-3: how many customers have a subscription in orange or red."""
    def count():
        qs = due_subscriptions(Subscription.objects.for_tenant(tenant)).filter(colour_q("to_renew", today))
        return qs.values("customer_id").distinct().count()

    return cached(tenant, "to-renew", today, count)


# --- the renewal form's numbers ----------------------------------------------------------------


@dataclass
class RenewalLine:
    subscription: Subscription
    available: int  # licence-years in the pool that allocates this customer's licences
    held: int       # licences the customer holds
    assigned: int   # of which given to its users


def pool_owner_filter(customer) -> dict:
    """The pool a customer's licences come from: its reseller's if it has one, else the partner's."""
    return {"partner_id": customer.partner_id, "reseller_id": customer.reseller_id}


def renewal_lines(*, customer, today: date) -> list[RenewalLine]:
    from customers.models import LicenceAssignment, PAStatus

    subscriptions = list(with_status(due_subscriptions(Subscription.objects.for_partner(customer.partner)).filter(
        customer=customer), today).select_related("product").order_by("product__name", "id"))
    pools = dict(LicencePool.objects.for_partner(customer.partner).filter(**pool_owner_filter(customer)).values_list(
        "product_id", "balance"))
    assigned = dict(LicenceAssignment.objects.for_partner(customer.partner).filter(
        line__authorization__customer=customer, line__authorization__status=PAStatus.ORDERED).values(
        "line__product_id").annotate(n=Count("id")).values_list("line__product_id", "n"))
    return [RenewalLine(s, pools.get(s.product_id, 0), s.licences, assigned.get(s.product_id, 0))
            for s in subscriptions]


def renewal_opens_on(anniversary: date) -> date:
    """R-6: renewing is possible from A − 30 days (the Ready window), never before."""
    return anniversary - timedelta(days=settings.PORTAL_RENEWAL_READY_DAYS)


def access_ends_on(anniversary: date) -> date:
    """R-6: the last day of access without a renewal (A + 14 days)."""
    return anniversary + timedelta(days=settings.PORTAL_RENEWAL_LATE_DAYS)


@dataclass(frozen=True)
class RenewalState:
    """Where a customer stands in R-6, for its detail page and its admin's console."""

    colour: str            # the customer's R-2 colour ("" without licences to renew)
    opens_on: date         # renewing is possible from A − 30
    access_ends_on: date   # without a renewal, licences become inactive the day after (A + 14)
    renewable: bool        # today ≥ A − 30 and there are licences to renew
    due: bool              # the console's banner: from A − 30 until access ends, nothing renewed
    inactive: bool         # some licences are inactive (not renewed in time)


def renewal_state(*, customer, subscriptions: list[Subscription], today: date) -> RenewalState:
    """`subscriptions`: the customer's, annotated by `with_status`."""
    anniversary = customer.anniversary
    due = [s for s in subscriptions if s.licences > 0 and s.renews]
    opens_on, ends_on = renewal_opens_on(anniversary), access_ends_on(anniversary)
    return RenewalState(colour=colour_of_customer([s.colour for s in due]), opens_on=opens_on,
                        access_ends_on=ends_on, renewable=bool(due) and today >= opens_on,
                        due=bool(due) and opens_on <= today <= ends_on,
                        inactive=any(s.status == "inactive" for s in subscriptions))


def renewal_history(*, customer) -> list[Renewal]:
    """Processed renewals, newest first, each with its periods (product, licences) and who did it."""
    periods = SubscriptionPeriod.objects.for_partner(customer.partner).select_related("subscription__product")
    return list(Renewal.objects.for_partner(customer.partner).filter(customer=customer).select_related(
        "created_by").prefetch_related(models.Prefetch("periods", queryset=periods)))


# --- pools ---------------------------------------------------------------------------------------------


def pools_for(*, tenant: Tenant):
    """Every pool the tenant may see: the partner's and its resellers' (a reseller user: its own)."""
    return LicencePool.objects.for_tenant(tenant).select_related("product", "reseller").order_by(
        "product__name", F("reseller__name").asc(nulls_first=True), "id")


def pool_entries(*, tenant: Tenant, product_id: int | None = None, kind: str = "", reseller: str = "",
                 date_from: date | None = None, date_to: date | None = None):
    """The pool ledger, newest first; `reseller` is a reseller id or `partner` (the partner's own
    pool). Dates are the partner's calendar days."""
    from portal.dates import end_of_day, start_of_day

    qs = PoolEntry.objects.for_tenant(tenant).select_related("product", "reseller", "created_by")
    zone = tenant.partner.time_zone
    if product_id:
        qs = qs.filter(product_id=product_id)
    if kind:
        qs = qs.filter(kind=kind)
    if reseller == "partner":
        qs = qs.filter(reseller__isnull=True)
    elif reseller:
        qs = qs.filter(reseller_id=reseller)
    if date_from:
        qs = qs.filter(created_at__gte=start_of_day(date_from, zone))
    if date_to:
        qs = qs.filter(created_at__lte=end_of_day(date_to, zone))
    return qs.order_by("-created_at", "-id")


def licence_years_left(*, tenant: Tenant) -> int:
    """R-3: licence-years left in the pools the tenant sees."""
    return LicencePool.objects.for_tenant(tenant).aggregate(total=Sum("balance"))["total"] or 0
