"""SPEC A for the balance (B-7): /api/v1/balance/ and /api/v1/balance/ledger/, through API keys."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from billing.models import EntryType, LedgerEntry
from billing.services import ledger_post
from portal.api.services import api_key_create
from portal.tenancy.models import Partner
from portal.tenancy.roles import Role
from tests.conftest import tenant_for

BALANCE, LEDGER = "/api/v1/balance/", "/api/v1/balance/ledger/"


def _key(tenant, role) -> Client:
    _row, raw = api_key_create(tenant=tenant, name=f"{role} key", role=role)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


@pytest.fixture
def finance_api(admin_tenant):
    return _key(admin_tenant, Role.PARTNER_FINANCE)


@pytest.fixture
def clock(monkeypatch):
    """Set 'now' for the entries a test writes (the ledger is append-only: dates cannot be changed
    afterwards)."""
    moment = {"now": datetime(2026, 3, 1, 3, 0, tzinfo=UTC)}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])

    def set_now(*args):
        moment["now"] = datetime(*args, tzinfo=UTC)

    return set_now


def _post(partner, entry_type, amount, reference="T", description=""):
    with transaction.atomic():
        return ledger_post(partner=partner, entry_type=entry_type, amount=Decimal(amount), reference=reference,
                           description=description)


def test_b7_api_balance_shows_balance_credit_limit_and_available_funds(finance_api, partner):
    Partner.objects.filter(pk=partner.pk).update(low_balance_threshold=Decimal("50000"))
    _post(partner, EntryType.CHARGE, "-300000")
    _post(partner, EntryType.PAYMENT, "100000")
    response = finance_api.get(BALANCE)
    assert response.status_code == 200
    assert response.json() == {"currency": "JPY", "balance": "-200000.00", "unpaid_invoices": "0.00",
                               "credit_limit": "1000000.00", "available": "800000.00", "tax_reserved": "30000.00",
                               "low_balance_threshold": "50000.00"}


def test_b7_api_balance_of_a_partner_without_entries_is_zero(finance_api):
    assert finance_api.get(BALANCE).json() == {"currency": "JPY", "balance": "0.00", "unpaid_invoices": "0.00",
                                               "credit_limit": "1000000.00", "available": "1000000.00",
                                               "tax_reserved": "0.00", "low_balance_threshold": "0.00"}


def test_b7_api_ledger_entries_have_type_amount_and_balance_after(finance_api, partner, clock):
    charge = _post(partner, EntryType.CHARGE, "-1990", reference="VO-7", description="Acme")
    clock(2026, 3, 2, 3, 0)
    payment = _post(partner, EntryType.PAYMENT, "5000", reference="PAY-1")
    body = finance_api.get(LEDGER).json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": payment.pk, "created_at": serializers.DateTimeField().to_representation(payment.created_at),
         "entry_type": "payment", "amount": "5000.00", "balance_after": "3010.00", "currency": "JPY",
         "reference": "PAY-1", "description": ""},
        {"id": charge.pk, "created_at": serializers.DateTimeField().to_representation(charge.created_at),
         "entry_type": "charge", "amount": "-1990.00", "balance_after": "-1990.00", "currency": "JPY",
         "reference": "VO-7", "description": "Acme"},
    ]


@pytest.fixture
def ledger(partner, other_partner, clock):
    """Four entries around a Tokyo month boundary (Tokyo is UTC+9), newest first, and one of
    another partner."""
    clock(2026, 3, 31, 14, 0)  # 2026-03-31 23:00 in Tokyo
    charge = _post(partner, EntryType.CHARGE, "-1000")
    clock(2026, 3, 31, 15, 30)  # 2026-04-01 00:30 in Tokyo, still 31 March in UTC
    refund = _post(partner, EntryType.REFUND, "400")
    clock(2026, 4, 15, 3, 0)
    payment = _post(partner, EntryType.PAYMENT, "2000")
    adjustment = _post(partner, EntryType.ADJUSTMENT, "-50")
    _post(other_partner, EntryType.PAYMENT, "999")
    return {"charge": charge, "refund": refund, "payment": payment, "adjustment": adjustment}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["adjustment", "payment", "refund", "charge"]),
    ({"entry_type": ""}, ["adjustment", "payment", "refund", "charge"]),
    ({"entry_type": "charge"}, ["charge"]),
    ({"entry_type": "refund"}, ["refund"]),
    ({"entry_type": "payment"}, ["payment"]),
    ({"entry_type": "adjustment"}, ["adjustment"]),
    ({"date_from": "2026-04-01"}, ["adjustment", "payment", "refund"]),
    ({"date_to": "2026-03-31"}, ["charge"]),
    ({"date_from": "2026-04-01", "date_to": "2026-04-01"}, ["refund"]),
    ({"date_from": "2026-04-01", "entry_type": "payment"}, ["payment"]),
    ({"date_from": "2026-05-01"}, []),
])
def test_b7_api_balance_and_ledger_filters(finance_api, ledger, query, expected):
    body = finance_api.get(LEDGER, query).json()
    assert body["count"] == len(expected)
    assert [entry["id"] for entry in body["results"]] == [ledger[name].pk for name in expected]


def test_b7_api_ledger_is_paginated(finance_api, ledger):
    page = finance_api.get(LEDGER, {"page_size": 3}).json()
    assert (page["count"], len(page["results"])) == (4, 3)
    assert page["next"].endswith("page=2&page_size=3")
    assert [e["id"] for e in finance_api.get(LEDGER, {"page_size": 3, "page": 2}).json()["results"]] == [
        ledger["charge"].pk]


@pytest.mark.parametrize(("query", "field", "code"), [
    ({"entry_type": "gift"}, "entry_type", "invalid_choice"),
    ({"date_from": "2026-02-30"}, "date_from", "invalid"),
    ({"date_to": "tomorrow"}, "date_to", "invalid"),
    ({"date_from": "2026-04-02", "date_to": "2026-04-01"}, "date_to", "invalid_range"),
])
def test_u4_api_bad_ledger_filter_is_400_naming_the_field(finance_api, ledger, query, field, code):
    response = finance_api.get(LEDGER, query)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_b7_api_balance_and_ledger_need_balance_view(admin_tenant, ledger):
    customer_care = _key(admin_tenant, Role.ACCOUNT_MANAGER)
    for url in (BALANCE, LEDGER):
        response = customer_care.get(url)
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"
        assert Client().get(url).status_code == 401
    read_only = _key(admin_tenant, Role.READ_ONLY)
    assert (read_only.get(BALANCE).status_code, read_only.get(LEDGER).json()["count"]) == (200, 4)


def test_t2_api_balance_and_ledger_are_the_callers_own(other_admin, other_partner, ledger):
    theirs = _key(tenant_for(other_admin, other_partner), Role.PARTNER_ADMIN)
    body = theirs.get(LEDGER).json()
    own = LedgerEntry.objects.for_partner(other_partner).get()
    assert [(e["id"], e["amount"], e["currency"]) for e in body["results"]] == [(own.pk, "999.00", "EUR")]
    assert theirs.get(BALANCE).json()["balance"] == "999.00"


def test_b7_api_ledger_makes_no_n_plus_one_queries(finance_api, partner, django_assert_max_num_queries):
    for _ in range(5):
        _post(partner, EntryType.PAYMENT, "10")
    finance_api.get(LEDGER)
    with CaptureQueriesContext(connection) as five:
        assert finance_api.get(LEDGER).json()["count"] == 5
    for _ in range(45):
        _post(partner, EntryType.PAYMENT, "10")
    with django_assert_max_num_queries(len(five)):
        assert len(finance_api.get(LEDGER).json()["results"]) == 50


# --- invoices ----------------------------------------------------------------------------------

def test_a_invoices_list_retrieve_and_pdfs(partner, admin_tenant, at, django_capture_on_commit_callbacks):
    from django.test import Client

    from billing.services import invoices_issue_month
    from portal.api.services import api_key_create
    from tests.billing.conftest import post

    post(partner, "charge", "10000", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    _key, raw = api_key_create(tenant=admin_tenant, name="erp", role="partner_finance")
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    listing = api.get("/api/v1/invoices/", {"status": "issued"}).json()
    assert listing["count"] == 1
    invoice = listing["results"][0]
    assert (invoice["number"], invoice["total"], invoice["amount_due"], invoice["status"]) == (
        "INV000001", "11000.00", "11000.00", "issued")
    assert api.get(f"/api/v1/invoices/{invoice['id']}/").json()["bill_to"]["organisation"] == "Alpha KK KK"
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.get(invoice["statement_pdf_url"])  # U-3: no worker stored it yet: queued, not rendered here
        assert queued.status_code == 202 and queued.json()["status"] == "queued"
    task = api.get(queued["Location"]).json()
    assert task["status"] == "done" and task["download_url"]
    for url in (invoice["pdf_url"], invoice["statement_pdf_url"]):  # both stored by that worker
        response = api.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert api.get("/api/v1/invoices/", {"status": "bogus"}).json()["errors"][0]["field"] == "status"
