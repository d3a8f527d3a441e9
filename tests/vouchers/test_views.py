"""The voucher pages: V-2 order form, V-3 masking, V-7 CSV downloads, V-8 redemption pages, V-9
review, B-7 balance page."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import LedgerEntry
from portal.onetime import new_token
from portal.tenancy.models import Partner
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import OperatorFactory, UserFactory
from vouchers.exports import CODE_COLUMNS, ORDER_COLUMNS, USED_CODE_COLUMNS
from vouchers.models import CertificateRequest, CodeStatus, OrderStatus, VoucherCode, VoucherOrder


def _form(ssl, lines, **header):
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "50", "customer_name": "Acme", "notes": "", "once_token": new_token(), **header}
    for i, line in enumerate(lines):
        values = {"product": ssl.pk, "years": 1, "quantity": 1, "fqdns": 1, "wildcards": 0, "shipping_method": "",
                  **line}
        data.update({f"lines-{i}-{key}": value for key, value in values.items()})
    return data


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_v2_order_form_creates_the_order_and_shows_it(finance_client, ssl, partner):
    response = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{"quantity": 2, "fqdns": 5},
                                                                            {"quantity": 1, "wildcards": 1}]) | {
        "submit": "1"})
    order = VoucherOrder.objects.for_partner(partner).get()
    assert response.status_code == 302 and response.url == reverse("voucher_order", args=[order.pk])
    assert order.total == 2 * 4975 + (995 + 5000)
    page = finance_client.get(response.url).content.decode()
    assert "¥15,945" in page and order.receipt_id in page


def test_v2_add_another_product_without_javascript(finance_client, ssl):
    response = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{}]) | {"add_line": "1"})
    assert response.status_code == 200
    assert len(response.context["lines"].forms) == 2


def test_v2_show_prices_without_javascript(finance_client, ssl, partner):
    response = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{"quantity": 3, "fqdns": 5}]) | {
        "preview": "1"})
    assert response.context["prices"]["total"] == Decimal("14925")
    assert VoucherOrder.objects.for_partner(partner).count() == 0


def test_v2_live_prices_endpoint(finance_client, ssl):
    response = finance_client.post(reverse("voucher_order_prices"), _form(ssl, [{"quantity": 5, "fqdns": 5},
                                                                                {"quantity": 0}]))
    body = response.json()
    assert body["lines"][0] == {"unit": "¥4,975", "total": "¥24,875"}
    assert "error" in body["lines"][1]
    assert body["total"] == "¥24,875"


def test_v2_bad_line_names_the_field_and_creates_nothing(finance_client, ssl, partner):
    response = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{"fqdns": 0}]) | {"submit": "1"})
    assert response.status_code == 200
    assert response.context["lines"].forms[0].errors["fqdns"] == [
        "A TLS certificate needs at least one name: an FQDN or a wildcard."]
    assert VoucherOrder.objects.for_partner(partner).count() == 0


def test_b7_order_over_the_credit_limit_is_refused_on_the_form(finance_client, ssl, partner):
    response = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{"quantity": 1000, "fqdns": 250}]) | {
        "submit": "1"})
    assert response.status_code == 200
    assert "funds available" in str(response.context["header"].non_field_errors())
    assert LedgerEntry.objects.for_partner(partner).count() == 0


def test_v1_order_page_explains_why_vouchers_are_off(finance_client, partner):
    partner.vouchers_enabled = False
    partner.save()
    page = finance_client.get(reverse("voucher_order_new"))
    assert "Vouchers are not enabled for your account" in page.content.decode()


def test_v3_codes_are_masked_until_shown_and_read_only_cannot_reveal(finance_client, make_order, partner):
    order = make_order(quantity=1)
    code = VoucherCode.objects.for_partner(partner).get(order=order)
    page = finance_client.get(reverse("voucher_order", args=[order.pk])).content.decode()
    assert code.masked in page and code.value not in page
    assert code.value in finance_client.get(reverse("voucher_order", args=[order.pk]) + "?show=1").content.decode()
    reader = client_for(member(partner, Role.READ_ONLY))
    assert code.value not in reader.get(reverse("voucher_order", args=[order.pk]) + "?show=1").content.decode()
    assert reader.get(reverse("voucher_order_codes_csv", args=[order.pk])).status_code == 403


def test_v10_cancel_button_refunds(finance_client, make_order, partner):
    order = make_order(quantity=2)
    finance_client.post(reverse("voucher_order_cancel", args=[order.pk]), {"once_token": new_token()})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_v11_reissue_button_hides_the_original(finance_client, make_order, partner):
    order = make_order(quantity=1)
    code = VoucherCode.objects.for_partner(partner).get(order=order)
    finance_client.post(reverse("voucher_code_reissue", args=[code.pk]))
    page = finance_client.get(reverse("voucher_order", args=[order.pk])).content.decode()
    replacement = VoucherCode.objects.for_partner(partner).get(replaces=code)
    assert f"<td>{replacement.pk}</td>" in page and replacement.masked in page
    if replacement.masked != code.masked:  # 5 random characters: equal about once in 28 million
        assert code.masked not in page
    assert f"<td>{code.pk}</td>" not in page


def test_v2_order_form_line_offers_the_code_signing_addon(finance_client, ssl, price_table, partner):
    from portal.catalogue.models import PriceComponent, Product
    from tests.factories import PriceEntryFactory

    Product.objects.filter(pk=ssl.pk).update(offers_code_signing_addon=True)
    PriceEntryFactory(table=price_table, product=ssl, years=1, component=PriceComponent.CODE_SIGNING_ADDON,
                      offered_price=Decimal("3000"))
    page = finance_client.get(reverse("voucher_order_new")).content.decode()
    assert 'name="lines-0-code_signing_addon"' in page
    response = finance_client.post(reverse("voucher_order_new"), {
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-product": ssl.pk, "lines-0-years": "1",
        "lines-0-quantity": "1", "lines-0-fqdns": "1", "lines-0-wildcards": "0", "lines-0-code_signing_addon": "on",
        "submit": "1", "once_token": new_token()})
    assert response.status_code == 302
    line = VoucherOrder.objects.for_partner(partner).get().lines.get()
    assert (line.code_signing_addon, line.unit_price) == (True, Decimal("3995"))
    detail = finance_client.get(response.url).content.decode()
    assert "Code-signing add-on" in detail


def test_v7_order_records_csv_columns_and_values(finance_client, make_order, partner):
    order = make_order(quantity=2, customer_name="=cmd|' /C calc'!A0", notes="INV-1")
    rows = _csv(finance_client.get(reverse("voucher_orders_csv")))
    assert rows[0] == ORDER_COLUMNS
    assert rows[1] == [str(order.pk), "'=cmd|' /C calc'!A0", "Completed", "1990", "2189", "JPY",
                       order.order_date.isoformat(), order.expires_on.isoformat(), order.receipt_id, "INV-1"]


def test_v7_cost_plus_tax_uses_the_partners_own_rate(finance_client, make_order, partner):
    """The partner's invoices use its own rate (8 % here); so does the export's cost_plus_tax:
    1,990 + round(159.2) = 2,149 (the standard 10 % would give 2,189)."""
    Partner.objects.filter(pk=partner.pk).update(tax_rate=Decimal("0.08"))
    make_order(quantity=2)
    rows = _csv(finance_client.get(reverse("voucher_orders_csv")))
    assert (rows[1][3], rows[1][4]) == ("1990", "2149")  # JPY: no decimals in either


def test_v7_filtered_order_records(finance_client, make_order, finance):
    from vouchers.services import voucher_order_cancel

    keep, cancelled = make_order(quantity=1), make_order(quantity=1)
    voucher_order_cancel(tenant=finance, order=cancelled)
    rows = _csv(finance_client.get(reverse("voucher_orders_csv"), {"status": "cancelled"}))
    assert [row[0] for row in rows[1:]] == [str(cancelled.pk)]
    rows = _csv(finance_client.get(reverse("voucher_orders_csv"), {"date_from": keep.order_date.isoformat()}))
    assert len(rows) == 3


def test_v7_bad_filter_names_the_field(finance_client):
    response = finance_client.get(reverse("voucher_orders_csv"), {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "Created from" in response.content.decode()


def test_v7_order_codes_csv(finance_client, make_order, partner):
    order = make_order(quantity=3, fqdns=2, years=2)
    rows = _csv(finance_client.get(reverse("voucher_order_codes_csv", args=[order.pk])))
    assert rows[0] == CODE_COLUMNS
    codes = list(VoucherCode.objects.for_partner(partner).filter(order=order).order_by("id"))
    assert [row[1] for row in rows[1:]] == [c.value for c in codes]
    assert rows[1][2:9] == ["SSL OV", "2", "0", "", "2", str((order.order_date.replace(
        year=order.order_date.year + 2) - order.order_date).days), "Active"]


def test_v7_used_codes_csv_has_the_certificate_columns(finance_client, make_order, partner):
    from vouchers.services import CertificateRequestInput, certificate_request_approve, voucher_redeem

    order = make_order(quantity=2)
    code = VoucherCode.objects.for_partner(partner).filter(order=order).first()
    request = voucher_redeem(value=code.value, requester=UserFactory(),
                             data=CertificateRequestInput(common_name="www.example.com", organisation="Ex KK"))
    certificate_request_approve(actor=OperatorFactory(), certificate_request=request)
    request.refresh_from_db()
    rows = _csv(finance_client.get(reverse("voucher_used_codes_csv")))
    assert rows[0] == USED_CODE_COLUMNS
    assert len(rows) == 2
    row = dict(zip(USED_CODE_COLUMNS, rows[1], strict=True))
    assert (row["value"], row["status"], row["cert_common_name"], row["cert_organization"]) == (
        code.value, "Used", "www.example.com", "Ex KK")
    assert (row["certificate_order_id"], row["order_valid_till"], row["server_licenses"]) == (
        request.certificate_order_id, request.order_valid_till.isoformat(), "1")


def test_v7_csv_of_another_partners_order_is_404(make_order, other_partner):
    order = make_order(quantity=1)
    intruder = client_for(member(other_partner, Role.PARTNER_ADMIN))
    assert intruder.get(reverse("voucher_order_codes_csv", args=[order.pk])).status_code == 404


# --- redemption pages ---------------------------------------------------------------------------

@pytest.fixture
def code(make_order, partner):
    return VoucherCode.objects.for_partner(partner).get(order=make_order(quantity=1, fqdns=2))


def test_v8_redemption_page_says_nothing_to_pay_and_asks_to_sign_in(code):
    page = Client().get(reverse("redeem", args=[code.value]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Voucher code applied — nothing to pay" in html
    assert reverse("signup") in html and reverse("login") in html


def test_v8_sign_up_and_request_the_certificate(code, partner, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    url = reverse("redeem", args=[code.value])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {"email": "end@example.test", "first_name": "E", "last_name": "C",
                                        "password1": "a-Strong-pass-77", "password2": "a-Strong-pass-77", "next": url})
    link = re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mailoutbox[0].body)[1]
    response = client.get(link)  # the e-mail's link signs in and goes back to the voucher
    assert response.status_code == 302 and response.url == url
    done = client.post(url, {"common_name": "www.example.com", "additional_names": "api.example.com",
                             "wildcard_names": "", "organisation": "Example KK", "server_licences": 1})
    assert (done.status_code, done.url) == (302, reverse("my_requests"))  # a reload cannot submit it again
    assert "Request received: your certificate request for www.example.com" in client.get(done.url).content.decode()
    code.refresh_from_db()
    assert code.status == CodeStatus.USED
    assert CertificateRequest.objects.for_partner(partner).get().requester.email == "end@example.test"
    assert "www.example.com" in client.get(reverse("my_requests")).content.decode()


def test_v8_too_many_names_shows_the_field_error_and_keeps_the_code(code):
    client = client_for(UserFactory())
    response = client.post(reverse("redeem", args=[code.value]), {
        "common_name": "a.example.com", "additional_names": "b.example.com c.example.com", "organisation": "X",
        "server_licences": 1})
    assert response.status_code == 200
    assert response.context["form"].errors["additional_names"] == ["This voucher covers at most 2 FQDN(s)."]
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE


def test_v8_code_signing_voucher_page_asks_for_the_organisation_and_redeems(finance, ev_code_signing, partner):
    """An EV code-signing voucher whose token ships: the page asks for the organisation, its
    address, a contact and the shipping address — no common name, no domain names."""
    from vouchers.services import LineRequest, voucher_order_create

    order = voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ev_code_signing.pk, years=1,
                                                                    shipping_method="standard")])
    code = VoucherCode.objects.for_partner(partner).get(order=order)
    customer = client_for(UserFactory())
    form = customer.get(reverse("redeem", args=[code.value])).context["form"]
    assert list(form.fields) == ["organisation", "organisation_address", "contact_name", "contact_email",
                                 "shipping_address"]
    response = customer.post(reverse("redeem", args=[code.value]), {
        "organisation": "Example KK", "organisation_address": "1-1 Chiyoda", "contact_name": "Aiko Tanaka",
        "contact_email": "aiko@example.test", "shipping_address": "2-2 Shibuya"})
    assert (response.status_code, response.url) == (302, reverse("my_requests"))
    assert "your certificate request for Example KK was received" in customer.get(response.url).content.decode()
    request = CertificateRequest.objects.for_partner(partner).get(code=code)
    assert (request.common_name, request.contact_email, request.shipping_address) == (
        "", "aiko@example.test", "2-2 Shibuya")
    code.refresh_from_db()
    assert code.status == CodeStatus.USED


@pytest.mark.parametrize(("status", "http", "text"), [
    (CodeStatus.USED, 409, "already been used"), (CodeStatus.CANCELLED, 409, "cancelled"),
    (CodeStatus.EXPIRED, 409, "expired"), (CodeStatus.REPLACED, 404, "not valid")])
def test_v8_wrong_codes_get_a_clear_page(code, partner, status, http, text):
    VoucherCode.objects.for_partner(partner).filter(pk=code.pk).update(status=status)
    response = Client().get(reverse("redeem", args=[code.value]))
    assert response.status_code == http
    assert text in response.content.decode()


def test_v8_unknown_code_page_is_the_same_as_a_replaced_one(code, partner):
    unknown = Client().get(reverse("redeem", args=["A" * 32]))
    VoucherCode.objects.for_partner(partner).filter(pk=code.pk).update(status=CodeStatus.REPLACED)
    replaced = Client().get(reverse("redeem", args=[code.value]))
    assert unknown.status_code == replaced.status_code == 404

    def without_tokens(response):  # the CSRF token and the page's own path differ by nature
        content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)
        return content.replace(code.value.encode(), b"CODE").replace(b"A" * 32, b"CODE")

    assert without_tokens(unknown) == without_tokens(replaced)


def test_v8_redemption_is_rate_limited_per_client(code, settings):
    from django.core.cache import cache

    cache.clear()
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "redeem": (5, 60)}
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [guesser.get(reverse("redeem", args=[f"GUESS{i:027d}"])).status_code for i in range(6)]
    assert statuses == [404] * 5 + [429]
    assert guesser.get(reverse("redeem", args=[code.value])).status_code == 429  # even a real code now
    assert Client(REMOTE_ADDR="198.51.100.8").get(reverse("redeem", args=[code.value])).status_code == 200


def test_v9_operator_reviews_requests(code, partner):
    from vouchers.services import CertificateRequestInput, voucher_redeem

    request = voucher_redeem(value=code.value, requester=UserFactory(),
                             data=CertificateRequestInput(common_name="www.example.com", organisation="X"))
    operator = client_for(OperatorFactory())
    assert "www.example.com" in operator.get(reverse("certificate_review")).content.decode()
    operator.post(reverse("certificate_review_action", args=[request.pk]), {"outcome": "issued"})
    request.refresh_from_db()
    assert request.status == "issued"
    partner_user = client_for(member(partner, Role.PARTNER_ADMIN))
    assert partner_user.get(reverse("certificate_review")).status_code == 403


def test_b7_balance_page_shows_funds_and_filters_the_ledger(finance_client, make_order, finance):
    from vouchers.services import voucher_order_cancel

    order = make_order(quantity=2)
    voucher_order_cancel(tenant=finance, order=order)
    page = finance_client.get(reverse("billing_home"))
    html = page.content.decode()
    assert "¥1,000,000" in html  # credit limit and, after the refund, funds available
    assert len(page.context["page"].object_list) == 2
    refunds = finance_client.get(reverse("billing_home"), {"entry_type": "refund"})
    assert [e.entry_type for e in refunds.context["page"].object_list] == ["refund"]


def test_b7_balance_page_shows_the_tax_held_for_orders_not_invoiced(finance_client, make_order):
    make_order(quantity=2)  # ¥1,990: ¥199 of tax to be invoiced at month end
    html = finance_client.get(reverse("billing_home")).content.decode()
    assert "Of which ¥199 is held for the tax of orders not invoiced yet." in html


def test_v8_redemption_form_says_the_limits_and_hides_wildcards_the_voucher_lacks(partner, make_order):
    from tests.conftest import client_for

    no_wildcards = VoucherCode.objects.for_partner(partner).filter(order=make_order(fqdns=3, wildcards=0)).first()
    with_wildcards = VoucherCode.objects.for_partner(partner).filter(order=make_order(fqdns=1, wildcards=2)).first()
    client = client_for(UserFactory())
    html = client.get(reverse("redeem", args=[no_wildcards.value])).content.decode()
    assert 'name="wildcard_names"' not in html
    assert "This voucher covers 3 names in all: the common name counts as one." in html
    assert "separated by commas or spaces" in html
    html = client.get(reverse("redeem", args=[with_wildcards.value])).content.decode()
    assert 'name="wildcard_names"' in html and "This voucher covers 2 wildcard names" in html
