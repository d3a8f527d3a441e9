"""R-1 subscriptions and R-5 licence pools: what an ordered PA gives, how a renewal extends it, and
every pool movement with its balance after."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import EntryType, Invoice, LedgerEntry
from billing.services import invoices_issue_month
from customers.models import Customer
from customers.services import PALineInput, pa_create, pa_mark_returned, pa_order
from portal.appendonly import AppendOnlyError
from portal.audit.models import AuditEntry
from portal.dates import add_years
from portal.errors import Forbidden, PortalError
from portal.tenancy.roles import Role
from renewals.models import (
    LicencePool,
    PeriodKind,
    PoolEntry,
    PoolEntryKind,
    Renewal,
    SubscriptionPeriod,
)
from renewals.selectors import term_years
from renewals.services import (
    RenewalLineInput,
    customer_renew,
    pool_allocate,
    pool_correct,
    pool_purchase,
    pool_take_back,
)
from tests.concurrency import run_together
from tests.conftest import member, tenant_for
from tests.factories import ResellerFactory
from tests.renewals.conftest import give, pool_balance, subscribed, subscription_of

TODAY = date(2026, 11, 30)


# --- R-1 -------------------------------------------------------------------------------------------


def test_r1_an_ordered_pa_becomes_a_subscription_with_its_first_period(partner, manager, product, freeze):
    freeze(TODAY)
    customer = Customer.objects.for_partner(partner).create(
        partner=partner, vip_id="VIP1", name="Kobe Works", market_segment="commercial", offer_type="team",
        region="Kansai", address="1 Port", postal_code="650", contact_name="Ken", contact_email="k@k.test",
        anniversary=date(2027, 11, 30))
    pa = pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                   lines=[PALineInput(product.pk, 12)], deployment_date=date(2026, 12, 5))
    pa_order(tenant=manager, pa=pa, vendor_order_number="VO-1")

    subscription = subscription_of(customer, product)
    assert (subscription.start_date, subscription.end_date, subscription.licences, subscription.duration_years,
            subscription.status) == (date(2026, 12, 5), date(2027, 11, 30), 12, 1, "active")
    assert list(SubscriptionPeriod.objects.for_partner(partner).values_list("kind", "start_date", "end_date",
                                                                            "licences")) == [
        (PeriodKind.INITIAL, date(2026, 12, 5), date(2027, 11, 30), 12)]


def test_r1_a_36_month_initial_term_is_3_years(partner, product):
    customer = subscribed(partner, product, anniversary=date(2029, 11, 30), start=date(2026, 11, 30))
    assert subscription_of(customer, product).duration_years == 3


@pytest.mark.parametrize(("start", "end", "years"), [
    (date(2026, 11, 30), date(2027, 11, 1), 1),   # 11 months: one (started) year
    (date(2026, 11, 30), date(2027, 11, 30), 1),
    (date(2026, 11, 30), date(2028, 5, 30), 2),   # 18 months rounds up
    (date(2026, 11, 30), date(2028, 4, 29), 1),   # 16 months 30 days: 17 → 1
    (date(2026, 11, 30), date(2029, 11, 30), 3),
    (date(2028, 2, 29), date(2029, 2, 28), 1),
])
def test_r1_duration_in_years_of_a_term(start, end, years):
    assert term_years(start, end) == years


def test_r1_more_licences_ordered_mid_term_go_on_the_running_period(partner, manager, product, freeze):
    freeze(TODAY)
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager.user)
    pa = pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                   lines=[PALineInput(product.pk, 5)], deployment_date=TODAY)
    pa_order(tenant=manager, pa=pa, vendor_order_number="VO-2")
    subscription = subscription_of(customer, product)
    assert (subscription.licences, subscription.start_date) == (15, date(2026, 6, 1))
    assert list(SubscriptionPeriod.objects.for_partner(partner).values_list("licences", flat=True)) == [15]


def test_r1_a_returned_pa_takes_its_licences_back(partner, manager, operator, product, freeze):
    freeze(TODAY)
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=0, manager=manager.user)
    pa = pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                   lines=[PALineInput(product.pk, 4)], deployment_date=TODAY)
    pa_order(tenant=manager, pa=pa, vendor_order_number="VO-3")
    from customers.services import pa_request_return

    pa_request_return(tenant=manager, pa=pa)
    pa_mark_returned(actor=operator, pa=pa)
    assert subscription_of(customer, product).licences == 0


def test_r1_renewing_appends_a_period_and_keeps_history(partner, manager, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager.user)
    give(partner, product, 100)
    customer_renew(tenant=manager, customer=customer, years=2, lines=[RenewalLineInput(
        subscription_of(customer, product).pk, 8)])
    periods = list(SubscriptionPeriod.objects.for_partner(partner).order_by("start_date").values_list(
        "kind", "start_date", "end_date", "years", "licences"))
    assert periods == [(PeriodKind.INITIAL, date(2026, 6, 1), date(2027, 6, 1), 1, 10),
                       (PeriodKind.RENEWAL, date(2027, 6, 1), date(2029, 6, 1), 2, 8)]


# --- renewing from the pool ------------------------------------------------------------------------


def test_r5_renewal_extends_the_end_date_takes_licence_years_and_is_recorded(partner, manager, product, freeze,
                                                                           mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    freeze(date(2027, 5, 20))
    admin = member(partner, Role.READ_ONLY)  # any person can be a customer's admin
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager.user,
                          admin=admin)
    give(partner, product, 25)
    subscription = subscription_of(customer, product)

    with django_capture_on_commit_callbacks(execute=True):
        renewal = customer_renew(tenant=manager, customer=customer, years=2,
                                 lines=[RenewalLineInput(subscription.pk, 10)])

    subscription.refresh_from_db()
    customer.refresh_from_db()
    assert (subscription.start_date, subscription.end_date, subscription.previous_start, subscription.licences) == (
        date(2027, 6, 1), date(2029, 6, 1), date(2026, 6, 1), 10)
    assert customer.anniversary == date(2029, 6, 1)
    assert (renewal.years, renewal.previous_anniversary, renewal.new_anniversary, renewal.created_by) == (
        2, date(2027, 6, 1), date(2029, 6, 1), manager.user)
    assert pool_balance(partner, product) == 5  # 25 − 10 licences × 2 years
    entry = PoolEntry.objects.for_partner(partner).get(kind=PoolEntryKind.RENEWAL)
    assert (entry.quantity, entry.balance_after, entry.renewal, entry.reference) == (-20, 5, renewal, customer.vip_id)
    audit = AuditEntry.objects.for_partner(partner).get(action="customer.renewed")
    assert (audit.actor, audit.before, audit.after["anniversary"]) == (manager.user, {"anniversary": "2027-06-01"},
                                                                       "2029-06-01")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([admin.email, manager.user.email])
    assert all("2029" in m.body for m in mailoutbox)


def test_r5_renewal_refused_when_the_pool_is_short_changes_nothing(partner, manager, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager.user)
    give(partner, product, 19)  # 10 licences × 2 years = 20 needed
    with pytest.raises(PortalError) as refused:
        customer_renew(tenant=manager, customer=customer, years=2,
                       lines=[RenewalLineInput(subscription_of(customer, product).pk, 10)])
    assert (refused.value.code, refused.value.field, refused.value.status) == ("pool_short", "lines[0].licences", 409)
    assert "19 available, 20 needed" in str(refused.value.message)
    customer.refresh_from_db()
    assert (customer.anniversary, subscription_of(customer, product).end_date) == (date(2027, 6, 1),
                                                                                    date(2027, 6, 1))
    assert pool_balance(partner, product) == 19
    assert not Renewal.objects.for_partner(partner).exists()
    assert not PoolEntry.objects.for_partner(partner).filter(kind=PoolEntryKind.RENEWAL).exists()


@pytest.mark.parametrize(("today", "allowed"), [(date(2027, 5, 1), False), (date(2027, 5, 2), True)])
def test_r5_r6_renewing_opens_30_days_before_the_anniversary(partner, manager, product, freeze, today, allowed):
    """A − 31 refused, A − 30 renewed (A = 1 June 2027, the partner's calendar)."""
    freeze(today, at=time(0, 5))  # five past midnight in Tokyo: still the day before in UTC
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager.user)
    give(partner, product, 10)

    def renew():
        return customer_renew(tenant=manager, customer=customer, years=1,
                              lines=[RenewalLineInput(subscription_of(customer, product).pk, 10)])

    if allowed:
        assert renew().new_anniversary == date(2028, 6, 1)
    else:
        with pytest.raises(PortalError) as refused:
            renew()
        assert (refused.value.code, refused.value.status) == ("not_renewable", 409)
        assert "2027-05-02" in str(refused.value.message)


