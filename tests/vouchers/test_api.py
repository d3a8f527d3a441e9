"""SPEC A for vouchers: /api/v1/voucher-orders/ and /api/v1/voucher-codes/ (V-2, V-3, V-5, V-6,
V-7, V-10, V-11, B-7's order side, U-4), through API keys."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from billing.models import EntryType, LedgerEntry
from portal.api.services import api_key_create
from portal.dates import local_today
from portal.jobs.models import TaskProgress
from portal.tenancy.models import Partner
from portal.tenancy.roles import Role
from tests.conftest import tenant_for
from tests.factories import CertificateRequestFactory, PriceEntryFactory, ProductFactory
from vouchers.exports import CODE_COLUMNS, ORDER_COLUMNS, USED_CODE_COLUMNS
from vouchers.models import CodeStatus, OrderStatus, VoucherCode, VoucherOrder
from vouchers.services import LineRequest, voucher_expiry, voucher_order_cancel, voucher_order_create

ORDERS = "/api/v1/voucher-orders/"


def api_client(raw_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")


def _key(tenant, role) -> Client:
    _key_row, raw = api_key_create(tenant=tenant, name=f"{role} key", role=role)
    return api_client(raw)


@pytest.fixture
def finance_api(admin_tenant):
    """Partner finance: may view, order, cancel, reissue and reveal codes."""
    return _key(admin_tenant, Role.PARTNER_FINANCE)


@pytest.fixture
def readonly_api(admin_tenant):
    """Read-only: sees orders and masked codes, nothing more."""
    return _key(admin_tenant, Role.READ_ONLY)


@pytest.fixture
def intruder_api(other_admin, other_partner):
    """Another partner's admin key."""
    return _key(tenant_for(other_admin, other_partner), Role.PARTNER_ADMIN)


def _post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


def _line(product, **fields):
    line = {"product": product.pk, "years": 1, "quantity": 1, "fqdns": 1, "wildcards": 0, "shipping_method": ""}
    return line | fields


def _codes(order):
    return VoucherCode.objects.for_partner(order.partner).filter(order=order)


def _orders(partner):
    return VoucherOrder.objects.for_partner(partner)


