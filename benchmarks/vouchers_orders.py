"""Vouchers at size: one big order, a 100,000-code CSV, the expiry job over 100,000 codes."""

import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from benchmarks import Result, benchmark
from portal.catalogue.models import PriceComponent, PriceEntry, PriceTable, Product
from portal.tenancy.context import Tenant
from portal.tenancy.models import BillingContact, Partner, User
from portal.tenancy.roles import Role
from vouchers.exports import used_codes_csv
from vouchers.models import CodeStatus, VoucherCode
from vouchers.services import LineRequest, voucher_expire_due, voucher_order_create


class Rollback(Exception):
    pass


def _shop() -> tuple[Tenant, Product]:
    partner = Partner.objects.create(name="bench", account_number=f"BENCH-{time.monotonic_ns()}", currency="JPY",
                                     credit_limit=Decimal("900000000000"))
    BillingContact.objects.create(partner=partner, organisation="Bench KK", state="Tokyo", postal_code="100-0001",
                                  emails=["bench@example.test"])
    table = PriceTable.objects.create(partner=partner, currency="JPY", valid_from=date(2020, 1, 1),
                                      valid_until=date(2099, 1, 1))
    product = Product.objects.create(code=f"bench-{time.monotonic_ns()}", name="Bench OV", kind="ov")
    PriceEntry.objects.create(partner=partner, table=table, product=product, years=1,
                              component=PriceComponent.BASE, label="x", list_price=Decimal("995"),
                              offered_price=Decimal("995"))
    user = User.objects.create_user(email=f"bench-{time.monotonic_ns()}@example.test")
    return Tenant(partner=partner, role=Role.PARTNER_FINANCE, user=user), product


def _order(tenant, product, lines=10, per_line=1000):
    return voucher_order_create(tenant=tenant, lines=[LineRequest(product_id=product.pk, years=1, quantity=per_line,
                                                                  fqdns=1)] * lines)


def _rolled_back(fn):
    outcome = {}
    try:
        with transaction.atomic():
            outcome["result"] = fn()
            raise Rollback
    except Rollback:
        pass
    return outcome["result"]


@benchmark("order")
def order_10_lines_of_1000() -> Result:
    """V-2: one order of 10 lines × 1000 codes through the service (codes, ledger, audit)."""
    def run():
        tenant, product = _shop()
        start = time.perf_counter()
        _order(tenant, product)
        return time.perf_counter() - start

    return Result("voucher order, 10 lines × 1000 codes", 10_000, "codes", _rolled_back(run))


def _stream(tenant) -> tuple[int, float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    size = sum(len(chunk) for chunk in used_codes_csv(tenant=tenant).streaming_content)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return size, elapsed, peak


@benchmark("csv")
def used_codes_csv_100k() -> list[Result]:
    """V-7: stream the used-codes CSV (the widest export) at 10,000 and 100,000 rows; the peak
    Python memory while streaming must stay flat as the size grows."""
    def run():
        tenant, product = _shop()
        results = []
        for orders in (1, 10):
            while VoucherCode.objects.for_partner(tenant.partner).count() < orders * 10_000:
                _order(tenant, product)
            VoucherCode.objects.for_partner(tenant.partner).update(status=CodeStatus.USED)
            _size, elapsed, peak = _stream(tenant)
            rows = orders * 10_000
            results.append(Result(f"used-codes CSV stream (peak {peak / 1024:.0f} KiB)", rows, "rows", elapsed))
        return results

    return _rolled_back(run)


@benchmark("expire")
def expire_100k() -> Result:
    """V-4: the daily job marking 100,000 unused codes Expired."""
    def run():
        tenant, product = _shop()
        for _ in range(10):
            _order(tenant, product)
        today = VoucherCode.objects.for_partner(tenant.partner).first().expires_on + timedelta(days=1)
        start = time.perf_counter()
        count = voucher_expire_due(partner=tenant.partner, today=today)
        elapsed = time.perf_counter() - start
        assert count == 100_000
        return elapsed

    return Result("expire vouchers job", 100_000, "codes", _rolled_back(run))