@pytest.mark.parametrize(("years", "licences", "field"), [
    (0, 10, "years"), (4, 10, "years"), (1, -1, "lines[0].licences"), (1, 10_001, "lines[0].licences"),
    (1, 0, "lines"),
])
def test_r5_invalid_numbers_are_refused_on_their_field(partner, manager, product, freeze, years, licences, field):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager.user)
    give(partner, product, 100)
    with pytest.raises(PortalError) as refused:
        customer_renew(tenant=manager, customer=customer, years=years,
                       lines=[RenewalLineInput(subscription_of(customer, product).pk, licences)])
    assert refused.value.field == field
    assert pool_balance(partner, product) == 100


def test_r5_a_line_naming_another_customers_subscription_is_refused(partner, manager, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager.user)
    other = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager.user)
    give(partner, product, 100)
    with pytest.raises(PortalError) as refused:
        customer_renew(tenant=manager, customer=customer, years=1,
                       lines=[RenewalLineInput(subscription_of(other, product).pk, 1)])
    assert (refused.value.code, refused.value.field) == ("unknown_subscription", "lines[0].subscription")


def test_r5_a_solution_left_out_ends_on_the_anniversary(partner, manager, product, freeze):
    from tests.factories import LicenceProductFactory

    freeze(date(2027, 5, 20))
    acrobat = LicenceProductFactory(name="Acrobat Pro for teams")
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager.user)
    with transaction.atomic():
        from renewals.services import subscription_add_licences

        subscription_add_licences(customer=customer, product_id=acrobat.pk, licences=3, start=date(2026, 6, 1))
    give(partner, product, 10)
    customer_renew(tenant=manager, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 10),
                          RenewalLineInput(subscription_of(customer, acrobat).pk, 0)])
    assert subscription_of(customer, product).end_date == date(2028, 6, 1)
    assert subscription_of(customer, acrobat).end_date == date(2027, 6, 1)
    assert pool_balance(partner, acrobat) == 0


