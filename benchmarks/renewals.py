"""R-3, R-4 and R-6 at size, for a partner with 50,000 customers and 200,000 subscriptions:

- the customers-to-renew page and the dashboard: p95 of a page, and its ratio to the cheapest page
  of the portal measured in the same run (a signed-in request answered with a redirect: session,
  user and tenant, nothing else) — target ≤ 3×;
- the renewal-notice job with 10,000 notices due: its database work (target < 2 s), the e-mails
  being enqueued in batches after commit, never sent inline.
"""

import statistics
import time
from datetime import date

from django.db import connection
from django.test import Client

from benchmarks import Result, benchmark
from benchmarks.db import rolled_back
from customers.selectors import customers_changed
from portal.catalogue.models import LicenceProduct
from portal.tenancy.models import Membership, Partner, User
from renewals.services import renewal_send_notices

CUSTOMERS = 50_000
PER_CUSTOMER = 4
TODAY = date(2026, 11, 30)

# Anniversaries spread over 225 days from A − 30 on: the notice windows (A − 30 … A + 14, 45 days)
# hold a fifth of the customers, 10,000.
_SETUP = """
INSERT INTO customers_customer (partner_id, vip_id, name, market_segment, offer_type, region, address, postal_code,
    contact_name, contact_email, anniversary, custom_anniversary, invitation_status, created_at)
SELECT %(partner)s, 'VIPR' || lpad(n::text, 9, '0'), 'Customer ' || n, 'commercial', 'team', 'Kanto', 'x', '1',
       'c', 'c' || n || '@bench.test', %(today)s::date + (n %% 225 - 14), false, 'sent', now()
FROM generate_series(1, %(customers)s) n;

INSERT INTO renewals_subscription (partner_id, customer_id, reseller_id, product_id, start_date, end_date,
    previous_start, duration_years, licences, renews, status)
SELECT c.partner_id, c.id, NULL, p.id, c.anniversary - 365, c.anniversary, NULL, 1, 5 + c.id %% 20, true, 'active'
FROM customers_customer c CROSS JOIN unnest(%(products)s::bigint[]) AS p(id) WHERE c.partner_id = %(partner)s;
ANALYZE customers_customer; ANALYZE renewals_subscription;
"""



def _bench_partner():
    partner = Partner.objects.create(name="bench renewals", account_number=f"BR-{time.monotonic_ns() % 10**12}",
                                     time_zone="Asia/Tokyo")
    user = User.objects.create_user(email=f"renewals-{time.monotonic_ns()}@bench.test", password="x")
    Membership.objects.create(partner=partner, user=user, role="partner_admin")
    products = []
    for n in range(PER_CUSTOMER):
        product, _ = LicenceProduct.objects.get_or_create(sku=f"BENCH-R-{n}", defaults={
            "name": f"Bench solution {n}", "offer_type": "team", "market_segment": "commercial"})
        products.append(product.pk)
    with connection.cursor() as cursor:
        cursor.execute(_SETUP, {"partner": partner.pk, "today": TODAY, "customers": CUSTOMERS, "products": products})
    return partner, user


def _p95(client: Client, url: str, params_list: list[dict], rounds: int = 10) -> float:
    for params in params_list:  # warm-up: counts cached as after the first view
        client.get(url, params)
    timings = []
    for params in params_list * rounds:
        start = time.perf_counter()
        response = client.get(url, params)
        timings.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (url, params, response.status_code)
    return statistics.quantiles(timings, n=20)[18]


@benchmark("renewals")
def renewals_at_size() -> list[Result]:
    results = []
    with rolled_back():
        partner, user = _bench_partner()
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        # In-process (test client): the floor is the cheapest page through the whole middleware stack.
        # The pages' targets (p95 ≤ 3 × /healthz over HTTP) are the `pages` benchmark's rows.
        floor = _p95(client, "/accounts/login/", [{}] * 5)
        pages = [{}, {"state": "to_renew"}, {"state": "ready"}, {"state": "red"}, {"page": "40"}]
        listing = _p95(client, "/renewals/", pages)
        dashboard = _p95(client, "/", [{}] * 5)
        size = CUSTOMERS * PER_CUSTOMER
        results += [
            Result("customers-to-renew page p95 (test client)", size, "subscriptions", listing, floor=floor,
                   floor_label="signed-in redirect p95"),
            Result("dashboard p95 (test client)", size, "subscriptions", dashboard, floor=floor,
                   floor_label="signed-in redirect p95"),
        ]
        customers_changed(partner.pk)
        start = time.perf_counter()
        client.get("/renewals/", {"state": "to_renew"})
        results.append(Result("customers-to-renew page, first view after a write", size, "subscriptions",
                              time.perf_counter() - start, floor=floor, floor_label="signed-in redirect p95"))

        callbacks_before = len(connection.run_on_commit)
        start = time.perf_counter()
        recorded = renewal_send_notices(partner=partner, today=TODAY)
        elapsed = time.perf_counter() - start
        batches = len(connection.run_on_commit) - callbacks_before
        results.append(Result(f"renewal notices job: {recorded:,} notices, {batches} e-mail batches enqueued "
                              "after commit (target < 2 s)", size, "subscriptions", elapsed))
    return results
