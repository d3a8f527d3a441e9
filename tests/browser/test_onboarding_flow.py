"""T-8 in a real browser: operator staff create a partner, import its price table from a CSV file
and invite its first admin; the invited person opens the e-mailed link in another browser, signs
up, accepts, and orders vouchers at the imported prices."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.catalogue.models import PriceEntry
from portal.dates import local_today
from portal.tenancy.models import Membership, Partner
from portal.tenancy.roles import Role
from tests.conftest import PASSWORD
from tests.factories import OperatorFactory, ProductFactory
from vouchers.models import VoucherOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_t8_onboard_import_prices_invite_accept_and_order(live_server, new_page, settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    operator = OperatorFactory(email="ops@portal.test")
    product = ProductFactory(code="ssl-dv", name="SSL DV", max_years=1, takes_wildcards=False)
    today = local_today("Asia/Tokyo")

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/operator/")
    page.fill("input[name=username]", operator.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.click("a:has-text('New partner')")
    for name, value in {"name": "Kansai Reseller KK", "account_number": "JP-0042", "credit_limit": "100000",
                        "low_balance_threshold": "10000", "organisation": "Kansai Reseller KK", "state": "Osaka",
                        "city": "Osaka", "postal_code": "530-0001", "emails": "billing@kansai.test"}.items():
        page.fill(f"#id_{name}", value)
    page.select_option("#id_currency", "JPY")
    page.select_option("#id_language", "ja")  # the partner's language; the page stays in English
    page.select_option("#id_time_zone", "Asia/Tokyo")
    page.select_option("#id_payment_terms", "NET30EOM")
    page.click("button:has-text('Create the partner')")
    page.wait_for_selector("h1:has-text('Kansai Reseller KK')")
    partner = Partner.objects.get(account_number="JP-0042")

    csv_file = tmp_path / "prices.csv"
    csv_file.write_text("kind,code,years,component,name,list_price,discount_rate,offered_price\r\n"
                        "certificate,ssl-dv,1,base,SSL DV（1年間有効）,12000,25,9000\r\n"
                        "certificate,ssl-dv,1,fqdn,SSL DV 追加FQDN（1年間有効）,8000,25,6000\r\n", encoding="utf-8-sig")
    page.click("a:has-text('New price table')")
    page.fill("#id_valid_from", (today - timedelta(days=1)).isoformat())
    page.fill("#id_valid_until", (today + timedelta(days=365)).isoformat())
    page.set_input_files("input[name=csv_file]", str(csv_file))
    page.click("button:has-text('Create the price table')")
    page.wait_for_selector(".messages:has-text('Price table created with 2 prices.')")
    assert PriceEntry.objects.for_partner(partner).count() == 2

    page.goto(f"{live_server.url}/operator/partners/{partner.pk}/")
    page.fill("#id_email", "keiko@kansai.test")
    page.click("button:has-text('Send the invitation')")
    page.wait_for_selector(".messages:has-text('keiko@kansai.test')")
    [invitation] = [m for m in mail.outbox if m.to == ["keiko@kansai.test"]]
    path = re.search(r"/invitation/partner/[^/\s]+/", invitation.body)[0]

    admin = new_page()
    admin.goto(f"{live_server.url}{path}")
    admin.click("a:has-text('Create an account')")
    admin.fill("input[name=email]", "keiko@kansai.test")
    admin.fill("input[name=first_name]", "Keiko")
    admin.fill("input[name=last_name]", "Ono")
    admin.fill("input[name=password1]", "a-Strong-pass-77")
    admin.fill("input[name=password2]", "a-Strong-pass-77")
    admin.click("form.stacked button[type=submit]")
    admin.wait_for_selector("h1:has-text('Check your e-mail')")  # sign-up answers by e-mail (issue 10)
    confirm = re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mail.outbox[-1].body)[1]
    admin.goto(f"{live_server.url}{confirm}")  # the e-mail's link signs in and goes back to the invitation
    admin.click("button:has-text('Accept the invitation')")
    admin.wait_for_selector(".messages:has-text('Kansai Reseller KK')")
    assert Membership.objects.for_partner(partner).get(user__email="keiko@kansai.test").role == Role.PARTNER_ADMIN

    admin.goto(f"{live_server.url}/vouchers/new/")
    admin.select_option("select[name=lines-0-product]", str(product.pk))
    admin.fill("input[name=lines-0-quantity]", "2")
    admin.fill("input[name=lines-0-fqdns]", "3")
    expect(admin.locator("#order-total")).to_have_text("¥42,000")  # 2 × (9000 + 2 × 6000)
    admin.click("button[name=submit]")
    admin.wait_for_selector("h1:has-text('Voucher order')")
    order = VoucherOrder.objects.for_partner(partner).get()
    assert (order.total, order.currency) == (Decimal("42000"), "JPY")