def test_r5_a_resellers_customer_renews_from_the_resellers_pool(partner, product, freeze):
    freeze(date(2027, 5, 20))
    north = ResellerFactory(partner=partner, name="North")
    user = member(partner, Role.RESELLER_USER, reseller=north)
    tenant = tenant_for(user, partner)
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=4, reseller=north,
                          manager=user)
    give(partner, product, 100)  # the partner's own pool: not this customer's
    with pytest.raises(PortalError, match="0 available, 4 needed"):
        customer_renew(tenant=tenant, customer=customer, years=1,
                       lines=[RenewalLineInput(subscription_of(customer, product).pk, 4)])
    give(partner, product, 6, reseller=north)
    customer_renew(tenant=tenant, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 4)])
    assert (pool_balance(partner, product, north), pool_balance(partner, product)) == (2, 100)


def test_r5_renewing_needs_the_renewals_permission(partner, product, freeze):
    freeze(date(2027, 5, 20))
    finance = tenant_for(member(partner, Role.PARTNER_FINANCE), partner)
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1))
    give(partner, product, 100)
    with pytest.raises(Forbidden):
        customer_renew(tenant=finance, customer=customer, years=1,
                       lines=[RenewalLineInput(subscription_of(customer, product).pk, 1)])


@pytest.mark.django_db(transaction=True)
def test_r5_two_renewals_racing_for_the_last_licence_years_one_wins(partner, product, monkeypatch):
    """Two customers, 10 licence-years left, each renewal needs 10: exactly one succeeds, the other
    gets a clear refusal, the pool ends at 0 and its ledger adds up."""
    from datetime import UTC, datetime

    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2027, 5, 20, 3, tzinfo=UTC))
    manager = tenant_for(member(partner, Role.ACCOUNT_MANAGER), partner)
    customers = [subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10) for _ in range(2)]
    give(partner, product, 10)

    def renew(customer):
        return customer_renew(tenant=manager, customer=customer, years=1,
                              lines=[RenewalLineInput(subscription_of(customer, product).pk, 10)])

    outcomes = run_together(*[lambda c=customer: renew(c) for customer in customers])
    outcomes = sorted(o.code if isinstance(o, PortalError) else type(o).__name__ for o in outcomes)
    assert outcomes == ["Renewal", "pool_short"]
    assert pool_balance(partner, product) == 0
    assert sum(PoolEntry.objects.for_partner(partner).values_list("quantity", flat=True)) == 0
    assert Renewal.objects.for_partner(partner).count() == 1


