"""Lists that help (U-1 with V-3, V-5, C-3): orders newest first, sortable, searchable by customer,
order number and code; the code table names the product and its validity years; customers sort."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory
from vouchers.models import VoucherCode

pytestmark = pytest.mark.django_db


def _pks(response) -> list[int]:
    return [obj.pk for obj in response.context["page"].object_list]


def test_v5_orders_newest_first_and_sortable(finance_client, make_order):
    first, second, third = make_order(quantity=1), make_order(quantity=3), make_order(quantity=2)
    url = reverse("vouchers_home")
    assert _pks(finance_client.get(url)) == [third.pk, second.pk, first.pk]
    assert _pks(finance_client.get(url, {"sort": "price"})) == [first.pk, third.pk, second.pk]
    assert _pks(finance_client.get(url, {"sort": "-price"})) == [second.pk, third.pk, first.pk]
    assert _pks(finance_client.get(url, {"sort": "number"})) == [first.pk, second.pk, third.pk]


def test_v5_orders_search_by_customer_number_and_code(finance_client, make_order, partner):
    acme, other = make_order(customer_name="Acme KK"), make_order(customer_name="Beta")
    url = reverse("vouchers_home")
    assert _pks(finance_client.get(url, {"q": "acme"})) == [acme.pk]
    assert _pks(finance_client.get(url, {"q": str(other.pk)})) == [other.pk]
    code = VoucherCode.objects.for_partner(partner).filter(order=other).first()
    assert _pks(finance_client.get(url, {"q": code.value[:6].lower()})) == [other.pk]
    assert _pks(finance_client.get(url, {"q": code.masked})) == [other.pk]
    response = finance_client.get(url, {"q": "nothing-like-this"})
    assert _pks(response) == [] and "No orders match." in response.content.decode()


def test_v3_code_table_names_product_and_years_and_searches(finance_client, make_order, partner):
    order = make_order(quantity=2, years=2)
    url = reverse("voucher_order", args=[order.pk])
    html = finance_client.get(url).content.decode()
    codes = list(VoucherCode.objects.for_partner(partner).filter(order=order).order_by("pk"))
    product = codes[0].line.product.name
    assert f"{product} <span class=\"muted\">(2 years)</span>" in html
    assert _pks(finance_client.get(url, {"q": str(codes[1].pk)})) == [codes[1].pk]
    assert _pks(finance_client.get(url, {"sort": "-id"})) == [codes[1].pk, codes[0].pk]


def test_c3_customers_sort_by_anniversary(manager_client, partner):
    late = CustomerFactory(partner=partner, name="Aaa", anniversary=date(2027, 9, 1))
    early = CustomerFactory(partner=partner, name="Zzz", anniversary=date(2027, 1, 1))
    url = reverse("customers_home")
    assert _pks(manager_client.get(url)) == [late.pk, early.pk]
    assert _pks(manager_client.get(url, {"sort": "anniversary"})) == [early.pk, late.pk]


def test_v6_v11_each_code_row_links_its_own_pdf_reissue_and_redemption_url(finance_client, make_order, partner):
    """The code table's per-row links are made once per page and filled in per code: each row
    must still point at its own code."""
    from vouchers.selectors import redemption_url

    order = make_order(quantity=3)
    codes = list(VoucherCode.objects.for_partner(partner).filter(order=order).order_by("pk"))
    html = finance_client.get(reverse("voucher_order", args=[order.pk]), {"show": "1"}).content.decode()
    for code in codes:
        row = html.split(f"<tr><td>{code.pk}</td>", 1)[1].split("</tr>", 1)[0]
        assert f'href="{reverse("voucher_code_pdf", args=[code.pk])}"' in row
        assert f'href="{reverse("voucher_code_reissue", args=[code.pk])}"' in row
        assert f'data-copy="{redemption_url(code)}"' in row and f"<code>{code.value}</code>" in row
