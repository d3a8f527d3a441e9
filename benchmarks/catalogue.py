import time
from datetime import date
from decimal import Decimal

from benchmarks import Result, benchmark
from benchmarks.db import rolled_back
from portal.catalogue.models import PriceComponent, PriceEntry, PriceTable, Product
from portal.catalogue.pricing import LineInput, PriceBook
from portal.tenancy.models import Partner

LINES = 100_000



@benchmark("pricing")
def pricing_100k_lines() -> Result:
    """P-3 line prices for 100,000 order lines against one contract table (loaded once)."""
    with rolled_back():
        partner = Partner.objects.create(name="bench", account_number="BENCH-PRICING", currency="JPY")
        table = PriceTable.objects.create(partner=partner, currency="JPY", valid_from=date(2020, 1, 1),
                                          valid_until=date(2099, 1, 1))
        products = []
        for n in range(10):
            product = Product.objects.create(code=f"bench-{n}", name=f"Bench {n}", kind="ov", max_years=3,
                                             takes_wildcards=True)
            products.append(product)
            for years in (1, 2, 3):
                for component, price in ((PriceComponent.BASE, "995"), (PriceComponent.FQDN, "995"),
                                         (PriceComponent.WILDCARD, "5000")):
                    PriceEntry.objects.create(partner=partner, table=table, product=product, years=years,
                                              component=component, label="x", list_price=Decimal(price),
                                              offered_price=Decimal(price) * years)
        lines = [LineInput(product_id=products[i % 10].pk, years=1 + i % 3, quantity=1 + i % 50,
                           fqdns=1 + i % 7, wildcards=i % 3) for i in range(LINES)]
        start = time.perf_counter()
        book = PriceBook(table)
        for line in lines:
            book.price(line)
        elapsed = time.perf_counter() - start
    return Result("pricing service (P-3 line price)", LINES, "lines", elapsed)