# --- buying, allocating, correcting -------------------------------------------------------------------


def test_r5_buying_licence_years_charges_the_balance_at_the_contract_price(partner, finance, product,
                                                                          licence_prices, freeze):
    freeze(TODAY)
    entry = pool_purchase(tenant=finance, product_id=product.pk, licence_years=7)
    assert (entry.kind, entry.quantity, entry.balance_after) == (PoolEntryKind.PURCHASE, 7, 7)
    charge = LedgerEntry.objects.for_partner(partner).get()
    assert (charge.entry_type, charge.amount, charge.currency, entry.ledger_entry) == (
        EntryType.CHARGE, Decimal("-75600"), "JPY", charge)  # 7 × ¥10,800
    item = charge.items.get()
    assert (item.quantity, item.amount, item.description) == (7, Decimal("75600"),
                                                              "Creative Cloud for teams — All Apps (65304520CA01A12)")
    assert AuditEntry.objects.for_partner(partner).get(action="pool.purchased").after["licence_years"] == 7


def test_r5_b1_a_pool_purchase_is_on_the_months_invoice(partner, finance, product, licence_prices, freeze):
    freeze(date(2026, 11, 10))
    pool_purchase(tenant=finance, product_id=product.pk, licence_years=2)
    freeze(date(2026, 12, 1))
    [invoice_id] = invoices_issue_month(year=2026, month=11, time_zone=partner.time_zone, partner_ids=[partner.pk])
    assert Invoice.objects.for_partner(partner).get(pk=invoice_id).subtotal == Decimal("21600")  # 2 × ¥10,800


def test_r5_b7_a_purchase_beyond_the_funds_available_is_refused_and_changes_nothing(partner, finance, product,
                                                                                  licence_prices, freeze):
    freeze(TODAY)
    partner.credit_limit = Decimal("50000")
    partner.save()
    with pytest.raises(PortalError) as refused:
        pool_purchase(tenant=finance, product_id=product.pk, licence_years=5)  # ¥54,000
    assert refused.value.code == "insufficient_funds"
    assert not LedgerEntry.objects.for_partner(partner).exists()
    assert pool_balance(partner, product) == 0
    assert not PoolEntry.objects.for_partner(partner).exists()


def test_r5_buying_a_product_the_contract_does_not_price_is_refused(partner, finance, licence_prices, freeze):
    from tests.factories import LicenceProductFactory

    freeze(TODAY)
    with pytest.raises(PortalError) as refused:
        pool_purchase(tenant=finance, product_id=LicenceProductFactory().pk, licence_years=1)
    assert (refused.value.code, refused.value.field) == ("licence_not_in_contract", "product")


def test_r5_allocate_to_a_reseller_and_take_back(partner, admin_tenant, product):
    north = ResellerFactory(partner=partner, name="North")
    give(partner, product, 30)
    allocated = pool_allocate(tenant=admin_tenant, product_id=product.pk, reseller_id=north.pk, licence_years=12)
    assert (allocated.reseller, allocated.quantity, allocated.balance_after) == (north, 12, 12)
    assert (pool_balance(partner, product), pool_balance(partner, product, north)) == (18, 12)
    back = pool_take_back(tenant=admin_tenant, product_id=product.pk, reseller_id=north.pk, licence_years=5)
    assert (back.reseller, back.quantity, back.balance_after) == (None, 5, 23)
    assert (pool_balance(partner, product), pool_balance(partner, product, north)) == (23, 7)
    with pytest.raises(PortalError) as refused:
        pool_take_back(tenant=admin_tenant, product_id=product.pk, reseller_id=north.pk, licence_years=8)
    assert (refused.value.code, pool_balance(partner, product, north)) == ("pool_short", 7)
    kinds = list(PoolEntry.objects.for_partner(partner).order_by("id").values_list("kind", "quantity"))
    assert kinds == [("correction", 30), ("allocation", -12), ("allocation", 12), ("return", -5), ("return", 5)]


