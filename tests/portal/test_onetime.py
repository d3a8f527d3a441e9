"""Money-moving HTML forms act once per one-time token (issue 10 item 9): a double click, a reload
or a back-and-resubmit of the order form orders once and shows the first result."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.models import LedgerEntry, Payment
from portal.onetime import new_token
from tests.conftest import client_for
from tests.factories import OperatorFactory
from tests.vouchers.test_views import _form
from vouchers.models import OrderStatus, VoucherOrder


@pytest.fixture
def ssl(price_table):
    return price_table.entries.first().product


def _charges(partner) -> int:
    return LedgerEntry.objects.for_partner(partner).filter(entry_type="charge").count()


def test_b7_order_form_sent_twice_orders_once_and_shows_the_first_result(finance_client, ssl, partner):
    data = _form(ssl, [{"quantity": 2}]) | {"submit": "1"}
    first = finance_client.post(reverse("voucher_order_new"), data)
    again = finance_client.post(reverse("voucher_order_new"), data, follow=True)  # reload / back and resend
    order = VoucherOrder.objects.for_partner(partner).get()
    assert first.status_code == 302 and first.url == reverse("voucher_order", args=[order.pk])
    assert again.redirect_chain == [(first.url, 302)]
    assert "This form was already sent; here is what it did." in again.content.decode()
    assert _charges(partner) == 1


def test_b7_a_refused_order_leaves_the_token_for_the_corrected_form(finance_client, ssl, partner):
    token = new_token()
    refused = finance_client.post(reverse("voucher_order_new"),
                                  _form(ssl, [{"fqdns": 0}]) | {"submit": "1", "once_token": token})
    assert refused.status_code == 200 and VoucherOrder.objects.for_partner(partner).count() == 0
    fixed = finance_client.post(reverse("voucher_order_new"), _form(ssl, [{}]) | {"submit": "1", "once_token": token})
    assert fixed.status_code == 302 and VoucherOrder.objects.for_partner(partner).count() == 1


def test_b7_order_form_without_its_token_is_refused_and_changes_nothing(finance_client, ssl, partner):
    data = _form(ssl, [{}]) | {"submit": "1"}
    del data["once_token"]
    response = finance_client.post(reverse("voucher_order_new"), data)
    assert response.status_code == 400 and "one-time token" in response.content.decode()
    assert VoucherOrder.objects.for_partner(partner).count() == 0 and _charges(partner) == 0


def test_b7_a_token_is_not_accepted_by_another_form(finance_client, ssl, partner, make_order):
    order = make_order()
    token = new_token()
    finance_client.post(reverse("voucher_order_cancel", args=[order.pk]), {"once_token": token})
    finance_client.post(reverse("voucher_order_new"), _form(ssl, [{}]) | {"submit": "1", "once_token": token})
    assert VoucherOrder.objects.for_partner(partner).count() == 1  # the order page's token was the cancel's


@pytest.fixture
def make_order(finance, ssl):
    from vouchers.services import LineRequest, voucher_order_create

    return lambda: voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ssl.pk, years=1, quantity=1,
                                                                           fqdns=1, wildcards=0)])


def test_v10_cancel_sent_twice_refunds_once(finance_client, partner, make_order):
    order = make_order()
    token = new_token()
    for _ in range(2):
        response = finance_client.post(reverse("voucher_order_cancel", args=[order.pk]), {"once_token": token})
        assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert LedgerEntry.objects.for_partner(partner).filter(entry_type="refund").count() == 1


def test_b8_payment_form_sent_twice_records_one_payment(partner, at):
    from billing.models import Invoice
    from billing.services import invoices_issue_month
    from tests.billing.conftest import post

    post(partner, "charge", "10000", at(2026, 10, 3))
    invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    invoice = Invoice.objects.for_partner(partner).get()
    client = client_for(OperatorFactory())
    data = {"amount": "1000", "received_on": "2026-11-20", "reference": "BANK-1", "once_token": new_token()}
    for _ in range(2):
        client.post(reverse("operator_invoice_payment", args=[invoice.pk]), data)
    assert Payment.objects.for_partner(partner).count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("1000")


@pytest.fixture
def at():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return lambda *args: datetime(*args, 12, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.django_db(transaction=True)
def test_b7_a_double_click_sends_two_requests_at_once_and_orders_once(partner, finance_user, ssl):
    data = _form(ssl, [{"quantity": 3}]) | {"submit": "1"}
    barrier, answers = threading.Barrier(2), []

    def click():
        client = Client()
        client.force_login(finance_user)
        barrier.wait()
        try:
            answers.append(client.post(reverse("voucher_order_new"), data))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = VoucherOrder.objects.for_partner(partner).get()
    assert sorted(answer.url for answer in answers) == [reverse("voucher_order", args=[order.pk])] * 2
    assert _charges(partner) == 1
