"""R-2 colours and R-6 windows, notices and lapsed licences, on both sides of every boundary, in
the partner's calendar (Tokyo)."""

from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer
from customers.selectors import customer_filter_counts, customer_list
from customers.services import licence_assign
from portal.dates import add_months
from portal.errors import PortalError
from portal.tenancy.roles import Role
from renewals.models import RenewalNotice, Subscription
from renewals.selectors import Colour, renewal_list, with_status
from renewals.services import (
    RenewalLineInput,
    customer_renew,
    renewal_send_notices,
    subscription_deactivate_lapsed,
)
from renewals.tasks import send_renewal_notices
from tests.concurrency import run_together
from tests.conftest import client_for, member, tenant_for
from tests.factories import (
    CustomerFactory,
    PALineFactory,
    PurchaseAuthorizationFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.renewals.conftest import give, subscribed, subscription_of

A = date(2027, 6, 1)


def _colour(subscription, today) -> str:
    return with_status(Subscription.unscoped.filter(pk=subscription.pk), today).get().colour


# --- R-2 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("end_offset", "colour"), [
    (-1, Colour.RED), (0, Colour.ORANGE),  # the end date passed / ends today
])
def test_r2_red_once_the_end_date_has_passed(partner, end_offset, colour):
    today = date(2026, 11, 30)
    subscription = SubscriptionFactory(customer=CustomerFactory(partner=partner,
                                                                anniversary=today + timedelta(days=end_offset)))
    assert _colour(subscription, today) == colour


@pytest.mark.parametrize(("end", "colour"), [
    (date(2027, 2, 27), Colour.ORANGE),  # less than 3 months from 30 Nov 2026 (3 months: 28 Feb 2027)
    (date(2027, 2, 28), Colour.NONE),
])
def test_r2_orange_when_it_ends_in_less_than_3_months(partner, end, colour):
    subscription = SubscriptionFactory(customer=CustomerFactory(partner=partner, anniversary=end))
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert _colour(subscription, date(2026, 11, 30)) == colour


@pytest.mark.parametrize(("start_offset", "colour"), [(1, Colour.BLUE), (0, Colour.NONE)])
def test_r2_blue_until_it_starts(partner, start_offset, colour):
    today = date(2026, 11, 30)
    subscription = SubscriptionFactory(customer=CustomerFactory(partner=partner, anniversary=date(2027, 11, 30)),
                                       start_date=today + timedelta(days=start_offset))
    assert _colour(subscription, today) == colour


def test_r2_green_while_the_renewal_waits_and_the_running_end_date_is_shown(partner, manager, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=A, manager=manager.user)
    give(partner, product, 10)
    customer_renew(tenant=manager, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 10)])
    subscription = with_status(Subscription.unscoped.filter(customer=customer), date(2027, 5, 31)).get()
    assert (subscription.colour, subscription.current_start, subscription.current_end) == (
        Colour.GREEN, date(2026, 6, 1), A)
    on_a = with_status(Subscription.unscoped.filter(customer=customer), A).get()  # the new period runs
    assert (on_a.colour, on_a.current_start, on_a.current_end) == (Colour.NONE, A, date(2028, 6, 1))


def test_r2_colours_follow_the_partners_calendar(partner, manager_user, freeze):
    """23:30 on 31 May in UTC is already 1 June in Tokyo: a subscription ending on 31 May is red there."""
    customer = CustomerFactory(partner=partner, anniversary=date(2027, 5, 31), name="Ends on 31 May")
    SubscriptionFactory(customer=customer)
    freeze(date(2027, 5, 31), tz="UTC", at=time(23, 30))
    [row] = client_for(manager_user).get(reverse("renewals_home")).context["page"].object_list
    assert row.colour == Colour.RED
    freeze(date(2027, 5, 31), tz="UTC", at=time(14, 30))  # 23:30 in Tokyo: still 31 May
    [row] = client_for(manager_user).get(reverse("renewals_home")).context["page"].object_list
    assert row.colour == Colour.ORANGE


def test_r2_every_list_shows_the_colour_with_its_text_and_a_legend(partner, manager_client, freeze):
    freeze(date(2026, 11, 30))
    ended = CustomerFactory(partner=partner, anniversary=date(2026, 11, 20), name="Ended KK")
    SubscriptionFactory(customer=ended)
    for url in (reverse("customers_home"), reverse("customer", args=[ended.pk]), reverse("renewals_home")):
        html = manager_client.get(url).content.decode()
        assert 'class="colour colour-red"' in html and "Ended" in html, url
    assert "ends in less than 3 months" in manager_client.get(reverse("renewals_home")).content.decode()


