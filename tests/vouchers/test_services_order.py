"""V-1, V-2, V-3, V-4, V-5, V-10, V-11, V-12 and the order side of B-7."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import BalanceAccount, EntryType, LedgerEntry
from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.tenancy.models import BillingContact, Partner
from portal.tenancy.roles import Role
from tests.conftest import member, tenant_for
from vouchers.codes import ALPHABET, ENTROPY_BITS, new_codes
from vouchers.models import CodeStatus, OrderStatus, VoucherCode, VoucherOrder
from vouchers.services import (
    LineRequest,
    voucher_code_reissue,
    voucher_expire_due,
    voucher_expiry,
    voucher_order_cancel,
    voucher_order_create,
)


def _codes(order):
    return VoucherCode.objects.for_partner(order.partner).filter(order=order)


def test_v1_partner_without_vouchers_feature_is_refused(make_order, partner):
    Partner.objects.filter(pk=partner.pk).update(vouchers_enabled=False)
    partner.refresh_from_db()
    with pytest.raises(PortalError) as refused:
        make_order()
    assert refused.value.code == "vouchers_not_enabled"
    assert VoucherOrder.objects.for_partner(partner).count() == 0


def test_t6_order_refused_until_billing_contact_is_complete(make_order, partner):
    BillingContact.objects.for_partner(partner).update(state="", postal_code="")
    with pytest.raises(PortalError) as refused:
        make_order()
    assert refused.value.code == "billing_contact_incomplete"
    assert "state/province/region" in str(refused.value.message)
    assert VoucherOrder.objects.for_partner(partner).count() == 0


def test_v2_order_creates_lines_codes_charge_and_audit_atomically(finance, ssl, partner):
    order = voucher_order_create(tenant=finance, customer_name="Acme", notes="INV-77", lines=[
        LineRequest(product_id=ssl.pk, years=1, quantity=3, fqdns=5),
        LineRequest(product_id=ssl.pk, years=2, quantity=2, fqdns=1, wildcards=1),
    ])
    assert order.total == Decimal("3") * 4975 + 2 * (1990 + 10000)
    assert (order.status, order.customer_name, order.notes, order.currency) == (OrderStatus.COMPLETED, "Acme",
                                                                                "INV-77", "JPY")
    assert [(line.quantity, line.unit_price) for line in order.lines.all()] == [(3, Decimal("4975")),
                                                                               (2, Decimal("11990"))]
    assert _codes(order).count() == 5
    entry = LedgerEntry.objects.for_partner(partner).get()
    assert (entry.entry_type, entry.amount, entry.balance_after, entry.reference) == (
        EntryType.CHARGE, -order.total, -order.total, f"VO-{order.pk}")
    assert order.receipt_id == f"R{entry.pk:08d}"
    assert AuditEntry.objects.for_partner(partner).get(action="voucher_order.created").after["codes"] == 5


@pytest.fixture
def addon(ssl, price_table):
    """The SSL product offers the code-signing add-on at 3,000 a year."""
    from portal.catalogue.models import PriceComponent, Product
    from tests.factories import PriceEntryFactory

    Product.objects.filter(pk=ssl.pk).update(offers_code_signing_addon=True)
    for years in (1, 2):
        PriceEntryFactory(table=price_table, product=ssl, years=years, component=PriceComponent.CODE_SIGNING_ADDON,
                          offered_price=Decimal("3000") * years)
    return ssl


def test_v2_code_signing_addon_is_priced_on_the_line_and_kept(finance, addon, partner):
    order = voucher_order_create(tenant=finance, lines=[
        LineRequest(product_id=addon.pk, years=1, quantity=2, fqdns=1, code_signing_addon=True),
        LineRequest(product_id=addon.pk, years=1, quantity=1, fqdns=1),
    ])
    assert [(line.code_signing_addon, line.unit_price, line.line_price) for line in order.lines.all()] == [
        (True, Decimal("3995"), Decimal("7990")), (False, Decimal("995"), Decimal("995"))]
    assert order.total == Decimal("8985")


def test_v2_code_signing_addon_refused_for_a_product_without_it(finance, ssl, ev_code_signing, partner):
    with pytest.raises(PortalError) as refused:
        voucher_order_create(tenant=finance, lines=[
            LineRequest(product_id=ssl.pk, years=1, fqdns=1),
            LineRequest(product_id=ev_code_signing.pk, years=1, shipping_method="standard", code_signing_addon=True)])
    assert (refused.value.code, refused.value.field) == ("addon_not_offered", "lines[1].code_signing_addon")
    assert VoucherOrder.objects.for_partner(partner).count() == 0


def test_v2_order_is_all_or_nothing_when_a_later_line_is_invalid(finance, ssl, partner):
    with pytest.raises(PortalError) as refused:
        voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ssl.pk, years=1, quantity=1, fqdns=1),
                                                    LineRequest(product_id=ssl.pk, years=1, quantity=1001, fqdns=1)])
    assert refused.value.field == "lines[1].quantity"
    assert VoucherOrder.objects.for_partner(partner).count() == 0
    assert VoucherCode.objects.for_partner(partner).count() == 0
    assert LedgerEntry.objects.for_partner(partner).count() == 0


def test_v2_ev_code_signing_needs_a_token_shipping_method(finance, ev_code_signing, ssl, partner):
    with pytest.raises(PortalError) as refused:
        voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ev_code_signing.pk, years=1)])
    assert (refused.value.code, refused.value.field) == ("shipping_required", "lines[0].shipping_method")
    with pytest.raises(PortalError) as refused:
        voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ssl.pk, years=1, fqdns=1,
                                                                shipping_method="express")])
    assert refused.value.code == "shipping_not_allowed"
    order = voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ev_code_signing.pk, years=1,
                                                                    shipping_method="express")])
    assert order.lines.get().shipping_method == "express"


def test_t3_account_manager_cannot_order_vouchers(partner, make_order):
    manager = tenant_for(member(partner, Role.ACCOUNT_MANAGER), partner)
    with pytest.raises(PortalError) as refused:
        make_order(tenant=manager)
    assert refused.value.status == 403


def test_v3_codes_are_32_unambiguous_characters_with_160_bits():
    codes = new_codes(2000)
    assert len(set(codes)) == 2000
    assert all(len(code) == 32 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("IO01") & set(ALPHABET) and len(set(ALPHABET)) == 32
    assert ENTROPY_BITS >= 150


def test_v3_code_values_are_unique_in_the_database(make_order):
    from django.db import IntegrityError

    order = make_order(quantity=1)
    code = _codes(order).get()
    with pytest.raises(IntegrityError):
        VoucherCode.objects.create(partner=order.partner, order=order, line=code.line, value=code.value,
                                   expires_on=code.expires_on)


def test_v3_codes_are_masked_and_have_stable_numeric_ids(make_order):
    code = _codes(make_order(quantity=1)).get()
    assert code.masked == code.value[:5] + "*****"
    assert isinstance(code.pk, int)


@pytest.mark.parametrize(("ordered", "usable_until"), [
    (date(2020, 7, 28), date(2021, 7, 27)),
    (date(2023, 10, 11), date(2024, 10, 10)),
    (date(2024, 2, 29), date(2025, 2, 28)),
    (date(2023, 3, 1), date(2024, 2, 29)),
])
def test_v4_expiry_is_one_year_minus_one_day(ordered, usable_until):
    assert voucher_expiry(ordered) == usable_until


def test_v4_order_date_is_the_partners_date(make_order, monkeypatch):
    from datetime import UTC, datetime

    monkeypatch.setattr(timezone, "now", lambda: datetime(2023, 10, 10, 15, 30, tzinfo=UTC))  # 11 Oct in Tokyo
    order = make_order(quantity=1)
    assert (order.order_date, order.expires_on) == (date(2023, 10, 11), date(2024, 10, 10))
    assert _codes(order).get().expires_on == date(2024, 10, 10)


EXPIRES_ON = {date(2026, 11, 21): date(2027, 11, 20), date(2028, 2, 29): date(2029, 2, 28)}


def test_v4_expiry_job_marks_only_unused_codes_past_expiry(make_order, partner, business_day):
    """Ordered on 29 February: usable until 28 February the next year (a full year)."""
    order = make_order(quantity=3)
    assert order.expires_on == EXPIRES_ON[business_day]
    used, active, other = _codes(order)
    VoucherCode.objects.for_partner(partner).filter(pk=used.pk).update(status=CodeStatus.USED)
    last_day = order.expires_on
    assert voucher_expire_due(partner=partner, today=last_day) == 0  # still usable on its last day
    from datetime import timedelta

    assert voucher_expire_due(partner=partner, today=last_day + timedelta(days=1)) == 2
    assert voucher_expire_due(partner=partner, today=last_day + timedelta(days=1)) == 0  # idempotent
    statuses = dict(_codes(order).values_list("pk", "status"))
    assert statuses == {used.pk: CodeStatus.USED, active.pk: CodeStatus.EXPIRED, other.pk: CodeStatus.EXPIRED}


def test_v4_expire_command(make_order, partner, capsys):
    from django.core.management import call_command

    order = make_order(quantity=2)
    call_command("expire_vouchers", "--today", (order.expires_on.replace(year=order.expires_on.year + 1)).isoformat())
    assert set(_codes(order).values_list("status", flat=True)) == {CodeStatus.EXPIRED}


def test_v10_cancel_refunds_and_cancels_every_code(make_order, finance, partner):
    order = make_order(quantity=3)
    voucher_order_cancel(tenant=finance, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert set(_codes(order).values_list("status", flat=True)) == {CodeStatus.CANCELLED}
    refund = LedgerEntry.objects.for_partner(partner).get(entry_type=EntryType.REFUND)
    assert (refund.amount, refund.balance_after) == (order.total, Decimal("0"))
    assert BalanceAccount.objects.for_partner(partner).get().balance == Decimal("0")
    assert AuditEntry.objects.for_partner(partner).filter(action="voucher_order.cancelled").count() == 1


def test_v10_cancel_refused_when_a_code_is_used(make_order, finance, partner):
    order = make_order(quantity=2)
    VoucherCode.objects.for_partner(partner).filter(pk=_codes(order).first().pk).update(status=CodeStatus.USED)
    with pytest.raises(PortalError) as refused:
        voucher_order_cancel(tenant=finance, order=order)
    assert refused.value.code == "codes_not_all_active"
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert LedgerEntry.objects.for_partner(partner).filter(entry_type=EntryType.REFUND).count() == 0


@pytest.mark.parametrize(("age_days", "allowed"), [(30, True), (31, False)])
def test_v10_cancel_window_is_30_days_in_the_partners_calendar(make_order, finance, partner, age_days, allowed,
                                                               business_day):
    from datetime import timedelta

    order = make_order(quantity=1)
    VoucherOrder.objects.for_partner(partner).filter(pk=order.pk).update(
        order_date=order.order_date - timedelta(days=age_days))
    if allowed:
        assert voucher_order_cancel(tenant=finance, order=order).status == OrderStatus.CANCELLED
    else:
        with pytest.raises(PortalError) as refused:
            voucher_order_cancel(tenant=finance, order=order)
        assert (refused.value.code, refused.value.status) == ("cancel_window_passed", 409)


def test_v10_cancel_twice_is_refused_and_refunds_once(make_order, finance, partner):
    order = make_order(quantity=1)
    voucher_order_cancel(tenant=finance, order=order)
    with pytest.raises(PortalError):
        voucher_order_cancel(tenant=finance, order=order)
    assert LedgerEntry.objects.for_partner(partner).filter(entry_type=EntryType.REFUND).count() == 1


def test_v11_reissue_replaces_and_hides_the_original_with_same_expiry(make_order, finance, partner):
    order = make_order(quantity=1)
    original = _codes(order).get()
    new = voucher_code_reissue(tenant=finance, code=original)
    original.refresh_from_db()
    assert (original.status, new.status, new.expires_on, new.order_id) == (
        CodeStatus.REPLACED, CodeStatus.ACTIVE, original.expires_on, order.pk)
    assert new.value != original.value
    entry = AuditEntry.objects.for_partner(partner).get(action="voucher_code.reissued")
    assert (entry.before["code_id"], entry.after["code_id"]) == (original.pk, new.pk)
    with pytest.raises(PortalError):
        voucher_code_reissue(tenant=finance, code=original)  # the original is dead


def test_v11_order_with_a_reissued_code_can_still_be_cancelled(make_order, finance):
    order = make_order(quantity=2)
    voucher_code_reissue(tenant=finance, code=_codes(order).first())
    assert voucher_order_cancel(tenant=finance, order=order).status == OrderStatus.CANCELLED
    assert sorted(_codes(order).values_list("status", flat=True)) == [CodeStatus.CANCELLED, CodeStatus.CANCELLED,
                                                                       CodeStatus.REPLACED]


def _order_state(order):
    order = VoucherOrder.objects.for_partner(order.partner).get(pk=order.pk)
    lines = list(order.lines.order_by("pk").values("product_id", "years", "quantity", "fqdns", "wildcards",
                                                    "shipping_method", "code_signing_addon", "line_price"))
    return order.total, lines, _codes(order).count()


def test_v12_no_page_or_api_route_adds_options_to_an_order(make_order, partner, finance_client, ssl):
    """Every route about an order or its lines, every method, with a body asking for one more line
    and more names: the order, its lines, total and codes stay as created (cancel and order again)."""
    import inspect

    from rest_framework.test import APIClient

    import vouchers.services as services
    from tests.portal.sweep import id_routes, view_model
    from vouchers.models import VoucherOrderLine

    order = make_order(quantity=2, fqdns=1)
    before = _order_state(order)
    more = {"lines": [{"product": ssl.pk, "years": 1, "quantity": 5, "fqdns": 3, "wildcards": 1}],
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-product": ssl.pk, "lines-0-years": "1",
            "lines-0-quantity": "5", "lines-0-fqdns": "3", "lines-0-code_signing_addon": "on", "fqdns": 250}
    api = APIClient()
    api.force_login(order.created_by)
    routes = [r for r in id_routes() if view_model(r.callback) in (VoucherOrder, VoucherOrderLine)
              and not r.name.endswith("cancel")]
    assert {"voucher_order", "voucher-order-detail"} <= {r.name for r in routes}
    from django.urls import reverse

    answers = {}
    for route in routes:
        url = reverse(route.name, kwargs={name: order.pk for name in route.kwargs})
        client = api if url.startswith("/api/") else finance_client
        for method in ("post", "put", "patch"):
            response = getattr(client, method)(url, more, format="json") if client is api else \
                getattr(client, method)(url, more)
            answers[(route.name, method)] = response.status_code
    assert _order_state(order) == before
    assert {key: answers[key] for key in [("voucher_order", "post"), ("voucher-order-detail", "put"),
                                          ("voucher-order-detail", "patch")]} == {
        ("voucher_order", "post"): 405, ("voucher-order-detail", "put"): 405, ("voucher-order-detail", "patch"): 405}
    # Services: the ones that take an existing order cancel it or print it; neither changes a line.
    takes_order = [name for name in services.__all__
                   if "order" in inspect.signature(getattr(services, name)).parameters]
    assert sorted(takes_order) == ["voucher_order_cancel", "voucher_order_pdf_start"]


def test_t7_first_order_fixes_the_currency(make_order, partner):
    make_order(quantity=1)
    partner.refresh_from_db()
    assert partner.currency_locked is True


def test_v11_reissue_allowed_on_the_last_usable_day_and_refused_for_a_used_code(make_order, finance, partner,
                                                                               business_day):
    order = make_order(quantity=2)
    last_day, used = _codes(order)
    VoucherCode.objects.for_partner(partner).filter(pk=last_day.pk).update(expires_on=business_day)
    assert voucher_code_reissue(tenant=finance, code=last_day).expires_on == business_day
    VoucherCode.objects.for_partner(partner).filter(pk=used.pk).update(status=CodeStatus.USED)
    with pytest.raises(PortalError) as refused:
        voucher_code_reissue(tenant=finance, code=used)
    assert (refused.value.code, refused.value.status) == ("code_not_active", 409)


def test_v11_reissue_refused_for_a_code_past_expiry_before_the_job_ran(make_order, finance, partner, business_day):
    from datetime import timedelta

    order = make_order(quantity=1)
    code = _codes(order).get()
    VoucherCode.objects.for_partner(partner).filter(pk=code.pk).update(expires_on=business_day - timedelta(days=1))
    with pytest.raises(PortalError) as refused:
        voucher_code_reissue(tenant=finance, code=code)
    assert refused.value.code == "code_expired"
    assert _codes(order).count() == 1


@pytest.fixture
def one_yen(partner, price_table):
    """A ¥1 product and a ¥1,000 credit limit: an order of n vouchers costs exactly ¥n."""
    from tests.factories import PriceEntryFactory, ProductFactory

    product = ProductFactory(code="token", name="Token", kind="hardware_token", takes_fqdns=False,
                             takes_wildcards=False)
    PriceEntryFactory(table=price_table, product=product, years=1, offered_price=Decimal("1"))
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("1000"))
    partner.refresh_from_db()
    return product


def test_b7_voucher_orders_reserve_their_tax_and_the_invoice_run_never_passes_the_limit(finance, partner, one_yen):
    """B-7 at the exact boundary: ¥909 + ¥91 tax fills a ¥1,000 limit; one more yen is refused
    before anything is created; the month-end run then leaves the balance at exactly −¥1,000."""
    from billing.services import invoices_issue_month
    from portal.dates import local_today

    def order(quantity):
        return voucher_order_create(tenant=finance, lines=[LineRequest(product_id=one_yen.pk, years=1,
                                                                       quantity=quantity)])

    order(904)
    order(5)
    with pytest.raises(PortalError) as refused:
        order(1)  # 910 + round(91.0) = 1,001
    assert refused.value.code == "insufficient_funds"
    assert VoucherOrder.objects.for_partner(partner).count() == 2
    today = local_today(partner.time_zone)
    month_end = timezone.now() + timedelta(days=32)  # the run once the month has ended
    invoices_issue_month(year=today.year, month=today.month, time_zone=partner.time_zone, now=month_end)
    balance = BalanceAccount.objects.for_partner(partner).get().balance
    assert balance == Decimal("-1000")
    assert balance + partner.credit_limit >= 0
