"""Pages under production settings through gunicorn (`python -m portal.serve web`), measured with
`ab` (apache2-utils, compiled: it costs far less CPU than the server it loads).

Each row is one page's p95 latency at a concurrency; its floor is the p95 of `/healthz` (answered by
the first middleware: no database, no session) at the same concurrency, measured right before the
page in the same run; target 3×. Two rows without a target show what lies between: Django's own
request cycle with no page at all (a signed-out redirect: every middleware, no database), and the
cheapest signed-in answer (`/api/v1/me/`): the per-request cost of sessions, sign-in, the partner
and row-level security that every page pays before its own work.

Two data sets, in a database of their own (DATABASE_URL's name + `_pages`), made once and reused:
the demo data (`seed_demo`) and a large partner — 50,000 customers with a subscription each,
1,000 orders of 10 lines × 1,000 codes (10,000,000 codes), 1,000,000 ledger entries and 120
invoices — generated with set-based SQL (INSERT … SELECT generate_series) as the tables' owner
(row-level security binds only the application role). PAGES_DATABASE_URL names another database,
PAGES_LARGE_ORDERS makes the large partner smaller, PAGES_REQUESTS sets the requests per row.

The partner user's session is made in the database (Django's own `force_login`) with the server's
secret key; requests say `X-Forwarded-Proto: https`, as the proxy in front of production does.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks import Result, benchmark

ROOT = Path(__file__).resolve().parent.parent
TARGET = 3.0
MINIMUM = "signed-in minimum (/api/v1/me/)"
# Django's own request cycle with nothing of a page: every middleware, no session, no database, a
# redirect to the sign-in page. What any answer past /healthz costs on this machine.
DJANGO_MINIMUM = ("Django minimum (/vouchers/ signed out: a redirect, no database)", "/vouchers/")
REQUESTS = int(os.environ.get("PAGES_REQUESTS", "200"))  # per page and concurrency
CONCURRENCY = (1, 4)
LARGE_ACCOUNT = "BENCH-PAGES-LARGE"
LARGE = {"customers": 50_000, "orders": int(os.environ.get("PAGES_LARGE_ORDERS", "1000")), "lines": 10,
         "codes_per_line": 1_000, "ledger": 1_000_000, "invoices": 120}
BENCH_EMAIL = "pages.bench@bench.test"

# The large partner's data; %(name)s are the ids made before (partner, user, product, licence product).
_LARGE_SQL = [
    ("customers", """
INSERT INTO customers_customer (partner_id, vip_id, name, market_segment, offer_type, region, address, postal_code,
    contact_name, contact_email, anniversary, custom_anniversary, invitation_status, created_at)
SELECT %(partner)s, 'VIPP' || lpad(n::text, 9, '0'), 'Customer ' || n, 'commercial', 'team', 'Kanto', 'x', '1',
       'c', 'c' || n || '@pages.bench.test', current_date + (n %% 365 - 30), false, 'sent',
       now() - (n || ' minutes')::interval
FROM generate_series(1, %(customers)s) n"""),
    ("subscriptions", """
INSERT INTO renewals_subscription (partner_id, customer_id, reseller_id, product_id, start_date, end_date,
    previous_start, duration_years, licences, renews, status)
SELECT c.partner_id, c.id, NULL, %(licence_product)s, c.anniversary - 365, c.anniversary, NULL, 1, 5 + c.id %% 20,
       true, 'active'
FROM customers_customer c WHERE c.partner_id = %(partner)s"""),
    ("purchase authorizations", """
INSERT INTO customers_purchaseauthorization (partner_id, customer_id, licence_type, po_number, deployment_date,
    status, vendor_order_number, requested_by_customer, created_on, created_at, created_by_id)
SELECT %(partner)s, c.id, 'team', '', current_date, CASE WHEN c.id %% 10 = 0 THEN 'pending' ELSE 'ordered' END, '',
       false, current_date - (c.id %% 30)::int, now(), %(user)s
FROM customers_customer c WHERE c.partner_id = %(partner)s"""),
    ("orders", """
INSERT INTO vouchers_voucherorder (partner_id, customer_name, notes, status, currency, total, order_date, expires_on,
    created_at, created_by_id, delegated, receipt_id)
SELECT %(partner)s, 'Customer ' || n, '', 'completed', 'JPY', 995 * %(lines)s * %(codes_per_line)s,
       (now() - (n || ' hours')::interval)::date, (now() - (n || ' hours')::interval)::date + 730,
       now() - (n || ' hours')::interval, %(user)s, false, ''