def _ledger(partner):
    return LedgerEntry.objects.for_partner(partner)


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def _time(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def _expected_order(order) -> dict:
    order.refresh_from_db()
    return {
        "id": order.pk, "status": order.status, "customer_name": order.customer_name, "notes": order.notes,
        "currency": order.currency, "total": f"{order.total:.2f}", "order_date": order.order_date.isoformat(),
        "expires_on": order.expires_on.isoformat(), "receipt_id": order.receipt_id,
        "created_at": _time(order.created_at), "cancelled_at": order.cancelled_at and _time(order.cancelled_at),
        "lines": [
            {"id": line.pk, "product": line.product_id, "product_code": line.product.code,
             "product_name": line.product.name, "years": line.years, "quantity": line.quantity, "fqdns": line.fqdns,
             "wildcards": line.wildcards, "code_signing_addon": line.code_signing_addon,
             "shipping_method": line.shipping_method,
             "unit_price": f"{line.unit_price:.2f}", "line_price": f"{line.line_price:.2f}"}
            for line in order.lines.order_by("position")
        ],
    }


# --- create (V-2, B-7) ---------------------------------------------------------------------------

def test_a_voucher_order_create_returns_201_with_lines(finance_api, ssl, partner):
    response = _post(finance_api, ORDERS, {"customer_name": " Acme ", "notes": "INV-77", "lines": [
        _line(ssl, quantity=3, fqdns=5),
        _line(ssl, years=2, quantity=2, fqdns=1, wildcards=1),
    ]})
    assert response.status_code == 201
    order = _orders(partner).get()
    entry = _ledger(partner).get()
    today = local_today("Asia/Tokyo")
    body = response.json()
    assert body == _expected_order(order)
    assert (body["status"], body["customer_name"], body["notes"], body["currency"]) == ("completed", "Acme",
                                                                                        "INV-77", "JPY")
    assert (body["total"], body["order_date"], body["expires_on"], body["receipt_id"]) == (
        "38905.00", today.isoformat(), voucher_expiry(today).isoformat(), f"R{entry.pk:08d}")
    assert [(li["product"], li["product_code"], li["product_name"], li["years"], li["quantity"], li["fqdns"],
             li["wildcards"], li["unit_price"], li["line_price"]) for li in body["lines"]] == [
        (ssl.pk, "ssl-ov", "SSL OV", 1, 3, 5, 0, "4975.00", "14925.00"),
        (ssl.pk, "ssl-ov", "SSL OV", 2, 2, 1, 1, "11990.00", "23980.00"),
    ]
    assert _codes(order).count() == 5
    assert (entry.entry_type, entry.amount, entry.reference) == (EntryType.CHARGE, Decimal("-38905"), f"VO-{order.pk}")


def test_a_voucher_order_create_applies_line_defaults(finance_api, ssl, partner):
    response = _post(finance_api, ORDERS, {"lines": [{"product": ssl.pk, "years": 1, "fqdns": 1}]})
    assert response.status_code == 201
    line = response.json()["lines"][0]
    assert (line["quantity"], line["fqdns"], line["wildcards"], line["shipping_method"]) == (1, 1, 0, "")
    assert response.json()["customer_name"] == response.json()["notes"] == ""


def _missing_product_id():
    from portal.catalogue.models import Product

    return (Product.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"lines": [{"quantity": 0}]}, "lines[0].quantity", "min_value"),
    ({"lines": [{"quantity": 1001}]}, "lines[0].quantity", "max_value"),
    ({"lines": [{}, {"quantity": "many"}]}, "lines[1].quantity", "invalid"),
    ({"lines": [{"fqdns": 251}]}, "lines[0].fqdns", "max_value"),
    ({"lines": [{"fqdns": -1}]}, "lines[0].fqdns", "min_value"),
    ({"lines": [{"wildcards": 251}]}, "lines[0].wildcards", "max_value"),
    ({"lines": [{"years": 0}]}, "lines[0].years", "min_value"),
    ({"lines": [{"years": 7}]}, "lines[0].years", "max_value"),
    ({"lines": [{"years": None}]}, "lines[0].years", "null"),
    ({"lines": [{"product": "ssl"}]}, "lines[0].product", "invalid"),
    ({"lines": [{"product": 10**30}]}, "lines[0].product", "does_not_exist"),
    ({"lines": [{}, {"product": "missing"}]}, "lines[1].product", "does_not_exist"),
    ({"lines": [{"shipping_method": "drone"}]}, "lines[0].shipping_method", "invalid_choice"),
    ({"lines": []}, "lines", "no_lines"),
    ({"lines": "all of them"}, "lines", "not_a_list"),
    ({"lines": [7]}, "lines", "invalid"),
    ({"lines": [{}] * 51}, "lines", "too_many_lines"),
    ({"lines": None}, "lines", "null"),
    ({}, "lines", "required"),
    ({"customer_name": "x" * 201, "lines": [{}]}, "customer_name", "max_length"),
    ({"notes": "x" * 501, "lines": [{}]}, "notes", "max_length"),
])
def test_v2_api_bad_order_input_is_400_naming_the_field_and_creates_nothing(finance_api, ssl, partner, body,
                                                                            field, code):
    if isinstance(body.get("lines"), list):
        body = body | {"lines": [
            _line(ssl) | {k: (_missing_product_id() if v == "missing" else v) for k, v in line.items()}
            if isinstance(line, dict) else line for line in body["lines"]]}
    response = _post(finance_api, ORDERS, body)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert (_orders(partner).count(), _ledger(partner).count()) == (0, 0)


