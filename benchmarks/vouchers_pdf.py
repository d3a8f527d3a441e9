"""V-6 voucher PDFs: one code at a time, and a whole 1000-code order, whose floor is one plain
1,000-page WeasyPrint document (target: a quarter of it, as the order's pages are stamped copies
of one laid-out design, not laid out one by one)."""

import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from benchmarks import Result, benchmark
from benchmarks.db import rolled_back
from benchmarks.pdf_floors import plain_pages
from portal.catalogue.models import Product
from portal.tenancy.models import Partner, User
from vouchers import pdf as vouchers_pdf
from vouchers.codes import new_codes
from vouchers.models import VoucherCode, VoucherOrder, VoucherOrderLine
from vouchers.pdf import order_pdf, voucher_pdf

SINGLE = 20
ORDER_SIZE = 1000



def _order(codes: int, *, language: str = "ja") -> VoucherOrder:
    """A completed order of `codes` vouchers, built with the ORM (no pricing or ledger: only the
    rows the PDF reads). Japanese, so the CJK font path is the one measured."""
    partner = Partner.objects.create(name="bench", account_number="BENCH-VPDF", currency="JPY", language=language,
                                     time_zone="Asia/Tokyo")
    user = User.objects.create_user("bench-vpdf@example.test")
    product = Product.objects.create(code="bench-vpdf", name="デジサート グローバル・サーバID", kind="ov", max_years=3,
                                     takes_wildcards=True)
    order = VoucherOrder.objects.create(partner=partner, customer_name="株式会社ベンチ", currency="JPY",
                                        total=Decimal("995") * codes, order_date=date(2026, 11, 1),
                                        expires_on=date(2027, 10, 31), created_by=user)
    line = VoucherOrderLine.objects.create(partner=partner, order=order, product=product, years=2, quantity=codes,
                                           fqdns=3, wildcards=1, unit_price=Decimal("995"),
                                           line_price=Decimal("995") * codes)
    VoucherCode.objects.bulk_create([VoucherCode(partner=partner, order=order, line=line, value=value,
                                                 expires_on=order.expires_on) for value in new_codes(codes)])
    return order


class _NoCache:
    """Stands in for the cache: every design is laid out anew (a design's first voucher)."""

    def get(self, key, default=None):
        return default

    def set(self, *args, **kwargs):
        pass


@benchmark("voucher_pdf")
def single_voucher_pdfs() -> list[Result]:
    """SINGLE one-page voucher PDFs, one call each (what the per-code download does): of a design
    already laid out (the cache has it: a stamp only), and of a design laid out anew; the floor is
    one plain one-page WeasyPrint document per voucher."""
    with rolled_back():
        order = _order(SINGLE)
        codes = list(VoucherCode.objects.for_partner(order.partner).select_related("partner", "line__product"))
        voucher_pdf(codes[0])  # warm-up: font loading and template compilation happen once per process
        start = time.perf_counter()
        for code in codes:
            voucher_pdf(code)
        cached = time.perf_counter() - start
        with _uncached():
            start = time.perf_counter()
            for code in codes:
                voucher_pdf(code)
            cold = time.perf_counter() - start
        floor = sum(plain_pages([code.value]) for code in codes)
    label = "plain 1-page WeasyPrint, each"
    return [Result("voucher PDF (one code, design laid out)", SINGLE, "PDFs", cached, floor=floor, floor_label=label),
            Result("voucher PDF (one code, new design)", SINGLE, "PDFs", cold, floor=floor, floor_label=label)]


@contextmanager
def _uncached():
    original, vouchers_pdf.cache = vouchers_pdf.cache, _NoCache()
    try:
        yield
    finally:
        vouchers_pdf.cache = original


@benchmark("order_pdf")
def whole_order_pdf() -> Result:
    """The whole-order PDF of a 1000-code order (the order_pdf call only)."""
    with rolled_back():
        order = _order(ORDER_SIZE)
        codes = VoucherCode.objects.for_partner(order.partner).filter(order=order)
        voucher_pdf(codes.select_related("partner", "line__product").first())  # warm-up, as above
        start = time.perf_counter()
        order_pdf(order)
        elapsed = time.perf_counter() - start
        floor = plain_pages(list(codes.values_list("value", flat=True)))
    return Result("whole-order PDF", ORDER_SIZE, "vouchers", elapsed, floor=floor,
                  floor_label="plain 1,000-page WeasyPrint", target=0.25)
