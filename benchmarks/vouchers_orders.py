"""Vouchers at size: one big order, a 100,000-code CSV, the expiry job over 100,000 codes.

Each row's floor is the same work done the cheapest way, on the same rows of the same table (same
indexes), in the same rolled-back transaction: a raw COPY of the order's 10,000 codes, the raw
UPDATE of the 100,000 codes, a raw COPY … TO of the used codes' columns. The machine is shared,
so the operation and its floor are measured in turns (each inside a savepoint rolled back), the
order of the two alternating, and each keeps its best time.
"""

import io
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from benchmarks import Result, benchmark
from benchmarks.db import median_turn, rolled_back, vacuum
from portal.catalogue.models import PriceComponent, PriceEntry, PriceTable, Product
from portal.tenancy.context import Tenant
from portal.tenancy.models import BillingContact, Partner, User
from portal.tenancy.rls import rls_enter, rls_leave
from portal.tenancy.roles import Role
from vouchers.codes import new_codes
from vouchers.exports import used_codes_csv
from vouchers.models import CodeStatus, VoucherCode
from vouchers.services import LineRequest, voucher_expire_due, voucher_order_create


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


TABLES = ("vouchers_vouchercode", "vouchers_voucherorderline", "vouchers_voucherorder", "billing_ledgerentry",
          "billing_ledgeritem", "billing_balanceaccount", "audit_auditentry", "tenancy_partner")


def _rolled_back(fn):
    vacuum(*TABLES)
    outcome = {}
    with rolled_back():
        outcome["result"] = fn()
    vacuum(*TABLES)
    return outcome["result"]


@benchmark("order")
def order_10_lines_of_1000() -> Result:
    """V-2: one order of 10 lines × 1000 codes through the service (codes, ledger, audit), as a
    partner's page or API call makes it: under the application role's row-level security.
    Floor: a raw COPY of its 10,000 code rows (values made beforehand) as the tables' owner."""
    def run():
        tenant, product = _shop()
        order = _order(tenant, product)  # an order to copy codes for; warms the caches
        line_ids = list(order.lines.values_list("pk", flat=True))
        now = timezone.now().isoformat()
        values = iter(new_codes(10_000))
        rows = io.StringIO()
        for line_id in line_ids:
            for _ in range(1000):
                rows.write(f"{order.partner_id}\t{order.pk}\t{line_id}\t{next(values)}\tactive\t{order.expires_on}\t"
                           f"{now}\n")
        data = rows.getvalue().encode()

        def copy():
            with connection.cursor() as cursor, cursor.cursor.copy(
                    "COPY vouchers_vouchercode (partner_id, order_id, line_id, value, status, expires_on, created_at) "
                    "FROM STDIN") as copying:
                copying.write(data)

        def create():
            rls_enter(tenant)
            try:
                _order(tenant, product)
            finally:
                rls_leave()

        return median_turn(create, copy)

    seconds, floor = _rolled_back(run)
    return Result("voucher order, 10 lines × 1000 codes", 10_000, "codes", seconds, floor=floor,
                  floor_label="raw COPY of its codes", target=2.5)


def _stream(tenant) -> int:
    return sum(len(chunk) for chunk in used_codes_csv(tenant=tenant).streaming_content)


def _stream_peak(tenant) -> int:
    """Peak Python memory while streaming (its own pass: tracing every allocation slows the
    stream several-fold, so the timed passes run untraced)."""
    tracemalloc.start()
    try:
        _stream(tenant)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


_USED_CODES_RAW = """
COPY (SELECT c.id, c.value, p.name, l.fqdns, l.wildcards, l.shipping_method, l.years, o.order_date, c.status,
             c.created_at, o.id, r.requested_at, r.cert_valid_from, r.cert_valid_till, r.organisation,
             r.common_name, r.certificate_order_id, c.expires_on, r.order_valid_from, r.order_valid_till,
             r.server_licences
      FROM vouchers_vouchercode c
      JOIN vouchers_voucherorderline l ON l.id = c.line_id
      JOIN vouchers_voucherorder o ON o.id = c.order_id
      JOIN catalogue_product p ON p.id = l.product_id
      LEFT JOIN vouchers_certificaterequest r ON r.code_id = c.id AND r.status IN ('pending', 'issued')
      WHERE c.partner_id = %s AND c.status = 'used' ORDER BY c.id) TO STDOUT WITH (FORMAT csv)"""


def _raw_copy_to(partner_id: int) -> int:
    size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(_USED_CODES_RAW, [partner_id]) as copying:
        for chunk in copying:
            size += len(chunk)
    return size


@benchmark("csv")
def used_codes_csv_100k() -> list[Result]:
    """V-7: stream the used-codes CSV (the widest export) at 10,000 and 100,000 rows; the peak
    Python memory while streaming must stay flat as the size grows. Floor: a raw COPY … TO STDOUT
    of the same rows' columns (no labels, local times or formula guards), read to the end."""
    def run():
        tenant, product = _shop()
        results = []
        for orders in (1, 10):
            while VoucherCode.objects.for_partner(tenant.partner).count() < orders * 10_000:
                _order(tenant, product)
            VoucherCode.objects.for_partner(tenant.partner).update(status=CodeStatus.USED)
            connection.cursor().execute("ANALYZE vouchers_vouchercode")
            elapsed, floor = median_turn(lambda: _stream(tenant), lambda: _raw_copy_to(tenant.partner.pk))
            peak = _stream_peak(tenant)
            rows = orders * 10_000
            results.append(Result(f"used-codes CSV stream (peak {peak / 1024:.0f} KiB)", rows, "rows", elapsed,
                                  floor=floor, floor_label="raw COPY … TO", target=2))
        return results

    return _rolled_back(run)


@benchmark("expire")
def expire_100k() -> Result:
    """V-4: the daily job marking 100,000 unused codes Expired. Floor: the raw UPDATE of the same
    rows."""
    def run():
        tenant, product = _shop()
        for _ in range(10):
            _order(tenant, product)
        connection.cursor().execute("ANALYZE vouchers_vouchercode")
        today = VoucherCode.objects.for_partner(tenant.partner).first().expires_on + timedelta(days=1)

        def job():
            assert voucher_expire_due(partner=tenant.partner, today=today) == 100_000

        def update():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE vouchers_vouchercode SET status = 'expired' "
                               "WHERE partner_id = %s AND status = 'active' AND expires_on < %s",
                               [tenant.partner.pk, today])
                assert cursor.rowcount == 100_000

        return median_turn(job, update)

    seconds, floor = _rolled_back(run)
    return Result("expire vouchers job", 100_000, "codes", seconds, floor=floor, floor_label="raw UPDATE",
                  target=1.5)