def test_v2_api_product_outside_the_contract_is_refused_on_its_line(finance_api, ssl, partner):
    elsewhere = ProductFactory(code="not-in-contract")
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl), _line(elsewhere)]})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "lines[1].product", "code": "product_not_in_contract",
                                          "message": "This product is not in your contract price table."}]
    assert (_orders(partner).count(), _ledger(partner).count()) == (0, 0)


def test_v2_api_pricing_refusal_names_the_line_field(finance_api, ssl, partner):
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl, years=3)]})
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("lines[0].years",
                                                                            "validity_not_available")]
    assert _orders(partner).count() == 0


def test_v2_api_order_line_takes_the_code_signing_addon(finance_api, ssl, price_table, partner):
    from portal.catalogue.models import PriceComponent, Product

    Product.objects.filter(pk=ssl.pk).update(offers_code_signing_addon=True)
    PriceEntryFactory(table=price_table, product=ssl, years=1, component=PriceComponent.CODE_SIGNING_ADDON,
                      offered_price=Decimal("3000"))
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl) | {"code_signing_addon": True}]})
    assert response.status_code == 201
    line = response.json()["lines"][0]
    assert (line["code_signing_addon"], line["unit_price"]) == (True, "3995.00")


def test_b7_api_order_over_the_available_funds_is_409_and_creates_nothing(finance_api, ssl, partner):
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("1000"))
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl, quantity=2)]})
    assert response.status_code == 409
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("lines", "insufficient_funds")]
    assert (_orders(partner).count(), _ledger(partner).count()) == (0, 0)
    assert VoucherCode.objects.for_partner(partner).count() == 0


def test_v1_api_partner_without_vouchers_feature_is_refused(finance_api, ssl, partner):
    Partner.objects.filter(pk=partner.pk).update(vouchers_enabled=False)
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl)]})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "vouchers_not_enabled"
    assert _orders(partner).count() == 0


def test_a_idempotency_key_creates_one_order_and_one_charge(finance_api, ssl, partner):
    body = {"customer_name": "Acme", "lines": [_line(ssl, quantity=3)]}
    first = _post(finance_api, ORDERS, body, HTTP_IDEMPOTENCY_KEY="order-1")
    second = _post(finance_api, ORDERS, body, HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replay"] == "true"
    order = _orders(partner).get()
    assert first.json()["id"] == order.pk
    assert _ledger(partner).filter(entry_type=EntryType.CHARGE).count() == 1
    assert _codes(order).count() == 3


def test_a_idempotency_key_reused_with_another_order_body_is_refused(finance_api, ssl, partner):
    _post(finance_api, ORDERS, {"lines": [_line(ssl)]}, HTTP_IDEMPOTENCY_KEY="order-1")
    response = _post(finance_api, ORDERS, {"lines": [_line(ssl, quantity=2)]}, HTTP_IDEMPOTENCY_KEY="order-1")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert (_orders(partner).count(), _ledger(partner).count()) == (1, 1)
    assert _post(finance_api, ORDERS, {"lines": [_line(ssl)]}, HTTP_IDEMPOTENCY_KEY="order-2").status_code == 201
    assert _orders(partner).count() == 2


# --- list and retrieve ---------------------------------------------------------------------------

@pytest.fixture
def four_orders(make_order, finance, partner):
    """Newest first: cancelled (2026-03-20), with a used code (2026-03-10), two plain ones
    (2026-02-28, 2026-03-01)."""
    first, second, used, cancelled = (make_order(customer_name=name) for name in ("A", "B", "C", "D"))
    voucher_order_cancel(tenant=finance, order=cancelled)
    for order, day in ((first, "2026-02-28"), (second, "2026-03-01"), (used, "2026-03-10"),
                       (cancelled, "2026-03-20")):
        _orders(partner).filter(pk=order.pk).update(order_date=day)
    _codes(used).filter(pk=_codes(used).first().pk).update(status=CodeStatus.USED)
    return first, second, used, cancelled


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["cancelled", "used", "second", "first"]),
    ({"status": "cancelled"}, ["cancelled"]),
    ({"status": "completed"}, ["used", "second", "first"]),
    ({"status": ""}, ["cancelled", "used", "second", "first"]),
    ({"code_status": "used"}, ["used"]),
    ({"code_status": "cancelled"}, ["cancelled"]),
    ({"code_status": "active"}, ["used", "second", "first"]),
    ({"code_status": "expired"}, []),
    ({"created_from": "2026-03-01"}, ["cancelled", "used", "second"]),
    ({"created_to": "2026-03-01"}, ["second", "first"]),
    ({"created_from": "2026-03-01", "created_to": "2026-03-10", "status": "completed"}, ["used", "second"]),
])
def test_a_voucher_orders_list_filters(readonly_api, four_orders, query, expected):
    names = dict(zip(["first", "second", "used", "cancelled"], four_orders, strict=True))
    body = readonly_api.get(ORDERS, query).json()
    assert body["count"] == len(expected)
    assert [order["id"] for order in body["results"]] == [names[name].pk for name in expected]


