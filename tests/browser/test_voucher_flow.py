"""V-2 … V-8 in a real browser: a partner orders two lines and sees the total, downloads the codes
CSV; an end customer opens a code's URL in another browser, signs up and requests the
certificate; the partner then sees the code Used."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from tests.conftest import PASSWORD, member
from tests.factories import BillingContactFactory, PartnerFactory, PriceEntryFactory, PriceTableFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shop():
    partner = PartnerFactory(name="Alpha KK", currency="JPY", credit_limit=Decimal("1000000"))
    BillingContactFactory(partner=partner)
    table = PriceTableFactory(partner=partner)
    product = ProductFactory(name="SSL OV", max_years=1)
    PriceEntryFactory(table=table, product=product, component="base", offered_price=Decimal("995"))
    PriceEntryFactory(table=table, product=product, component="fqdn", offered_price=Decimal("995"))
    return partner, product


def test_v2_v8_order_download_redeem_and_see_used(live_server, new_page):
    partner, product = _shop()
    user = member(partner, Role.PARTNER_FINANCE, user__email="finance@example.test")
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/vouchers/new/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")

    page.wait_for_selector("h1:has-text('Add new voucher order')")
    page.fill("input[name=customer_name]", "Acme")
    page.select_option("select[name=lines-0-product]", str(product.pk))
    page.fill("input[name=lines-0-quantity]", "2")
    page.fill("input[name=lines-0-fqdns]", "5")
    page.click("[data-add-line]")
    page.select_option("select[name=lines-1-product]", str(product.pk))
    page.fill("input[name=lines-1-quantity]", "1")
    page.fill("input[name=lines-1-fqdns]", "1")
    # A locator assertion, not wait_for_function: that evaluates a string, which the CSP forbids.
    expect(page.locator("#order-total")).to_have_text("¥10,945")
    assert page.locator("[data-line] [data-line-price]").all_inner_texts() == ["¥9,950", "¥995"]
    page.click("button[name=submit]")

    page.wait_for_selector("h1:has-text('Voucher order')")
    with page.expect_download() as download_info:
        page.click("text=Download the codes (CSV)")
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 4 and rows[0][:2] == ["id", "value"]
    code_id, code_value = rows[1][0], rows[1][1]

    customer = new_page()
    customer.goto(f"{live_server.url}/redeem/{code_value}/")
    assert customer.locator(".voucher-applied .stat").inner_text() == "Voucher code applied — nothing to pay"
    customer.click("a:has-text('Create an account')")
    customer.wait_for_url("**/accounts/signup/**")
    customer.fill("input[name=email]", "end.customer@example.test")
    customer.fill("input[name=first_name]", "Erin")
    customer.fill("input[name=last_name]", "Customer")
    customer.fill("input[name=password1]", "a-Strong-pass-77")
    customer.fill("input[name=password2]", "a-Strong-pass-77")
    customer.click("form.stacked button[type=submit]")
    customer.wait_for_selector("h1:has-text('Check your e-mail')")
    link = re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mail.outbox[-1].body)[1]
    customer.goto(f"{live_server.url}{link}")  # the e-mail's link signs in and goes back to the voucher
    customer.fill("input[name=common_name]", "www.example.com")
    customer.fill("textarea[name=additional_names]", "api.example.com")
    customer.fill("input[name=organisation]", "Example KK")
    customer.click("form.stacked button[type=submit]")
    customer.wait_for_selector(".message-success:has-text('Request received')")
    assert customer.url.endswith("/my/requests/")

    page.reload()
    status = page.locator(f"xpath=//table[contains(@class,'codes')]//tr[td[1][normalize-space()='{code_id}']]"
                          "//span[contains(@class,'status')]")
    assert status.inner_text() == "Used"


def test_v8_code_signing_voucher_redeemed_with_the_organisation(live_server, new_page):
    """V-8 for a code-signing voucher: no domain names; the organisation, its address and a
    contact; the code is then Used."""
    from portal.catalogue.models import ProductKind
    from tests.conftest import tenant_for
    from tests.factories import UserFactory
    from vouchers.models import CodeStatus, VoucherCode
    from vouchers.services import LineRequest, voucher_order_create

    partner = PartnerFactory(name="Alpha KK", currency="JPY", credit_limit=Decimal("1000000"))
    BillingContactFactory(partner=partner)
    product = ProductFactory(name="Code Signing", kind=ProductKind.CODE_SIGNING, takes_fqdns=False,
                             takes_wildcards=False, included_fqdns=0)
    PriceEntryFactory(table=PriceTableFactory(partner=partner), product=product, offered_price=Decimal("72000"))
    finance = tenant_for(member(partner, Role.PARTNER_FINANCE), partner)
    order = voucher_order_create(tenant=finance, lines=[LineRequest(product_id=product.pk, years=1)])
    code = VoucherCode.objects.for_partner(partner).get(order=order)
    customer = UserFactory(email="signer@example.test")

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/redeem/{code.value}/")
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("input[name=organisation]")
    assert page.locator("input[name=common_name]").count() == 0
    page.fill("input[name=organisation]", "Example KK")
    page.fill("textarea[name=organisation_address]", "1-1 Chiyoda, Tokyo")
    page.fill("input[name=contact_name]", "Aiko Tanaka")
    page.fill("input[name=contact_email]", "aiko@example.test")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".message-success:has-text('Request received')")
    assert "Example KK" in page.locator(".messages").inner_text()
    code.refresh_from_db()
    assert code.status == CodeStatus.USED
