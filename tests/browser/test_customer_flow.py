"""C-1 … C-6 in a real browser: an account manager adds a customer; the invitation link from the
e-mail is opened in another browser and accepted by a new account; the manager creates a
purchase authorization; the customer's admin sees the products asked for, then ordered."""

import re

import pytest
from django.core import mail

from portal.tenancy.roles import Role
from tests.conftest import PASSWORD, member
from tests.factories import BillingContactFactory, LicenceProductFactory, PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_c1_c2_c5_add_invite_accept_and_see_products(live_server, new_page, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    partner = PartnerFactory(name="Alpha KK")
    BillingContactFactory(partner=partner)
    product = LicenceProductFactory(name="Creative Cloud for teams — All Apps")
    manager = member(partner, Role.ACCOUNT_MANAGER, user__email="manager@example.test")

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/customers/new/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    assert "cannot be edited later" in page.locator(".notice").inner_text()
    for name, value in {"name": "Kobe Works", "region": "Kansai", "address": "1 Port", "postal_code": "650-0001",
                        "contact_name": "Ken Mori", "contact_email": "ken@kobe.test"}.items():
        page.fill(f"input[name={name}]", value)
    page.select_option("select[name=market_segment]", "education")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Check and send the invitation')")
    assert "The invitation is e-mailed to ken@kobe.test." in page.locator(".consequences").inner_text()
    page.click("button:has-text('Send the invitation')")
    page.wait_for_selector("h1:has-text('Kobe Works')")
    customer_url = page.url

    [invitation] = [m for m in mail.outbox if m.to == ["ken@kobe.test"]]
    link = re.search(r"https?://\S+/invitation/\S+/", invitation.body)[0]
    path = link.split("/invitation/", 1)[1]
    customer = new_page()
    customer.goto(f"{live_server.url}/invitation/{path}")
    customer.click("a:has-text('Create an account')")
    customer.fill("input[name=email]", "ken@kobe.test")
    customer.fill("input[name=first_name]", "Ken")
    customer.fill("input[name=last_name]", "Mori")
    customer.fill("input[name=password1]", "a-Strong-pass-77")
    customer.fill("input[name=password2]", "a-Strong-pass-77")
    customer.click("form.stacked button[type=submit]")
    customer.wait_for_selector("h1:has-text('Check your e-mail')")
    link = re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mail.outbox[-1].body)[1]
    customer.goto(f"{live_server.url}{link}")  # the e-mail's link signs in and goes back to the invitation
    customer.click("button:has-text('Accept the invitation')")
    customer.wait_for_selector("h1:has-text('Kobe Works')")

    page.goto(customer_url)
    page.click("a:has-text('Create a new purchase authorization')")
    page.select_option("select[name=lines-0-product]", str(product.pk))
    page.fill("input[name=lines-0-licences]", "12")
    page.click("button:has-text('Create the purchase authorization')")
    page.wait_for_selector(".messages")
    page.fill("input[name=vendor_order_number]", "VO-777")
    page.click("button:has-text('Ordered')")
    page.wait_for_selector("text=VO-777")

    customer.reload()
    assert "Creative Cloud for teams — All Apps — 12 licences" in customer.locator("main").inner_text()