def test_a_voucher_orders_list_is_paginated_with_lines(readonly_api, four_orders):
    page = readonly_api.get(ORDERS, {"page_size": 3}).json()
    assert (page["count"], len(page["results"]), page["previous"]) == (4, 3, None)
    assert page["next"].endswith("page=2&page_size=3")
    assert page["results"][0] == _expected_order(four_orders[3])
    assert readonly_api.get(ORDERS, {"page_size": 3, "page": 2}).json()["results"][0]["id"] == four_orders[0].pk


@pytest.mark.parametrize(("query", "field", "code"), [
    ({"status": "open"}, "status", "invalid_choice"),
    ({"code_status": "replaced"}, "code_status", "invalid_choice"),
    ({"code_status": "lost"}, "code_status", "invalid_choice"),
    ({"created_from": "2026-13-01"}, "created_from", "invalid"),
    ({"created_to": "yesterday"}, "created_to", "invalid"),
    ({"created_from": "2026-03-02", "created_to": "2026-03-01"}, "created_to", "invalid_range"),
])
def test_u4_api_bad_order_filter_is_400_naming_the_field(readonly_api, four_orders, query, field, code):
    response = readonly_api.get(ORDERS, query)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_a_voucher_order_detail_has_its_lines(readonly_api, make_order):
    order = make_order(quantity=2, fqdns=3, customer_name="Acme", notes="PO-9")
    response = readonly_api.get(f"{ORDERS}{order.pk}/")
    assert response.status_code == 200
    assert response.json() == _expected_order(order)
    assert response.json()["lines"][0]["line_price"] == "5970.00"


