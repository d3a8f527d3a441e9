"""Fast pages: every list page and API list asks the database the same number of questions
whatever the number of rows (no query per row: no N+1). Each page is rendered with a few rows,
then with many more rows and related objects (other users, products, orders, invoices), and the
two query counts must be equal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for, member
from tests.factories import (
    BalanceAccountFactory,
    CustomerFactory,
    InvoiceFactory,
    LedgerEntryFactory,
    LicenceProductFactory,
    PALineFactory,
    ProductFactory,
    PurchaseAuthorizationFactory,
    SubscriptionFactory,
    UserFactory,
    VoucherCodeFactory,
    VoucherOrderFactory,
    VoucherOrderLineFactory,
)

PAGES = ["/vouchers/", "/vouchers/{order}/", "/customers/", "/billing/", "/billing/invoices/", "/renewals/", "/",
         "/api/v1/voucher-orders/", "/api/v1/invoices/", "/api/v1/customers/",
         "/api/v1/authorizations/", "/api/v1/subscriptions/", "/api/v1/renewals/", "/api/v1/balance/ledger/"]


def _grow(partner, order, rows: int, start: int) -> None:
    """`rows` more of everything the pages list, each with its own related rows (its own user,
    product, order, invoice …), so a page that fetched a relation per row would ask more."""
    today = date.today()
    for n in range(start, start + rows):
        user = UserFactory()
        other = VoucherOrderFactory(partner=partner, created_by=user, order_date=today)
        line = VoucherOrderLineFactory(order=other, product=ProductFactory(code=f"qc-{n}", name=f"QC {n}"))
        VoucherCodeFactory(line=line)
        order_line = VoucherOrderLineFactory(order=order, product=ProductFactory(code=f"qd-{n}", name=f"QD {n}"))
        VoucherCodeFactory(line=order_line, status="used" if n % 2 else "active")
        customer = CustomerFactory(partner=partner, account_manager=user,
                                   anniversary=today + timedelta(days=n % 60))
        SubscriptionFactory(customer=customer, product=LicenceProductFactory())
        PALineFactory(authorization=PurchaseAuthorizationFactory(customer=customer, created_by=user))
        invoice = InvoiceFactory(partner=partner)
        LedgerEntryFactory(partner=partner, created_by=user, reference=invoice.number)
        LedgerEntryFactory(partner=partner, created_by=user, entry_type="charge", amount=Decimal("-995"),
                           reference=f"VO-{other.pk}")


def _queries(client, url: str) -> int:
    cache.clear()  # counted as the first view after a change (cached counts computed again)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.django_db
def test_list_pages_ask_the_same_number_of_queries_for_few_and_many_rows(partner):
    BalanceAccountFactory(partner=partner)
    admin = member(partner)
    client = client_for(admin)
    order = VoucherOrderFactory(partner=partner, created_by=admin, order_date=date.today())
    _grow(partner, order, 2, 0)
    urls = [page.format(order=order.pk) for page in PAGES]
    for url in urls:  # the first view of each page warms what every later view shares (translations …)
        client.get(url)
    few = {url: _queries(client, url) for url in urls}
    _grow(partner, order, 20, 2)
    many = {url: _queries(client, url) for url in urls}
    assert many == few