def test_t2_r5_allocating_to_another_partners_reseller_is_refused(partner, other_partner, admin_tenant, product):
    theirs = ResellerFactory(partner=other_partner)
    give(partner, product, 30)
    with pytest.raises(PortalError) as refused:
        pool_allocate(tenant=admin_tenant, product_id=product.pk, reseller_id=theirs.pk, licence_years=1)
    assert (refused.value.code, refused.value.field) == ("unknown_reseller", "reseller")
    assert not LicencePool.unscoped.filter(reseller=theirs).exists()
    assert pool_balance(partner, product) == 30


def test_r5_reseller_users_cannot_move_pools(partner, product):
    north = ResellerFactory(partner=partner)
    user = tenant_for(member(partner, Role.RESELLER_USER, reseller=north), partner)
    with pytest.raises(Forbidden):
        pool_allocate(tenant=user, product_id=product.pk, reseller_id=north.pk, licence_years=1)


def test_r5_t5_operator_corrects_a_pool_with_a_reason(partner, operator, product):
    entry = pool_correct(actor=operator, partner=partner, product_id=product.pk, reseller_id=None, quantity=40,
                         reason="Opening balance from the old portal")
    assert (entry.kind, entry.quantity, entry.balance_after, entry.created_by) == ("correction", 40, 40, operator)
    audit = AuditEntry.objects.for_partner(partner).get(action="pool.corrected")
    assert (audit.actor, audit.before, audit.after) == (
        operator, {"balance": 0}, {"balance": 40, "reason": "Opening balance from the old portal"})
    with pytest.raises(PortalError) as refused:
        pool_correct(actor=operator, partner=partner, product_id=product.pk, reseller_id=None, quantity=-41,
                     reason="Too much")
    assert (refused.value.code, refused.value.field, pool_balance(partner, product)) == ("pool_short", "quantity", 40)
    with pytest.raises(PortalError) as refused:
        pool_correct(actor=operator, partner=partner, product_id=product.pk, reseller_id=None, quantity=1, reason=" ")
    assert refused.value.field == "reason"


def test_r5_only_operators_correct_pools(partner, admin_user, product):
    with pytest.raises(Forbidden):
        pool_correct(actor=admin_user, partner=partner, product_id=product.pk, reseller_id=None, quantity=1,
                     reason="x")


def test_r5_the_pool_ledger_is_append_only_and_a_pool_never_negative(partner, product):
    pool = give(partner, product, 3)
    entry = PoolEntry.objects.for_partner(partner).get()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        PoolEntry.objects.for_partner(partner).update(quantity=99)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE renewals_poolentry SET quantity = 99 WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        LicencePool.unscoped.filter(pk=pool.pk).update(balance=-1)


def test_r6_a_late_renewal_after_access_was_removed_starts_today(partner, manager, product, freeze):
    freeze(date(2027, 7, 1))  # A + 30: the licences were deactivated on A + 15
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=2, manager=manager.user)
    give(partner, product, 2)
    renewal = customer_renew(tenant=manager, customer=customer, years=1,
                             lines=[RenewalLineInput(subscription_of(customer, product).pk, 2)])
    assert renewal.new_anniversary == date(2028, 7, 1)
    assert subscription_of(customer, product).start_date == date(2027, 7, 1)


def test_r6_29_february_anniversary_moves_to_28_february(partner, manager, product, freeze):
    freeze(date(2028, 2, 20))
    customer = subscribed(partner, product, anniversary=date(2028, 2, 29), licences=1, manager=manager.user)
    give(partner, product, 1)
    renewal = customer_renew(tenant=manager, customer=customer, years=1,
                             lines=[RenewalLineInput(subscription_of(customer, product).pk, 1)])
    assert renewal.new_anniversary == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_r5_unique_renewal_per_anniversary(partner, manager, product):
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1))
    Renewal.objects.create(partner=partner, customer=customer, years=1, previous_anniversary=date(2027, 6, 1),
                           new_anniversary=date(2028, 6, 1), renewed_on=date(2027, 5, 20), created_by=manager.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Renewal.objects.create(partner=partner, customer=customer, years=1, previous_anniversary=date(2027, 6, 1),
                               new_anniversary=date(2028, 6, 1), renewed_on=date(2027, 5, 20),
                               created_by=manager.user)
    assert Renewal.objects.for_partner(partner).count() == 1
