"""Renewals fixtures: a customer whose licences come from an ordered PA, a pool with licence-years,
and a clock frozen on the partner's calendar."""

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from portal.dates import add_years
from renewals.models import LicencePool, PoolEntry, PoolEntryKind, Subscription
from renewals.services import subscription_add_licences
from tests.factories import CustomerFactory, LicencePriceFactory, LicenceProductFactory, PriceTableFactory


@pytest.fixture
def product(db):
    return LicenceProductFactory(name="Creative Cloud for teams — All Apps", sku="65304520CA01A12")


@pytest.fixture
def freeze(monkeypatch):
    """freeze(day, tz="Asia/Tokyo", at=time(12)): `timezone.now()` is that wall-clock moment."""
    def set_now(day, tz="Asia/Tokyo", at=time(12)):
        moment = datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return day

    return set_now


def subscribed(partner, product, *, anniversary, licences=10, reseller=None, manager=None, admin=None,
               start=None):
    """A customer holding `licences` of `product` for a year ending on `anniversary`, made by the
    service an ordered PA calls (R-1)."""
    customer = CustomerFactory(partner=partner, reseller=reseller, anniversary=anniversary, account_manager=manager,
                               admin_user=admin)
    with transaction.atomic():
        subscription_add_licences(customer=customer, product_id=product.pk, licences=licences,
                                  start=start or add_years(anniversary, -1))
    return customer


def give(partner, product, licence_years, reseller=None) -> LicencePool:
    """Licence-years in a pool, as an operator's credit would put them there."""
    pool, _ = LicencePool.unscoped.get_or_create(partner=partner, reseller=reseller, product=product)
    pool.balance += licence_years
    LicencePool.unscoped.filter(pk=pool.pk).update(balance=pool.balance)
    PoolEntry.objects.create(partner=partner, pool=pool, reseller=reseller, product=product,
                             kind=PoolEntryKind.CORRECTION, quantity=licence_years, balance_after=pool.balance,
                             reason="test credit")
    return pool


def pool_balance(partner, product, reseller=None) -> int:
    pool = LicencePool.unscoped.filter(partner=partner, product=product, reseller=reseller).first()
    return pool.balance if pool else 0


def subscription_of(customer, product) -> Subscription:
    return Subscription.unscoped.get(customer=customer, product=product)


@pytest.fixture
def licence_prices(partner, product):
    table = PriceTableFactory(partner=partner)
    return LicencePriceFactory(table=table, product=product, list_price=Decimal("12000"),
                               discount_rate=Decimal("10"), offered_price=Decimal("10800"))

