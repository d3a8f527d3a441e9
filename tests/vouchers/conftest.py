from decimal import Decimal

import pytest

from portal.catalogue.models import ProductKind
from tests.factories import PriceEntryFactory, ProductFactory
from vouchers.services import LineRequest, voucher_order_create


@pytest.fixture
def ssl(price_table):
    """The P-3 test product: 995 base (1 FQDN), 995 per extra FQDN, 5,000 per wildcard; 1–2 years."""
    return price_table.entries.first().product


@pytest.fixture
def ev_code_signing(price_table):
    product = ProductFactory(code="ev-cs", name="EV Code Signing", kind=ProductKind.EV_CODE_SIGNING,
                             takes_fqdns=False, takes_wildcards=False, max_years=3)
    PriceEntryFactory(table=price_table, product=product, years=1, offered_price=Decimal("107200"))
    return product


@pytest.fixture
def make_order(finance, ssl):
    def make(quantity=2, fqdns=1, wildcards=0, years=1, tenant=None, **kwargs):
        line = LineRequest(product_id=ssl.pk, years=years, quantity=quantity, fqdns=fqdns, wildcards=wildcards)
        return voucher_order_create(tenant=tenant or finance, lines=[line], **kwargs)

    return make
