"""Renew a customer (R-5, R-6): extend its subscriptions by whole years, taking the licence-years
from the pool that allocates its licences, and move its anniversary on.

Locks, in this order: the customer row (one renewal decision per customer at a time; the unique
(customer, previous anniversary) constraint backs it against a replay), its subscriptions, then
the pools (in id order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.dates import add_years, local_today
from portal.errors import Forbidden, PortalError
from portal.outbox import outbox_enqueue
from portal.tenancy.context import Tenant
from portal.tenancy.roles import Perm

from ..models import PeriodKind, PoolEntryKind, Renewal, Subscription, SubscriptionPeriod
from ..selectors import access_ends_on, due_subscriptions, renewal_opens_on
from .pools import PoolKey, pool_move, pools_lock
from .subscriptions import subscription_reactivate

MAX_YEARS = 3
MAX_LICENCES = 10_000


@dataclass(frozen=True)
class RenewalLineInput:
    subscription_id: int
    licences: int


def renewal_check_input(*, years: int, lines: list[RenewalLineInput]) -> None:
    """The numbers alone, before anything is locked: years 1–3, licences 0–10,000 per line (0 = do
    not renew this solution), at least one licence in all."""
    if not 1 <= years <= MAX_YEARS:
        raise PortalError("years_out_of_range", _("Renew for 1, 2 or 3 years."), field="years")
    for index, line in enumerate(lines):
        if not 0 <= line.licences <= MAX_LICENCES:
            raise PortalError("licences_out_of_range", _("Licences must be between 0 and 10,000."),
                              field=f"lines[{index}].licences")
    if not any(line.licences for line in lines):
        raise PortalError("nothing_to_renew", _("Renew at least one licence."), field="lines")


def customer_renew(*, tenant: Tenant, customer, years: int, lines: list[RenewalLineInput]) -> Renewal:
    """R-5: renew the customer for `years`. Each line renews one due subscription with its number
    of licences (a subscription left out is not renewed: it ends on the current anniversary);
    licences × years licence-years leave the pool of the customer's reseller, or the partner's.

    Renewing is possible from A − 30 days. Until A + 14 days the new term follows the current one
    (it starts on A); later, when access has been removed, it starts today. The anniversary moves
    to the end of the new term. Refused, with nothing changed, when a pool is short (on that
    line's licences), too early (409 `not_renewable`) or on invalid numbers.
    """
    if not tenant.can(Perm.RENEWALS_MANAGE):
        raise Forbidden()
    renewal_check_input(years=years, lines=lines)
    partner = tenant.partner
    today = local_today(partner.time_zone)
    with transaction.atomic():
        from customers.models import Customer

        customer = Customer.objects.for_tenant(tenant).select_for_update().get(pk=customer.pk)
        anniversary = customer.anniversary
        subscriptions = {s.pk: s for s in due_subscriptions(
            Subscription.objects.for_partner(partner).select_for_update()).filter(customer=customer)}
        _check_renewable(today, anniversary, subscriptions, lines)
        start = anniversary if today <= access_ends_on(anniversary) else today
        new_anniversary = add_years(start, years)
        renewal = Renewal.objects.create(partner=partner, customer=customer, years=years,
                                         previous_anniversary=anniversary, new_anniversary=new_anniversary,
                                         renewed_on=today, created_by=tenant.user)
        keys = {s.product_id: PoolKey(partner.pk, customer.reseller_id, s.product_id) for s in subscriptions.values()}
        pools = pools_lock(list(keys.values()))
        renewing = {line.subscription_id for line in lines if line.licences}
        Subscription.objects.for_partner(partner).filter(pk__in=set(subscriptions) - renewing).update(renews=False)
        for index, line in enumerate(lines):
            if line.licences:
                subscription = subscriptions[line.subscription_id]
                pool_move(pool=pools[keys[subscription.product_id]], kind=PoolEntryKind.RENEWAL,
                          quantity=-line.licences * years, actor=tenant.user, reference=customer.vip_id,
                          renewal=renewal, field=f"lines[{index}].licences")
                _extend(subscription, renewal, start, new_anniversary, years, line.licences)
                subscription_reactivate(subscription=subscription, actor=tenant.user, partner=partner)
        Customer.unscoped.filter(pk=customer.pk).update(anniversary=new_anniversary)
        audit_record(action="customer.renewed", obj=renewal, tenant=tenant,
                     before={"anniversary": anniversary},
                     after={"anniversary": new_anniversary, "years": years, "customer": customer.vip_id,
                            "licences": sum(line.licences for line in lines)})
        _after_commit(renewal)
    return renewal


def _check_renewable(today: date, anniversary: date, subscriptions: dict, lines: list[RenewalLineInput]) -> None:
    if not subscriptions:
        raise PortalError("not_renewable", _("This customer has no licences to renew."), status=409)
    if today < renewal_opens_on(anniversary):
        raise PortalError("not_renewable", _("This customer can be renewed from %(date)s.")
                          % {"date": renewal_opens_on(anniversary).isoformat()}, status=409)
    seen = set()
    for index, line in enumerate(lines):
        if line.subscription_id not in subscriptions or line.subscription_id in seen:
            raise PortalError("unknown_subscription", _("Choose one of this customer's subscriptions due for "
                                                        "renewal."), field=f"lines[{index}].subscription")
        seen.add(line.subscription_id)


def _extend(subscription: Subscription, renewal: Renewal, start: date, end: date, years: int, licences: int) -> None:
    """Append the new period; the subscription describes it from now on (its running period, if any,
    stays visible through `previous_start` until the new one starts)."""
    SubscriptionPeriod.objects.create(partner=subscription.partner, subscription=subscription,
                                      kind=PeriodKind.RENEWAL, start_date=start, end_date=end, years=years,
                                      licences=licences, renewal=renewal)
    running = subscription.start_date < start
    Subscription.objects.for_partner(subscription.partner).filter(pk=subscription.pk).update(
        start_date=start, end_date=end, previous_start=subscription.start_date if running else None,
        previous_years=subscription.duration_years if running else None, duration_years=years, licences=licences)


def _after_commit(renewal: Renewal) -> None:
    from customers.selectors import customers_changed

    from ..tasks import send_renewal_emails

    partner_id = renewal.partner_id
    transaction.on_commit(lambda: customers_changed(partner_id))
    outbox_enqueue(send_renewal_emails, renewal.pk)