# --- windows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "window"), [
    (A - timedelta(days=91), None), (A - timedelta(days=90), "upcoming"), (A - timedelta(days=31), "upcoming"),
    (A - timedelta(days=30), "ready"), (A + timedelta(days=14), "ready"), (A + timedelta(days=15), None),
])
def test_r6_windows_and_the_customer_list_agree_with_the_renewals_list(partner, manager, product, today, window):
    customer = subscribed(partner, product, anniversary=A, manager=manager.user)
    CustomerFactory(partner=partner, anniversary=A)  # nothing to renew: in no window
    counts = customer_filter_counts(tenant=manager, today=today)
    for name in ("upcoming", "ready"):
        listed = list(customer_list(tenant=manager, today=today, filter_name=name))
        renewing = {s.customer_id for s in renewal_list(tenant=manager, today=today, state=name)}
        expected = [customer] if name == window else []
        assert (listed, counts[name], renewing) == (expected, len(expected), {c.pk for c in expected}), name


# --- notices ------------------------------------------------------------------------------------------


def _notices(customer) -> list[str]:
    return sorted(RenewalNotice.unscoped.filter(customer=customer).values_list("kind", flat=True))


@pytest.mark.parametrize(("offset", "expected"), [
    (-31, []), (-30, ["ready"]), (-1, ["ready"]), (0, ["due"]), (6, ["due"]), (7, ["final"]), (14, ["final"]),
    (15, []),
])
def test_r6_the_notice_of_the_day(partner, manager, product, offset, expected):
    """A − 30: the window opens; A: renewal due; A + 7: 7 days before access is removed. A late
    run sends the stage the customer is in; before A − 30 and after A + 14 nothing."""
    customer = subscribed(partner, product, anniversary=A, manager=manager.user)
    assert renewal_send_notices(partner=partner, today=A + timedelta(days=offset)) == len(expected)
    assert _notices(customer) == expected


def test_r6_each_notice_once_and_emails_to_the_admin_and_the_manager_in_their_languages(
        partner, product, mailoutbox, django_capture_on_commit_callbacks):
    admin = UserFactory(language="fr", email="admin@client.test")
    manager = UserFactory(language="ja", email="manager@partner.test")
    customer = subscribed(partner, product, anniversary=A, manager=manager, admin=admin)
    customer.name = "Société & Fils"
    Customer.unscoped.filter(pk=customer.pk).update(name="Société & Fils")
    with django_capture_on_commit_callbacks(execute=True):
        assert renewal_send_notices(partner=partner, today=A - timedelta(days=30)) == 1
        assert renewal_send_notices(partner=partner, today=A - timedelta(days=29)) == 0  # same stage, next day
    by_address = {m.to[0]: m for m in mailoutbox}
    assert sorted(by_address) == ["admin@client.test", "manager@partner.test"]
    assert by_address["admin@client.test"].subject == "Société & Fils : la fenêtre de renouvellement est ouverte"
    assert "更新" in by_address["manager@partner.test"].subject
    assert f"/renewals/customers/{customer.pk}/renew/" in by_address["manager@partner.test"].body
    assert f"/console/{customer.pk}/" in by_address["admin@client.test"].body
    assert RenewalNotice.unscoped.get(customer=customer).mailed_at is not None


def test_r6_a_renewed_customer_gets_no_more_notices(partner, manager, product, freeze):
    freeze(A - timedelta(days=10))
    customer = subscribed(partner, product, anniversary=A, manager=manager.user)
    give(partner, product, 10)
    customer_renew(tenant=manager, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 10)])
    for offset in (0, 7):
        assert renewal_send_notices(partner=partner, today=A + timedelta(days=offset)) == 0
    assert _notices(customer) == []


def test_r6_29_february_anniversary(partner, manager, product):
    leap = date(2028, 2, 29)
    customer = subscribed(partner, product, anniversary=leap, manager=manager.user)
    assert renewal_send_notices(partner=partner, today=date(2028, 1, 29)) == 0
    assert renewal_send_notices(partner=partner, today=date(2028, 1, 30)) == 1  # A − 30
    assert renewal_send_notices(partner=partner, today=date(2028, 2, 28)) == 0
    assert renewal_send_notices(partner=partner, today=date(2028, 2, 29)) == 1  # A
    assert renewal_send_notices(partner=partner, today=date(2028, 3, 7)) == 1   # A + 7
    assert _notices(customer) == ["due", "final", "ready"]
    assert subscription_deactivate_lapsed(partner=partner, today=date(2028, 3, 14)) == 0  # A + 14
    assert subscription_deactivate_lapsed(partner=partner, today=date(2028, 3, 15)) == 1  # A + 15


