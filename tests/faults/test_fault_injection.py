"""Fault injection (issue 10): real PostgreSQL, real Redis, real Celery worker processes. A worker
killed mid-task, a broker unreachable for a request, database connections terminated under load;
afterwards nothing is lost or duplicated: orders = successful answers, Σ ledger = balance, each
e-mail once, no job left "running", no render process left behind."""

import json
import os
import signal
import threading
import time
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.db.models import Sum
from django.test import Client

from billing.models import BalanceAccount, LedgerEntry
from portal.jobs import progress as progress_module
from portal.jobs.models import OutboxMessage, ProgressStatus, TaskProgress
from portal.outbox import outbox_hand_overs_wait, outbox_relay
from portal.tenancy.roles import Role
from tests.conftest import member
from tests.factories import BillingContactFactory, PartnerFactory, PriceEntryFactory, PriceTableFactory, ProductFactory
from tests.faults.workers import alive as _alive
from tests.faults.workers import children as _children
from tests.faults.workers import wait as _wait
from tests.faults.workers import worker_start, worker_stop
from vouchers.models import VoucherOrder

VOUCHERS = 800  # a whole-order PDF that takes long enough to be killed half-way

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def worker(broker, mail_dir):
    """A real Celery worker (prefork, one child) on this test's database and every queue."""
    process = worker_start(env={"PORTAL_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                                "PORTAL_TEST_EMAIL_DIR": str(mail_dir), "PORTAL_PROGRESS_HEARTBEAT_SECONDS": "1"})
    yield process
    worker_stop(process)


@pytest.fixture
def shop():
    """A JPY partner with a billing contact, a contract and funds for many small orders."""
    partner = PartnerFactory(name="Fault KK", currency="JPY", language="en", credit_limit=Decimal("1000000"),
                             low_balance_threshold=Decimal("0"))
    BillingContactFactory(partner=partner)
    product = ProductFactory(code="ssl-dv", name="SSL DV", max_years=1)
    PriceEntryFactory(table=PriceTableFactory(partner=partner), product=product, years=1,
                      offered_price=Decimal("1000"))
    return partner, product, member(partner, Role.PARTNER_ADMIN)


def _order_body(product, quantity=1):
    return {"lines": [{"product": product.pk, "years": 1, "quantity": quantity, "fqdns": 1, "wildcards": 0}]}


def _api(user_partner):
    from portal.api.services import api_key_create
    from tests.conftest import tenant_for

    partner, user = user_partner
    _key, raw = api_key_create(tenant=tenant_for(user, partner), name="load", role=Role.PARTNER_ADMIN)
    return raw


def test_j_a_worker_killed_mid_render_leaves_no_running_job_no_render_process_and_the_retry_completes(
        shop, broker, worker, monkeypatch):
    partner, product, user = shop
    monkeypatch.setattr(progress_module, "STALE_AFTER", progress_module.timedelta(seconds=4))
    client = Client()
    client.force_login(user)
    response = client.post("/api/v1/voucher-orders/", _order_body(product, quantity=VOUCHERS),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    order = VoucherOrder.objects.for_partner(partner).get(pk=response.json()["id"])
    started = client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    outbox_hand_overs_wait()
    job = TaskProgress.objects.for_partner(partner).get()
    assert _wait(lambda: TaskProgress.unscoped.get(pk=job.pk).status == ProgressStatus.RUNNING, 60, 0.02)
    [child] = _children(worker.pid)  # the pool child rendering it (stamped pages: no render processes)
    os.kill(child, signal.SIGKILL)  # the pool child dies mid-render (an OOM kill, a crash)

    assert _wait(lambda: not _alive(child), 15)
    page = _wait(lambda: "Try again" in (c := client.get(started.url).content.decode()) and c, 20)
    assert page and TaskProgress.unscoped.get(pk=job.pk).status == ProgressStatus.FAILED
    retry = client.post(f"/vouchers/{order.pk}/vouchers.pdf")  # the page's *Try again*
    assert retry.url != started.url
    again = TaskProgress.objects.for_partner(partner).exclude(pk=job.pk).get()
    assert _wait(lambda: TaskProgress.unscoped.get(pk=again.pk).status == ProgressStatus.DONE, 120, 0.5)
    from pypdf import PdfReader

    assert len(PdfReader(TaskProgress.unscoped.get(pk=again.pk).file.path).pages) == VOUCHERS
    assert TaskProgress.unscoped.get(pk=job.pk).status == ProgressStatus.FAILED  # never "running" again


def test_b7_a_request_while_the_broker_is_unreachable_succeeds_and_its_email_goes_once(shop, broker, worker,
                                                                                   mail_dir):
    partner, product, user = shop
    from portal.tenancy.models import Partner

    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("1500"), low_balance_threshold=Decimal("1000"))
    raw = _api((partner, user))
    broker["down"]()
    started = time.monotonic()
    answer = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}").post("/api/v1/voucher-orders/", _order_body(product),
                                                              content_type="application/json")
    assert answer.status_code == 201 and time.monotonic() - started < 5
    outbox_hand_overs_wait()
    assert OutboxMessage.objects.get().relayed_at is None  # waiting, not lost
    broker["up"]()
    assert outbox_relay() == 1
    message = OutboxMessage.objects.get()
    from portal.outbox import _publish

    _publish(message.pk)  # handed over twice (a relay racing the after-commit hand-over)
    assert _wait(lambda: OutboxMessage.objects.get().done_at is not None, 60)
    time.sleep(2)  # the duplicate has been consumed too
    mails = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
    assert len(mails) == 1 and "funds are running low" in mails[0].read_text()
    assert VoucherOrder.objects.for_partner(partner).count() == 1


