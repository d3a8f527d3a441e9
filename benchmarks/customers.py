"""C-3 and C-6 at size: the customer list with its filter counts for a partner with 50,000
customers and 200,000 PAs (per page, in-process), and the overdue job over 200,000 PAs."""

import statistics
import time
from datetime import date, timedelta

from django.db import connection
from django.test import Client

from benchmarks import Result, benchmark
from benchmarks.db import rolled_back
from customers.selectors import customers_changed
from customers.services import pa_flag_overdue
from portal.tenancy.models import Membership, Partner, User

CUSTOMERS = 50_000
PAS = 200_000

_SETUP = """
INSERT INTO customers_customer (partner_id, vip_id, name, market_segment, offer_type, region, address, postal_code,
    contact_name, contact_email, anniversary, custom_anniversary, invitation_status, created_at)
SELECT %(partner)s, 'VIPB' || lpad(n::text, 9, '0'), 'Customer ' || n, 'commercial', 'team', 'Kanto', 'x', '1',
       'c', 'c' || n || '@bench.test', %(today)s::date + (n %% 400 - 30), false, 'sent', now()
FROM generate_series(1, %(customers)s) n;

INSERT INTO customers_purchaseauthorization (partner_id, customer_id, licence_type, po_number, deployment_date,
    status, vendor_order_number, requested_by_customer, created_on, created_at, created_by_id)
SELECT %(partner)s, c.id, 'team', '', %(today)s, CASE WHEN k = 1 THEN 'pending' ELSE 'ordered' END, '', false,
       %(today)s::date - (c.id %% 30)::int, now(), %(user)s
FROM customers_customer c, generate_series(1, %(per_customer)s) k WHERE c.partner_id = %(partner)s;
ANALYZE customers_customer; ANALYZE customers_purchaseauthorization;
"""



def _bench_partner():
    partner = Partner.objects.create(name="bench customers", account_number=f"BC-{time.monotonic_ns() % 10**12}",
                                     time_zone="Asia/Tokyo")
    user = User.objects.create_user(email=f"manager-{time.monotonic_ns()}@bench.test", password="x")
    Membership.objects.create(partner=partner, user=user, role="account_manager")
    today = date(2026, 11, 21)
    with connection.cursor() as cursor:
        cursor.execute(_SETUP, {"partner": partner.pk, "user": user.pk, "today": today, "customers": CUSTOMERS,
                                "per_customer": PAS // CUSTOMERS})
    return partner, user, today


@benchmark("customers")
def customer_list_and_overdue_job() -> list[Result]:
    results = []
    with rolled_back():
        partner, user, today = _bench_partner()
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        pages = [{}, {"filter": "pending"}, {"filter": "ready"}, {"q": "Customer 4999"}, {"page": "50"}]
        for params in pages:  # warm-up: the first view after a write is measured separately below
            client.get("/customers/", params)
        timings = []
        for params in pages * 10:
            start = time.perf_counter()
            response = client.get("/customers/", params)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        p95 = statistics.quantiles(timings, n=20)[18]
        results.append(Result(f"customer list page (p95 of {len(timings)}, counts cached)", CUSTOMERS,
                              "customers", p95))
        customers_changed(partner.pk)  # as after a write: the counts are computed again
        start = time.perf_counter()
        client.get("/customers/")
        results.append(Result("customer list page, counts recomputed", CUSTOMERS, "customers",
                              time.perf_counter() - start))
        start = time.perf_counter()
        flagged = pa_flag_overdue(partner=partner, today=today + timedelta(days=1))
        elapsed = time.perf_counter() - start
        assert flagged > 0
        results.append(Result("flag overdue PAs job", PAS, "PAs", elapsed))
    return results