FROM generate_series(1, %(orders)s) n"""),
    ("order lines", """
INSERT INTO vouchers_voucherorderline (partner_id, order_id, product_id, years, quantity, fqdns, wildcards,
    shipping_method, code_signing_addon, unit_price, line_price, position)
SELECT o.partner_id, o.id, %(product)s, 1, %(codes_per_line)s, 1, 0, 'none', false, 995, 995 * %(codes_per_line)s,
       l - 1
FROM vouchers_voucherorder o, generate_series(1, %(lines)s) l WHERE o.partner_id = %(partner)s"""),
    ("codes", """
INSERT INTO vouchers_vouchercode (partner_id, order_id, line_id, value, status, expires_on, used_at, created_at)
SELECT l.partner_id, l.order_id, l.id, 'PG' || lpad(l.id::text, 10, '0') || lpad(k::text, 4, '0'),
       CASE WHEN k %% 10 = 0 THEN 'used' ELSE 'active' END, o.expires_on,
       CASE WHEN k %% 10 = 0 THEN o.created_at + interval '1 day' END, o.created_at
FROM vouchers_voucherorderline l JOIN vouchers_voucherorder o ON o.id = l.order_id,
     generate_series(1, %(codes_per_line)s) k
WHERE l.partner_id = %(partner)s"""),
    ("ledger", """
INSERT INTO billing_ledgerentry (partner_id, created_at, entry_type, amount, balance_after, currency, reference,
    description, created_by_id)
SELECT %(partner)s, now() - ((%(ledger)s - n) || ' minutes')::interval,
       CASE WHEN n %% 2 = 0 THEN 'charge' ELSE 'payment' END, CASE WHEN n %% 2 = 0 THEN -995 ELSE 995 END,
       CASE WHEN n %% 2 = 0 THEN -995 ELSE 0 END, 'JPY',
       CASE WHEN n %% 2 = 0 THEN 'VO-' || (SELECT min(id) FROM vouchers_voucherorder WHERE partner_id = %(partner)s)
            ELSE 'PAY-' || n END, '', %(user)s
FROM generate_series(1, %(ledger)s) n"""),
    ("invoices", """
INSERT INTO billing_invoice (partner_id, kind, number, period_start, period_end, issue_date, due_date, payment_terms,
    currency, subtotal, tax_rate, tax, total, amount_paid, status, bill_to, issuer, language, pdf, statement_pdf,
    created_at)
SELECT %(partner)s, 'invoice', 'PGB-' || lpad(n::text, 6, '0'), m::date, (m + interval '1 month - 1 day')::date,
       (m + interval '1 month')::date, (m + interval '2 months')::date, 'NET30', 'JPY', 100000, 0.10, 10000, 110000,
       CASE WHEN n > 2 THEN 110000 ELSE 0 END, CASE WHEN n > 2 THEN 'paid' ELSE 'issued' END,
       '{"organisation": "Pages Bench KK"}', '{}', 'ja', '', '', now()
