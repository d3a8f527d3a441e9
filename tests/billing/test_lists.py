"""Lists that help (U-1 with B-7, B-9, B-10): the ledger's running balance follows the order shown
(posting order, said on the page) and its references link to their order or invoice; invoices
and quotes are searchable and sortable; every finance export is linked from the finance pages."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.billing.conftest import post
from tests.factories import InvoiceFactory, QuoteFactory

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("¥", "").replace(",", "").replace("−", "-"))


def test_b7_ledger_balance_after_runs_in_the_displayed_order_with_a_back_dated_entry(finance_client, partner,
                                                                                        at):
    post(partner, "charge", "1000", at(2026, 3, 10), reference="VO-1")
    post(partner, "charge", "500", at(2026, 3, 20), reference="VO-2")
    post(partner, "refund", "200", at(2026, 3, 1), reference="VO-3")  # posted last, dated first
    html = finance_client.get(reverse("billing_home")).content.decode()
    rows = _rows(html)
    assert [row[2] for row in rows] == ["VO-3", "VO-2", "VO-1"]
    balances = [_amount(row[5]) for row in rows]
    amounts = [_amount(row[4]) for row in rows]
    assert balances == [Decimal("-1300"), Decimal("-1500"), Decimal("-1000")]
    for newer, older, amount in zip(balances, balances[1:], amounts, strict=False):
        assert newer - amount == older  # each row's balance is the next row's plus its amount
    assert "in the order they were posted" in html


def test_b7_ledger_references_link_to_their_order_and_invoice(finance_client, partner, at):
    invoice = InvoiceFactory(partner=partner, number="INV000042")
    post(partner, "charge", "1000", at(2026, 3, 10), reference="VO-7")
    post(partner, "refund", "1000", at(2026, 3, 11), reference="INV000042")
    post(partner, "charge", "10", at(2026, 3, 12), reference="LICENCES X")
    html = finance_client.get(reverse("billing_home")).content.decode()
    assert f'<a href="{reverse("voucher_order", args=[7])}">VO-7</a>' in html
    assert f'<a href="{reverse("invoice", args=[invoice.pk])}">INV000042</a>' in html
    assert "<td>LICENCES X</td>" in html


def test_b10_invoices_search_and_sort(finance_client, partner):
    small = InvoiceFactory(partner=partner, number="INV000101", total=Decimal("500"))
    big = InvoiceFactory(partner=partner, number="INV000202", total=Decimal("9000"))
    url = reverse("invoices")
    assert [i.pk for i in finance_client.get(url, {"q": "0202"}).context["page"].object_list] == [big.pk]
    assert [i.pk for i in finance_client.get(url, {"sort": "total"}).context["page"].object_list] == [small.pk, big.pk]
    assert [i.pk for i in finance_client.get(url, {"sort": "-total"}).context["page"].object_list] == [big.pk, small.pk]
    html = finance_client.get(url, {"sort": "total"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-total">' in html
    assert finance_client.get(url, {"sort": "nonsense"}).status_code == 200


def test_b9_quotes_search_and_sort(finance_client, partner):
    cheap = QuoteFactory(partner=partner, memo="Kobe renewal", total=Decimal("100"))
    dear = QuoteFactory(partner=partner, memo="Osaka rollout", total=Decimal("900"))
    url = reverse("quotes")
    assert [q.pk for q in finance_client.get(url, {"q": "osaka"}).context["page"].object_list] == [dear.pk]
    assert [q.pk for q in finance_client.get(url, {"sort": "price"}).context["page"].object_list] == [cheap.pk,
                                                                                                       dear.pk]


def test_v7_finance_pages_link_every_export(finance_client):
    for page in ("billing_home", "invoices", "vouchers_home"):
        html = finance_client.get(reverse(page)).content.decode()
        assert reverse("voucher_used_codes_csv") in html, page
        assert reverse("voucher_orders_csv") in html, page
    assert reverse("invoices_csv") in finance_client.get(reverse("billing_home")).content.decode()


def test_b7_ledger_pages_without_counting_the_ledger(finance_client, partner):
    """A ledger grows to millions of lines: its pages go on by reading one line more, never by a
    COUNT of the whole ledger, and claim no total they have not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import LedgerEntryFactory

    LedgerEntryFactory.create_batch(51, partner=partner)  # 50 a page: two pages
    with CaptureQueriesContext(connection) as queries:
        first = finance_client.get(reverse("billing_home")).content.decode()
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and "billing_ledgerentry" in q["sql"]]
    assert "Page 1<" in first and "Page 1 of" not in first and "page=2" in first
    assert len(_rows(first)) == 50
    second = finance_client.get(reverse("billing_home"), {"page": "2"}).content.decode()
    assert len(_rows(second)) == 1 and "page=1" in second and "page=3" not in second
    assert "Page 2<" in second
