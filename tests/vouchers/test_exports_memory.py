"""V-7: exports of any size stream in constant memory. 100,000 codes are streamed while Python's
allocations are traced; `make bench` measures ~280 KiB peak at both 10,000 and 100,000 rows, so
2 MiB is a bound that only an export building the file in memory (~11 MB here) would break."""

import tracemalloc
from decimal import Decimal

from portal.tenancy.models import Partner
from vouchers.exports import used_codes_csv
from vouchers.models import CodeStatus, VoucherCode
from vouchers.services import LineRequest, voucher_order_create

PEAK_BOUND = 2 * 1024 * 1024


def test_v7_csv_of_100000_codes_streams_in_bounded_memory(finance, ssl, partner):
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("900000000"))
    partner.refresh_from_db()
    for _ in range(2):
        voucher_order_create(tenant=finance, lines=[LineRequest(product_id=ssl.pk, years=1, quantity=1000,
                                                                fqdns=1)] * 50)
    VoucherCode.objects.for_partner(partner).update(status=CodeStatus.USED)
    response = used_codes_csv(tenant=finance)
    tracemalloc.start()
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lines == 100_001  # header + every code
    assert size > 10 * PEAK_BOUND / 2  # the document itself is far larger than the bound
    assert peak < PEAK_BOUND, f"peak {peak} bytes"