FROM generate_series(1, %(invoices)s) n,
     LATERAL (SELECT date_trunc('month', now()) - (n || ' months')::interval) p(m)"""),
]


def _bench_database_url() -> str:
    if os.environ.get("PAGES_DATABASE_URL"):
        return os.environ["PAGES_DATABASE_URL"]
    url = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/portal")
    return urlunsplit(url._replace(path=url.path.rstrip("/") + "_pages"))


# --- Inside the bench database (run as `manage.py shell -c …` with DATABASE_URL set to it) --------

def prepare() -> None:
    """Make the data sets (once), the bench user's memberships and sessions; print them as JSON."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from portal.catalogue.models import LicenceProduct, Product
    from portal.demo import seed_demo
    from portal.tenancy.context import SESSION_PARTNER
    from portal.tenancy.models import BillingContact, Membership, Partner, User

    timings = {}
    if not Partner.objects.filter(account_number="JP-0001").exists():
        start = time.perf_counter()
        seed_demo(password=secrets.token_urlsafe(16))  # never the published demo password (production)
        timings["demo"] = time.perf_counter() - start
    user, _ = User.objects.get_or_create(email=BENCH_EMAIL, defaults={"first_name": "Pages", "last_name": "Bench"})
    demo = Partner.objects.get(account_number="JP-0001")
    large = Partner.objects.filter(account_number=LARGE_ACCOUNT).first()
    if large is None:
        with transaction.atomic():
            large = Partner.objects.create(name="Pages Bench KK", account_number=LARGE_ACCOUNT, currency="JPY",
                                           language="ja", time_zone="Asia/Tokyo", credit_limit=10**9)
            BillingContact.objects.create(partner=large, contact_name="Bench", organisation="Pages Bench KK",
                                          country="JP", address_line1="1-1-1", city="Chiyoda", state="Tokyo",
                                          postal_code="100-0001", emails=["billing@pages.bench.test"])
            product, _ = Product.objects.get_or_create(code="bench-pages-ov", defaults={"name": "Bench OV",
                                                                                         "kind": "ov"})
            licence, _ = LicenceProduct.objects.get_or_create(sku="BENCH-PAGES-1", defaults={
                "name": "Bench solution", "offer_type": "team", "market_segment": "commercial"})
            from billing.models import BalanceAccount

            BalanceAccount.objects.create(partner=large, currency="JPY", balance=-995)
            params = LARGE | {"partner": large.pk, "user": user.pk, "product": product.pk,
                              "licence_product": licence.pk}
            with connection.cursor() as cursor:
                for name, statement in _LARGE_SQL:
                    start = time.perf_counter()
                    cursor.execute(statement, params)
                    timings[name] = time.perf_counter() - start
                    print(f"pages bench: {name} {cursor.rowcount:,} rows in {timings[name]:.1f} s", file=sys.stderr,
                          flush=True)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - start
    cookies = {}
    for partner in (demo, large):
        Membership.objects.for_partner(partner).update_or_create(partner=partner, user=user,
                                                                 defaults={"role": "partner_admin"})
    for key, partner in (("demo", demo), ("large", large)):
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_PARTNER] = partner.pk  # the partner this session works in (several memberships)
        session.save()
        cookies[key] = client.cookies["sessionid"].value
    from vouchers.models import VoucherOrder

    orders, sizes = {}, {}
    with connection.cursor() as cursor:
        for key, partner in (("demo", demo), ("large", large)):
            # the order with the most codes: the largest detail page
            orders[key] = (VoucherOrder.objects.for_partner(partner).annotate(n=Count("codes"))
                           .order_by("-n", "-pk").values_list("pk", flat=True).first())
            sizes[key] = {}
            for table in ("customers_customer", "vouchers_voucherorder", "vouchers_vouchercode", "billing_ledgerentry",
                          "billing_invoice", "renewals_subscription"):
                cursor.execute(f"SELECT count(*) FROM {table} WHERE partner_id = %s", [partner.pk])  # noqa: S608
                sizes[key][table] = cursor.fetchone()[0]
    print("PAGES-BENCH " + json.dumps({"cookies": cookies, "orders": orders, "sizes": sizes, "timings": timings}))


# --- The benchmark ----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[1:4])} failed: {(done.stderr or done.stdout)[-400:]}")
    return done.stdout


