"""U-1/U-2 in a real browser: sign in, switch to Japanese, see the translated dashboard, sign out."""

import pytest

from portal.tenancy.roles import Role
from tests.conftest import PASSWORD, member
from tests.factories import BillingContactFactory, PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_u2_sign_in_switch_to_japanese_and_sign_out(live_server, new_page):
    partner = PartnerFactory(name="株式会社サンプル販売")
    BillingContactFactory(partner=partner)
    user = member(partner, Role.PARTNER_ADMIN, user__email="admin@example.test")
    page = new_page()

    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Dashboard')")
    assert page.locator(".account-name").inner_text() == "株式会社サンプル販売"

    page.select_option("#language-switch", "ja")  # submits on change (progressive enhancement)
    page.wait_for_selector("h1:has-text('ダッシュボード')")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("nav.sidenav").inner_text().count("監査ログ") == 1

    page.click("form.signout button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "サインイン"


def test_u1_pages_fit_a_phone_width(live_server, new_page):
    partner = PartnerFactory()
    BillingContactFactory(partner=partner)
    user = member(partner, Role.PARTNER_ADMIN, user__email="phone@example.test")
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Dashboard')")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