@pytest.mark.django_db(transaction=True)
def test_r6_concurrent_notice_runs_record_each_notice_once(partner, product):
    customers = [subscribed(partner, product, anniversary=A) for _ in range(5)]
    counts = run_together(*[lambda: renewal_send_notices(partner=partner, today=A)] * 2)
    assert sorted(counts) == [0, 5]
    assert RenewalNotice.unscoped.filter(customer__in=customers).count() == 5


def test_r6_j_the_daily_job_and_its_command(partner, product, mailoutbox, capsys,
                                            django_capture_on_commit_callbacks):
    customer = subscribed(partner, product, anniversary=A, admin=UserFactory(email="a@c.test"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_renewal_notices", "--today", "2027-05-02")
        call_command("send_renewal_notices", "--today", "2027-05-02")
    assert "'skipped': 1" in capsys.readouterr().out
    assert _notices(customer) == ["ready"]
    assert [m.to for m in mailoutbox] == [["a@c.test"]]
    assert send_renewal_notices(today="2027-06-01") == {"ran": 1, "skipped": 0}
    assert _notices(customer) == ["due", "ready"]


# --- lapsed licences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "status"), [(14, "active"), (15, "inactive")])
def test_r6_licences_become_inactive_after_a_plus_14(partner, product, offset, status):
    customer = subscribed(partner, product, anniversary=A)
    subscription_deactivate_lapsed(partner=partner, today=A + timedelta(days=offset))
    assert subscription_of(customer, product).status == status


def test_r6_inactive_licences_cannot_be_assigned_and_a_renewal_reactivates_them(partner, manager, product, freeze):
    freeze(A + timedelta(days=20))
    admin = UserFactory()
    customer = subscribed(partner, product, anniversary=A, licences=3, manager=manager.user, admin=admin)
    line = PALineFactory(authorization=PurchaseAuthorizationFactory(customer=customer, status="ordered"),
                         product=product, licences=3)
    call_command("deactivate_lapsed_licences", "--today", (A + timedelta(days=20)).isoformat())
    with pytest.raises(PortalError) as refused:
        licence_assign(actor=admin, line=line, email="new@client.test")
    assert refused.value.code == "licences_inactive"
    page = client_for(admin).get(reverse("console_customer", args=[customer.pk])).content.decode()
    assert "Inactive licences cannot be assigned" in page and "not renewed in time" in page

    give(partner, product, 3)
    customer_renew(tenant=manager, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 3)])
    assert subscription_of(customer, product).status == "active"
    assert licence_assign(actor=admin, line=line, email="new@client.test").email == "new@client.test"


@pytest.mark.parametrize(("offset", "banner"), [(-31, False), (-30, True), (14, True), (15, False)])
def test_r6_console_banner_while_renewal_is_due(partner, product, freeze, offset, banner):
    freeze(A + timedelta(days=offset))
    admin = UserFactory()
    customer = subscribed(partner, product, anniversary=A, admin=admin)
    page = client_for(admin).get(reverse("console_customer", args=[customer.pk])).content.decode()
    assert ("Your subscription is due for renewal." in page) is banner
    if banner:
        assert "June 15, 2027" in page  # access ends on A + 14


def test_r6_renewal_history_on_the_detail_and_in_the_console_and_the_banner_goes(partner, product, freeze):
    freeze(A - timedelta(days=5))
    manager_user = member(partner, Role.ACCOUNT_MANAGER)
    manager = tenant_for(manager_user, partner)
    admin = UserFactory()
    customer = subscribed(partner, product, anniversary=A, licences=7, manager=manager_user, admin=admin)
    give(partner, product, 7)
    customer_renew(tenant=manager, customer=customer, years=1,
                   lines=[RenewalLineInput(subscription_of(customer, product).pk, 7)])
    detail = client_for(manager_user).get(reverse("customer", args=[customer.pk])).content.decode()
    console = client_for(admin).get(reverse("console_customer", args=[customer.pk])).content.decode()
    for page in (detail, console):
        assert "No renewals yet." not in page
        assert f"7 × {product.name}" in page
        assert "June 1, 2028" in page
    assert manager_user.email in detail and manager_user.email not in console
    assert "Your subscription is due for renewal." not in console
    assert 'class="colour colour-green"' in detail