def test_a_voucher_order_missing_and_foreign_ids_answer_the_same_404(readonly_api, other_partner):
    from tests.factories import VoucherOrderFactory

    theirs = VoucherOrderFactory(partner=other_partner)
    missing, foreign = readonly_api.get(f"{ORDERS}{theirs.pk + 1000}/"), readonly_api.get(f"{ORDERS}{theirs.pk}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


# --- codes (V-3, V-5) -----------------------------------------------------------------------------

def test_v3_api_codes_masked_without_reveal_permission(readonly_api, make_order):
    order = make_order(quantity=3)
    response = readonly_api.get(f"{ORDERS}{order.pk}/codes/")
    assert response.status_code == 200
    body = response.json()
    codes = list(_codes(order).order_by("id"))
    assert body["count"] == 3
    assert body["results"] == [{
        "id": code.pk, "order": order.pk, "status": "active", "product_kind": "ov", "product_name": "SSL OV",
        "years": 1, "fqdns": 1, "wildcards": 0, "shipping_method": "", "expires_on": order.expires_on.isoformat(),
        "value": code.value[:5] + "*****", "redemption_url": None,
    } for code in codes]
    assert not any(code.value in response.content.decode() for code in codes)


def test_v3_api_codes_revealed_with_permission(finance_api, make_order):
    order = make_order(quantity=2)
    body = finance_api.get(f"{ORDERS}{order.pk}/codes/").json()
    codes = list(_codes(order).order_by("id"))
    assert [(c["id"], c["value"], c["redemption_url"]) for c in body["results"]] == [
        (code.pk, code.value, f"{settings.PORTAL_SITE_URL}/redeem/{code.value}/") for code in codes]
    single = finance_api.get(f"/api/v1/voucher-codes/{codes[0].pk}/").json()
    assert (single["value"], single["order"]) == (codes[0].value, order.pk)


def test_v5_api_codes_filter_by_status_and_refuse_a_bad_status(readonly_api, make_order):
    order = make_order(quantity=3)
    used = _codes(order).order_by("id").first()
    _codes(order).filter(pk=used.pk).update(status=CodeStatus.USED)
    body = readonly_api.get(f"{ORDERS}{order.pk}/codes/", {"status": "used"}).json()
    assert [(c["id"], c["status"]) for c in body["results"]] == [(used.pk, "used")]
    bad = readonly_api.get(f"{ORDERS}{order.pk}/codes/", {"status": "replaced"})
    assert bad.status_code == 400
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("status", "invalid_choice")]


# --- reissue (V-11) -------------------------------------------------------------------------------

def test_v11_api_reissue_returns_201_with_the_new_code_and_hides_the_old(finance_api, make_order, partner):
    order = make_order(quantity=2)
    old = _codes(order).order_by("id").first()
    response = _post(finance_api, f"/api/v1/voucher-codes/{old.pk}/reissue/")
    assert response.status_code == 201
    new = VoucherCode.objects.for_partner(partner).get(replaces=old)
    assert response.json() == {
        "id": new.pk, "order": order.pk, "status": "active", "product_kind": "ov", "product_name": "SSL OV",
        "years": 1, "fqdns": 1, "wildcards": 0, "shipping_method": "", "expires_on": old.expires_on.isoformat(),
        "value": new.value, "redemption_url": f"{settings.PORTAL_SITE_URL}/redeem/{new.value}/",
    }
    old.refresh_from_db()
    assert old.status == CodeStatus.REPLACED
    assert finance_api.get(f"/api/v1/voucher-codes/{old.pk}/").status_code == 404
    listed = finance_api.get(f"{ORDERS}{order.pk}/codes/").json()
    assert sorted(c["id"] for c in listed["results"]) == sorted(
        _codes(order).exclude(pk=old.pk).values_list("pk", flat=True))
    assert listed["count"] == 2
    again = _post(finance_api, f"/api/v1/voucher-codes/{old.pk}/reissue/")
    assert again.status_code == 404
    assert _codes(order).count() == 3


def test_v11_api_reissue_of_a_used_code_is_refused_with_409(finance_api, make_order):
    order = make_order(quantity=1)
    code = _codes(order).get()
    _codes(order).update(status=CodeStatus.USED)
    response = _post(finance_api, f"/api/v1/voucher-codes/{code.pk}/reissue/")
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": None, "code": "code_not_active",
                                          "message": "Only an Active code can be reissued."}]
    assert list(_codes(order).values_list("pk", "status")) == [(code.pk, CodeStatus.USED)]


# --- cancel (V-10) --------------------------------------------------------------------------------

def test_v10_api_cancel_returns_the_cancelled_order_and_refunds(finance_api, make_order, partner):
    order = make_order(quantity=2)
    response = _post(finance_api, f"{ORDERS}{order.pk}/cancel/")
    assert response.status_code == 200
    assert response.json() == _expected_order(order)
    assert (response.json()["status"], response.json()["cancelled_at"] is not None) == ("cancelled", True)
    assert set(_codes(order).values_list("status", flat=True)) == {CodeStatus.CANCELLED}
    refund = _ledger(partner).get(entry_type=EntryType.REFUND)
    assert (refund.amount, refund.reference, refund.balance_after) == (Decimal("1990"), f"VO-{order.pk}",
                                                                       Decimal("0"))