def test_b7_terminated_database_connections_under_load_lose_and_duplicate_nothing(shop):
    partner, product, user = shop
    raw = _api((partner, user))
    keys = [f"order-{n}" for n in range(24)]
    answers, stop, failed_attempts, terminated = {}, threading.Event(), [], [0]

    def place(chunk):
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}", raise_request_exception=False)
        try:
            for key in chunk:
                for _attempt in range(60):  # a client retries with the same Idempotency-Key
                    close_old_connections()  # as the server does before each request (the test client does not)
                    try:
                        response = client.post("/api/v1/voucher-orders/", json.dumps(_order_body(product)),
                                               content_type="application/json", headers={"Idempotency-Key": key})
                    except Exception:  # the connection died under the request
                        failed_attempts.append(key)
                        continue
                    if response.status_code < 500 and response.status_code != 409:
                        answers[key] = response.status_code
                        break
                    failed_attempts.append(key)
                    time.sleep(0.05)
        finally:
            connection.close()

    def terminate():
        from django.db import connections

        killer = connections.create_connection("default")
        deadline = time.monotonic() + 6  # faults for a while; the clients' retries then get through
        with killer.cursor() as cursor:
            while not stop.is_set() and time.monotonic() < deadline:
                terminated[0] += cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()[0]
                time.sleep(0.3)
        killer.close()

    killer = threading.Thread(target=terminate)
    killer.start()
    threads = [threading.Thread(target=place, args=(keys[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    killer.join()
    connection.close()  # this thread's connection was terminated too

    orders = VoucherOrder.objects.for_partner(partner)
    print(f"terminated {terminated[0]} connections; {len(failed_attempts)} requests failed and were retried")
    assert terminated[0] > 0 and failed_attempts  # the faults did hit requests
    assert sorted(answers) == sorted(keys) and set(answers.values()) == {201}
    assert orders.count() == len(keys)  # every key ordered once: nothing lost, nothing twice
    balance = BalanceAccount.objects.for_partner(partner).get().balance
    assert LedgerEntry.objects.for_partner(partner).aggregate(total=Sum("amount"))["total"] == balance
    assert balance == -Decimal("1000") * len(keys)