def _ab(url: str, *, concurrency: int, requests: int, cookie: str | None, redirect: bool = False) -> float:
    """p95 in seconds of `requests` GETs at `concurrency`; every answer must be a 200 (a redirect
    with `redirect`)."""
    percentiles = Path(os.environ.get("TMPDIR", "/tmp")) / f"pages-bench-{os.getpid()}.csv"
    args = ["ab", "-q", "-s", "120", "-n", str(requests), "-c", str(concurrency), "-H", "X-Forwarded-Proto: https",
            "-e", str(percentiles)]
    if cookie:
        args += ["-C", f"sessionid={cookie}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=False)
    out = done.stdout
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    not_ok = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if redirect and (not not_ok or int(not_ok.group(1)) != requests):
        raise RuntimeError(f"ab {url}: expected only redirects: {out[-300:]}")
    if done.returncode or not failed or int(failed.group(1)) or (not_ok and not redirect):
        raise RuntimeError(f"ab {url}: {(out + done.stderr)[-300:]}")
    # ab's printed percentiles are whole milliseconds; its CSV has them to the microsecond
    rows = dict(line.split(",") for line in percentiles.read_text().splitlines()[1:])
    percentiles.unlink()
    return float(rows["95"]) / 1000


def _status(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Cookie": f"sessionid={cookie}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


@benchmark("pages")
def pages() -> list[Result]:
    if not shutil.which("ab"):
        raise RuntimeError("ab not found: scripts/system-deps.sh --with-bench installs apache2-utils")
    from portal.testrun import ensure_database

    bench_url = _bench_database_url()
    ensure_database(bench_url)
    secret = secrets.token_urlsafe(40)
    env = os.environ | {"DATABASE_URL": bench_url, "DJANGO_SECRET_KEY": secret}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = sys.executable
    start = time.perf_counter()
    _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env | {"DJANGO_SETTINGS_MODULE":
                                                                          "portal.settings.local"})
    out = _run([python, "manage.py", "shell", "-c", "from benchmarks.pages import prepare; prepare()"],
               env | {"DJANGO_SETTINGS_MODULE": "portal.settings.local"})
    prepared = json.loads(out.split("PAGES-BENCH ", 1)[1])
    print(f"pages bench: data ready in {time.perf_counter() - start:.1f} s; sizes {prepared['sizes']}; "
          f"generation {prepared['timings']}", file=sys.stderr, flush=True)
    port = _free_port()
    production = env | {"DJANGO_SETTINGS_MODULE": "portal.settings.production", "PORTAL_BIND": f"127.0.0.1:{port}",
                        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "PORTAL_CHECKED": "1",
                        "PORTAL_RATE_LIMIT_ENABLED": "1"}
    production.pop("PORTAL_SETUP_ON_START", None)
    _run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], production)
    server = subprocess.Popen([python, "-m", "portal.serve", "web"], cwd=ROOT, env=production,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {server.stderr.read()[-400:]}") from None
                time.sleep(0.3)
        for concurrency in CONCURRENCY:
            name, path = DJANGO_MINIMUM
            _ab(f"{base}/healthz", concurrency=concurrency, requests=REQUESTS, cookie=None)  # warm-up
            floor = _ab(f"{base}/healthz", concurrency=concurrency, requests=REQUESTS, cookie=None)
            p95 = _ab(base + path, concurrency=concurrency, requests=REQUESTS, cookie=None, redirect=True)
            results.append(Result(f"page p95: {name}, c={concurrency}", 1, "page", p95, floor=floor,
                                  floor_label=f"/healthz p95 c={concurrency}"))
        for key in ("demo", "large"):
            cookie = prepared["cookies"][key]
            # The cheapest signed-in answer (session, user, partner, row-level security, a small JSON body):
            # what every page pays before its own work, shown against /healthz without a target.
            paths = {MINIMUM: "/api/v1/me/", "voucher list": "/vouchers/",
                     "order detail": f"/vouchers/{prepared['orders'][key]}/",
                     "customer list": "/customers/", "balance": "/billing/", "invoices": "/billing/invoices/",
                     "renewals list": "/renewals/", "dashboard": "/"}
            for name, path in paths.items():
                status, location = _status(base + path, cookie)
                if status != 200:
                    raise RuntimeError(f"{name} {path}: {status} {location}")
            sizes = prepared["sizes"][key]
            label = ("demo data" if key == "demo" else
                     f"large partner ({sizes['vouchers_vouchercode']:,} codes, {sizes['customers_customer']:,} "
                     f"customers, {sizes['billing_ledgerentry']:,} ledger lines)")
            for concurrency in CONCURRENCY:
                _ab(f"{base}/healthz", concurrency=concurrency, requests=REQUESTS, cookie=None)  # warm-up
                for name, path in paths.items():
                    start = time.perf_counter()
                    warm = max(concurrency * 3, 10)
                    _ab(base + path, concurrency=concurrency, requests=warm, cookie=cookie)
                    slow = (time.perf_counter() - start) / warm * concurrency > 0.2  # a slow page: fewer requests
                    operation = f"page p95: {name}, {label}, c={concurrency}"
                    try:
                        # the floor right before its page: a machine shared with other work drifts between rows
                        floor = _ab(f"{base}/healthz", concurrency=concurrency, requests=REQUESTS, cookie=None)
                        p95 = _ab(base + path, concurrency=concurrency, requests=20 if slow else REQUESTS,
                                  cookie=cookie)
                    except RuntimeError as error:
                        results.append(Result(operation, 1, "page", 0.0, failed=str(error)[:120]))
                        continue
                    results.append(Result(operation, 1, "page", p95, floor=floor,
                                          floor_label=f"/healthz p95 c={concurrency}",
                                          target=None if name == MINIMUM else TARGET))
                    print(f"pages bench: {operation}: {p95 * 1000:.1f} ms, /healthz {floor * 1000:.1f} ms",
                          file=sys.stderr, flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return results