def _assert_unchanged(order, statuses, ledger_count):
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert list(_codes(order).order_by("id").values_list("status", flat=True)) == statuses
    assert _ledger(order.partner).count() == ledger_count


def test_v10_api_cancel_refused_when_a_code_is_used(finance_api, make_order):
    order = make_order(quantity=2)
    _codes(order).filter(pk=_codes(order).order_by("id").first().pk).update(status=CodeStatus.USED)
    response = _post(finance_api, f"{ORDERS}{order.pk}/cancel/")
    assert response.status_code == 409
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(None, "codes_not_all_active")]
    _assert_unchanged(order, [CodeStatus.USED, CodeStatus.ACTIVE], 1)


def test_v10_api_cancel_refused_after_30_days(finance_api, make_order, partner):
    order = make_order(quantity=1)
    _orders(partner).filter(pk=order.pk).update(order_date=local_today("Asia/Tokyo") - timedelta(days=31))
    response = _post(finance_api, f"{ORDERS}{order.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "cancel_window_passed"
    _assert_unchanged(order, [CodeStatus.ACTIVE], 1)


def test_v10_api_cancel_of_a_cancelled_order_is_409(finance_api, make_order, partner):
    order = make_order(quantity=1)
    assert _post(finance_api, f"{ORDERS}{order.pk}/cancel/").status_code == 200
    response = _post(finance_api, f"{ORDERS}{order.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "order_not_cancellable"
    assert _ledger(partner).filter(entry_type=EntryType.REFUND).count() == 1


# --- CSV (V-7) -------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["*/*", "text/csv"])
def test_v7_api_order_codes_csv(finance_api, make_order, accept):
    order = make_order(quantity=3, fqdns=2)
    response = finance_api.get(f"{ORDERS}{order.pk}/codes.csv", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="voucher-order-{order.pk}-codes.csv"'
    header, *rows = _csv_rows(response)
    assert header == CODE_COLUMNS
    codes = list(_codes(order).order_by("id"))
    assert [(row[0], row[1], row[2], row[3], row[6], row[8]) for row in rows] == [
        (str(code.pk), code.value, "SSL OV", "2", "1", "Active") for code in codes]


def test_v7_api_orders_export_csv_with_filters(readonly_api, four_orders):
    first, second, used, cancelled = four_orders
    everything = readonly_api.get("/api/v1/voucher-orders/export.csv", HTTP_ACCEPT="text/csv")
    header, *rows = _csv_rows(everything)
    assert header == ORDER_COLUMNS
    assert [row[0] for row in rows] == [str(o.pk) for o in (first, second, used, cancelled)]
    filtered = readonly_api.get("/api/v1/voucher-orders/export.csv",
                                {"status": "completed", "created_from": "2026-03-01", "created_to": "2026-03-10"})
    header, *rows = _csv_rows(filtered)
    assert filtered["Content-Disposition"] == 'attachment; filename="voucher-orders-filtered.csv"'
    assert [(row[0], row[1], row[2], row[3], row[5], row[6]) for row in rows] == [
        (str(second.pk), "B", "Completed", "1990", "JPY", "2026-03-01"),
        (str(used.pk), "C", "Completed", "1990", "JPY", "2026-03-10"),
    ]


@pytest.mark.parametrize(("query", "field", "code"), [
    ({"status": "done"}, "status", "invalid_choice"),
    ({"created_from": "01/03/2026"}, "created_from", "invalid"),
    ({"created_from": "2026-03-02", "created_to": "2026-03-01"}, "created_to", "invalid_range"),
    ({"code_status": "used"}, "code_status", "unsupported"),
])
def test_u4_api_bad_export_filter_is_400_naming_the_field(readonly_api, four_orders, query, field, code):
    response = readonly_api.get("/api/v1/voucher-orders/export.csv", query, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_v7_api_used_codes_csv(finance_api, make_order):
    order = make_order(quantity=2)
    code = _codes(order).order_by("id").first()
    _codes(order).filter(pk=code.pk).update(status=CodeStatus.USED, used_at=timezone.now())
    CertificateRequestFactory(code=code)
    response = finance_api.get("/api/v1/voucher-codes/used.csv")
    assert response.status_code == 200
    header, *rows = _csv_rows(response)
    assert header == USED_CODE_COLUMNS
    assert len(rows) == 1
    row = dict(zip(USED_CODE_COLUMNS, rows[0], strict=True))
    assert (row["id"], row["value"], row["status"], row["voucher_order_id"], row["cert_common_name"],
            row["cert_organization"]) == (str(code.pk), code.value, "Used", str(order.pk), "www.example.com",
                                          "Example KK")


# --- PDF (V-6, U-3) --------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["*/*", "application/pdf"])
def test_v6_api_code_pdf(finance_api, make_order, accept):
    code = _codes(make_order(quantity=1)).get()
    response = finance_api.get(f"/api/v1/voucher-codes/{code.pk}/pdf/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="voucher-{code.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_v6_api_order_pdf_starts_a_task_with_a_status_endpoint(finance_api, make_order, partner,
                                                               django_capture_on_commit_callbacks):
    order = make_order(quantity=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(finance_api, f"{ORDERS}{order.pk}/pdf/")
    assert response.status_code == 202
    progress = TaskProgress.objects.for_partner(partner).get()
    assert response["Location"] == f"/api/v1/tasks/{progress.pk}/"
    body = response.json()
    assert (body["id"], body["kind"], body["subject_id"], body["status"], body["done"], body["total"],
            body["download_url"]) == (progress.pk, "voucher_order_pdf", str(order.pk), "queued", 0, 2, None)
    assert len(callbacks) == 1
    task = finance_api.get(f"/api/v1/tasks/{progress.pk}/").json()
    assert (task["status"], task["done"], task["percent"], task["download_url"]) == (
        "done", 2, 100, f"http://testserver/api/v1/tasks/{progress.pk}/download/")
    pdf = finance_api.get(task["download_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


# --- permissions and tenancy -----------------------------------------------------------------------

def test_a_voucher_routes_need_the_html_views_permissions(readonly_api, admin_tenant, make_order, partner):
    order = make_order(quantity=1)
    code = _codes(order).get()
    refused = [
        _post(readonly_api, ORDERS, {"lines": []}),
        _post(readonly_api, f"{ORDERS}{order.pk}/cancel/"),
        _post(readonly_api, f"/api/v1/voucher-codes/{code.pk}/reissue/"),
        _post(readonly_api, f"{ORDERS}{order.pk}/pdf/"),
        readonly_api.get(f"/api/v1/voucher-codes/{code.pk}/pdf/"),
        readonly_api.get(f"{ORDERS}{order.pk}/codes.csv"),
        readonly_api.get("/api/v1/voucher-codes/used.csv"),
    ]
    assert [(r.status_code, r.json()["errors"][0]["code"]) for r in refused] == [(403, "permission_denied")] * 7
    _assert_unchanged(order, [CodeStatus.ACTIVE], 1)
    assert TaskProgress.objects.for_partner(partner).count() == 0
    customer_care = _key(admin_tenant, Role.ACCOUNT_MANAGER)
    assert customer_care.get(ORDERS).status_code == 403
    assert customer_care.get(f"/api/v1/voucher-codes/{code.pk}/").status_code == 403
    assert Client().get(ORDERS).status_code == 401


def test_t2_api_other_partners_key_gets_404_on_every_voucher_route(intruder_api, make_order, partner):
    order = make_order(quantity=1)
    code = _codes(order).get()
    answers = [
        intruder_api.get(f"{ORDERS}{order.pk}/"),
        intruder_api.get(f"{ORDERS}{order.pk}/codes/"),
        intruder_api.get(f"{ORDERS}{order.pk}/codes.csv"),
        _post(intruder_api, f"{ORDERS}{order.pk}/cancel/"),
        _post(intruder_api, f"{ORDERS}{order.pk}/pdf/"),
        intruder_api.get(f"/api/v1/voucher-codes/{code.pk}/"),
        intruder_api.get(f"/api/v1/voucher-codes/{code.pk}/pdf/"),
        _post(intruder_api, f"/api/v1/voucher-codes/{code.pk}/reissue/"),
    ]
    assert [r.status_code for r in answers] == [404] * 8
    _assert_unchanged(order, [CodeStatus.ACTIVE], 1)
    assert TaskProgress.objects.for_partner(partner).count() == 0
    assert intruder_api.get(ORDERS).json()["count"] == 0
    header, *rows = _csv_rows(intruder_api.get("/api/v1/voucher-orders/export.csv"))
    assert rows == []


# --- no N+1 (STYLE 14) -----------------------------------------------------------------------------

def _order_with_lines(tenant, product, quantity=1):
    return voucher_order_create(tenant=tenant, lines=[LineRequest(product_id=product.pk, years=1, quantity=quantity,
                                                                  fqdns=1),
                                                      LineRequest(product_id=product.pk, years=2, quantity=1,
                                                                  fqdns=2)])


def test_a_voucher_orders_list_makes_no_n_plus_one_queries(finance_api, finance, ssl,
                                                           django_assert_max_num_queries):
    for _ in range(5):
        _order_with_lines(finance, ssl)
    finance_api.get(ORDERS)  # warm-up: one-off lookups do not count
    with CaptureQueriesContext(connection) as five:
        assert finance_api.get(ORDERS).json()["count"] == 5
    for _ in range(15):
        _order_with_lines(finance, ssl)
    with django_assert_max_num_queries(len(five)):
        body = finance_api.get(ORDERS).json()
    assert (body["count"], [len(order["lines"]) for order in body["results"]]) == (20, [2] * 20)


def test_a_voucher_codes_list_makes_no_n_plus_one_queries(finance_api, finance, ssl,
                                                          django_assert_max_num_queries):
    small, big = _order_with_lines(finance, ssl, quantity=4), _order_with_lines(finance, ssl, quantity=49)
    finance_api.get(f"{ORDERS}{small.pk}/codes/")
    with CaptureQueriesContext(connection) as five:
        assert finance_api.get(f"{ORDERS}{small.pk}/codes/").json()["count"] == 5
    with django_assert_max_num_queries(len(five)):
        body = finance_api.get(f"{ORDERS}{big.pk}/codes/", {"page_size": 100}).json()
    assert (body["count"], len(body["results"])) == (50, 50)


def test_a_voucher_routes_are_in_the_openapi_schema(db):
    import json

    doc = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    assert {"/api/v1/voucher-orders/", "/api/v1/voucher-orders/{id}/", "/api/v1/voucher-orders/{id}/codes/",
            "/api/v1/voucher-orders/{id}/cancel/", "/api/v1/voucher-orders/{id}/pdf/",
            "/api/v1/voucher-orders/{id}/codes.csv", "/api/v1/voucher-orders/export.csv",
            "/api/v1/voucher-codes/{id}/reissue/", "/api/v1/voucher-codes/{id}/pdf/",
            "/api/v1/voucher-codes/used.csv"} <= set(doc["paths"])
    assert doc["paths"]["/api/v1/voucher-orders/"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["$ref"] == "#/components/schemas/VoucherOrderCreateRequest"
