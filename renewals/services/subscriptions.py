"""Subscriptions (R-1): what an ordered purchase authorization gives a customer, and what ends it.

Every change of a subscription happens with its row locked (SELECT … FOR UPDATE), so a PA being
ordered, a return and a renewal of the same customer never compute from a stale count.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from portal.tenancy.models import Partner
from portal.transitions import Transitions, transition_apply, transition_apply_many

from ..models import PeriodKind, Subscription, SubscriptionPeriod, SubscriptionStatus
from ..selectors import term_years

ACTIVE, INACTIVE = SubscriptionStatus.ACTIVE, SubscriptionStatus.INACTIVE
SUBSCRIPTION_MOVES = Transitions({INACTIVE: {ACTIVE}, ACTIVE: {INACTIVE}}, code="subscription_state",
                                 message=_("These licences are %(status)s: they cannot change like this."))


def subscription_add_licences(*, customer, product_id: int, licences: int, start: date) -> Subscription:
    """C-6 → R-1: licences of an ordered PA line (negative: returned) on the customer's
    subscription for that product, co-terminous with its anniversary.

    A first order starts the first period on `start` (the PA's deployment date) and ends it on the
    anniversary. Later orders add to the periods not yet ended. A subscription that had ended
    before the anniversary (not renewed, or lapsed) starts a new term on `start`, active again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("subscription_add_licences must run inside the caller's transaction")
    partner, anniversary = customer.partner, customer.anniversary
    subscription = Subscription.objects.for_partner(partner).select_for_update().filter(
        customer=customer, product_id=product_id).first()
    if subscription is None or not subscription.renews:
        return _new_term(customer, subscription, product_id, max(licences, 0), min(start, anniversary))
    Subscription.objects.for_partner(partner).filter(pk=subscription.pk).update(
        licences=Greatest(F("licences") + licences, 0))
    SubscriptionPeriod.objects.for_partner(partner).filter(subscription=subscription, end_date__gte=start).update(
        licences=Greatest(F("licences") + licences, 0))
    subscription.refresh_from_db()
    return subscription


def _new_term(customer, subscription: Subscription | None, product_id: int, licences: int, start: date
              ) -> Subscription:
    fields = {"start_date": start, "end_date": customer.anniversary, "previous_start": None, "previous_years": None,
              "renews": True, "duration_years": term_years(start, customer.anniversary), "licences": licences}
    if subscription is None:
        subscription = Subscription.objects.create(partner=customer.partner, customer=customer,
                                                   reseller=customer.reseller, product_id=product_id, **fields)
    else:
        subscription_reactivate(subscription=subscription, actor=None, partner=customer.partner)
        if start < subscription.end_date:  # the old term still runs: the new one follows it
            start = fields["start_date"] = subscription.end_date
            fields["duration_years"] = term_years(start, customer.anniversary)
        for name, value in fields.items():
            setattr(subscription, name, value)
        subscription.save(update_fields=[*fields])
    SubscriptionPeriod.objects.create(partner=customer.partner, subscription=subscription, kind=PeriodKind.INITIAL,
                                      start_date=start, end_date=customer.anniversary,
                                      years=subscription.duration_years, licences=licences)
    return subscription


def subscription_deactivate_lapsed(*, partner: Partner, today: date) -> int:
    """R-6: the licences of a subscription not renewed within the grace days after its end date
    (A + 14) become inactive the day after: still active on A + 14, inactive on A + 15. One
    UPDATE, audited once; safe to run twice, late or concurrently (the second run finds nothing
    to change)."""
    from customers.selectors import customers_changed

    last_active_end = today - timedelta(days=settings.PORTAL_RENEWAL_LATE_DAYS + 1)
    with transaction.atomic():
        count = transition_apply_many(
            queryset=Subscription.objects.for_partner(partner).filter(end_date__lte=last_active_end),
            to=SubscriptionStatus.INACTIVE, moves=SUBSCRIPTION_MOVES, action="subscription.deactivated",
            partner=partner, changes={"inactive_since": today}, audit_after={"today": today.isoformat()})
        if count:
            transaction.on_commit(lambda: customers_changed(partner.pk))
    return count


def subscription_reactivate(*, subscription: Subscription, actor, partner: Partner) -> None:
    """R-6: a renewal (or a new term) makes inactive licences active again."""
    if subscription.status == SubscriptionStatus.INACTIVE:
        transition_apply(obj=subscription, to=SubscriptionStatus.ACTIVE, moves=SUBSCRIPTION_MOVES,
                         action="subscription.reactivated", actor=actor, partner=partner,
                         changes={"inactive_since": None})
