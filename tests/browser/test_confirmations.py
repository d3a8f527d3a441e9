"""U-1 confirmation steps in a real browser (V-10, V-11): with JavaScript the action opens its
confirmation in a dialog that says what will happen, "Go back" closes it and changes nothing, and
confirming acts; without JavaScript the same link is a page of its own with the same form."""

from decimal import Decimal

import pytest

from billing.models import LedgerEntry
from portal.tenancy.roles import Role
from tests.conftest import PASSWORD, member, tenant_for
from tests.factories import BillingContactFactory, PartnerFactory, PriceEntryFactory, PriceTableFactory, ProductFactory
from vouchers.models import CodeStatus, OrderStatus, VoucherCode, VoucherOrder
from vouchers.services import LineRequest, voucher_order_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _order(quantity=2):
    partner = PartnerFactory(name="Alpha KK", currency="JPY", credit_limit=Decimal("1000000"))
    BillingContactFactory(partner=partner)
    table = PriceTableFactory(partner=partner)
    product = ProductFactory(name="SSL OV", max_years=1)
    PriceEntryFactory(table=table, product=product, component="base", offered_price=Decimal("995"))
    user = member(partner, Role.PARTNER_FINANCE, user__email="finance@example.test")
    order = voucher_order_create(tenant=tenant_for(user, partner), lines=[
        LineRequest(product_id=product.pk, years=1, quantity=quantity, fqdns=1, wildcards=0)])
    return partner, user, order


def _sign_in(page, url, email, next_path):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")


def test_u1_v10_cancel_order_in_a_dialog_go_back_then_confirm(live_server, new_page):
    partner, user, order = _order(quantity=2)
    page = new_page()
    _sign_in(page, live_server.url, user.email, f"/vouchers/{order.pk}/")
    page.click("a:has-text('Cancel this order…')")
    dialog = page.locator("dialog.confirm-dialog")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "Cancel order" in text and "its 2 codes become Cancelled" in text and "¥1,990 is refunded" in text
    assert page.url.endswith(f"/vouchers/{order.pk}/")  # still on the order page: a dialog, not a page
    dialog.locator("a:has-text('Go back')").click()
    page.wait_for_selector("dialog.confirm-dialog", state="detached")  # closed and removed
    assert VoucherOrder.objects.for_partner(partner).get(pk=order.pk).status == OrderStatus.COMPLETED

    page.click("a:has-text('Cancel this order…')")
    page.locator("dialog.confirm-dialog button:has-text('Cancel the order and refund ¥1,990')").click()
    page.wait_for_selector(".message-success")
    assert VoucherOrder.objects.for_partner(partner).get(pk=order.pk).status == OrderStatus.CANCELLED
    assert LedgerEntry.objects.for_partner(partner).filter(entry_type="refund").count() == 1
    assert page.locator("a:has-text('Cancel this order…')").count() == 0  # no longer offered
    assert page.locator("button:has-text('All vouchers as one PDF')").count() == 0


def test_u1_v11_reissue_without_javascript_is_a_page_of_its_own(live_server, browser):
    partner, user, order = _order(quantity=1)
    [code] = VoucherCode.objects.for_partner(partner).filter(order=order)
    context = browser.new_context(java_script_enabled=False, locale="en-US", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _sign_in(page, live_server.url, user.email, f"/vouchers/{order.pk}/")
        page.click("a:has-text('Reissue…')")
        page.wait_for_url(f"**/vouchers/codes/{code.pk}/reissue/")
        assert f"Code {code.pk} ({code.masked}) stops working at once" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("button:has-text('Reissue the code')")
        page.wait_for_selector(".message-success")
        code.refresh_from_db()
        assert code.status == CodeStatus.REPLACED
    finally:
        context.close()
