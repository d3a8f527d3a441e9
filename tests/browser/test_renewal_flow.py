"""R-3 → R-5 in a real browser: the account manager sees the dashboard's count of companies to
renew, clicks View, renews a customer from the pool (the numbers update as they are typed, then a
confirmation), sees the pool go down and the green check; the customer's admin no longer sees the
renewal banner in the console."""

from datetime import timedelta

import pytest

from portal.dates import add_years, local_today
from portal.tenancy.roles import Role
from renewals.models import LicencePool
from tests.conftest import PASSWORD, member
from tests.factories import BillingContactFactory, LicenceProductFactory, PartnerFactory, UserFactory
from tests.renewals.conftest import give, subscribed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")


def test_r3_r5_r6_dashboard_view_renew_from_the_pool_and_the_banner_goes(live_server, new_page, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    partner = PartnerFactory(name="Alpha KK", time_zone="Asia/Tokyo")
    BillingContactFactory(partner=partner)
    product = LicenceProductFactory(name="Creative Cloud for teams — All Apps")
    manager = member(partner, Role.ACCOUNT_MANAGER, user__email="manager@example.test")
    admin = UserFactory(email="admin@kobe.test")
    today = local_today(partner.time_zone)
    customer = subscribed(partner, product, anniversary=today + timedelta(days=10), licences=6, manager=manager,
                          admin=admin)
    customer.__class__.unscoped.filter(pk=customer.pk).update(name="Kobe Works")
    give(partner, product, 20)

    console = new_page()
    _sign_in(console, live_server.url, admin.email)
    console.goto(f"{live_server.url}/console/{customer.pk}/")
    assert "due for renewal" in console.locator("#renewal-banner").inner_text()

    page = new_page()
    _sign_in(page, live_server.url, manager.email)
    assert page.locator("#tile-to-renew .stat").inner_text() == "1"
    page.click("#tile-to-renew a:has-text('View')")
    page.wait_for_selector("td:has-text('Kobe Works')")
    assert "Ends within 3 months" in page.locator("tbody tr").first.inner_text()
    page.click("td.actions a:has-text('Renew')")
    page.select_option("select[name=years]", "2")
    field = page.locator("#renewal-numbers input[type=number]")
    field.fill("5")
    assert page.locator("[data-left]").inner_text() == "10"  # 20 − 5 × 2, before any request
    page.click("button:has-text('Review the renewal')")
    page.wait_for_selector("h1:has-text('Confirm the renewal')")
    page.click("button:has-text('Confirm the renewal')")
    page.wait_for_selector(".messages")
    assert str(add_years(today + timedelta(days=10), 2).year) in page.locator(".messages").inner_text()
    assert page.locator(".colour-green").first.is_visible()
    assert LicencePool.unscoped.get(partner=partner).balance == 10
    page.goto(f"{live_server.url}/renewals/pools/")
    assert page.locator("tbody tr").first.locator("td").nth(2).inner_text() == "10"

    console.reload()
    assert console.locator("#renewal-banner").count() == 0
    assert "Kobe Works" in console.locator("h1").inner_text()
