import os
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from portal.dburl import url_with_database
from portal.tenancy.context import Tenant
from portal.tenancy.roles import Role
from tests.factories import (
    BillingContactFactory,
    MembershipFactory,
    OperatorFactory,
    PartnerFactory,
    PriceEntryFactory,
    PriceTableFactory,
    ProductFactory,
    ResellerFactory,
)

PASSWORD = "pw-test-123"


@pytest.fixture
def test_database_url(django_db_setup):
    """DATABASE_URL naming this run's (migrated) test database, for the processes a test starts."""
    from django.db import connection

    return url_with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached counts never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


# Date-sensitive tests run on an ordinary day and on 29 February of a leap year.
BUSINESS_DAYS = [date(2026, 11, 21), date(2028, 2, 29)]


@pytest.fixture(params=BUSINESS_DAYS, ids=str)
def business_day(request, monkeypatch) -> date:
    """The clock frozen at noon in Tokyo on each of BUSINESS_DAYS (the test runs once per day)."""
    return freeze_clock(monkeypatch, datetime.combine(request.param, time(12), tzinfo=ZoneInfo("Asia/Tokyo")))


def freeze_clock(monkeypatch, moment: datetime) -> date:
    """`timezone.now()` is `moment` from here on (every "today" of the code derives from it)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment.date()


@pytest.fixture
def partner(db):
    partner = PartnerFactory(name="Alpha KK", currency="JPY", language="ja", time_zone="Asia/Tokyo",
                             credit_limit=Decimal("1000000"))
    BillingContactFactory(partner=partner)
    return partner


@pytest.fixture
def other_partner(db):
    partner = PartnerFactory(name="Beta SAS", currency="EUR", language="fr", time_zone="Europe/Paris")
    BillingContactFactory(partner=partner)
    return partner


def member(partner, role=Role.PARTNER_ADMIN, reseller=None, **user_fields):
    return MembershipFactory(partner=partner, role=role, reseller=reseller, **user_fields).user


def tenant_for(user, partner) -> Tenant:
    membership = user.memberships.get(partner=partner)
    return Tenant(partner=partner, role=membership.role, user=user, reseller=membership.reseller)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(partner):
    return member(partner, Role.PARTNER_ADMIN)


@pytest.fixture
def admin_tenant(admin_user, partner):
    return tenant_for(admin_user, partner)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def finance_user(partner):
    return member(partner, Role.PARTNER_FINANCE)


@pytest.fixture
def finance(finance_user, partner):
    return tenant_for(finance_user, partner)


@pytest.fixture
def finance_client(finance_user):
    return client_for(finance_user)


@pytest.fixture
def manager_user(partner):
    return member(partner, Role.ACCOUNT_MANAGER)


@pytest.fixture
def manager(manager_user, partner):
    return tenant_for(manager_user, partner)


@pytest.fixture
def manager_client(manager_user):
    return client_for(manager_user)


@pytest.fixture
def other_admin(other_partner):
    return member(other_partner, Role.PARTNER_ADMIN)


@pytest.fixture
def reseller(partner):
    return ResellerFactory(partner=partner, name="North")


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def price_table(partner):
    """P-3's example: base 995 covering 1 FQDN, 995 per extra FQDN, 5,000 per wildcard."""
    table = PriceTableFactory(partner=partner)
    product = ProductFactory(code="ssl-ov", name="SSL OV", included_fqdns=1, max_years=2)
    for years in (1, 2):
        PriceEntryFactory(table=table, product=product, years=years, component="base",
                          offered_price=Decimal("995") * years)
        PriceEntryFactory(table=table, product=product, years=years, component="fqdn",
                          offered_price=Decimal("995") * years)
        PriceEntryFactory(table=table, product=product, years=years, component="wildcard",
                          offered_price=Decimal("5000") * years)
    return table
