"""The transactional outbox (issue 10 item 8): e-mails and tasks are rows of the change's own
transaction; a broker outage delays them, never loses or duplicates them, and never turns a
committed change into an error page."""

import logging
import time
from decimal import Decimal

import pytest
from celery import shared_task
from django.db import transaction
from django.test import Client
from django.utils import timezone

from billing.models import BalanceAccount, LedgerEntry
from portal.celery import app
from portal.jobs.models import OutboxMessage
from portal.onetime import new_token
from portal.outbox import (
    MAX_ATTEMPTS,
    deliver_outbox_message,
    outbox_enqueue,
    outbox_hand_overs_wait,
    outbox_relay,
)
from vouchers.models import VoucherOrder
from vouchers.tasks import send_vouchers_delivered_email

UNREACHABLE = "redis://127.0.0.1:9/0"  # the discard port: nothing answers


@pytest.fixture
def broker_down():
    """A real Celery that publishes to a broker nobody answers on."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=UNREACHABLE, task_always_eager=False)
    _forget_connections()
    yield
    outbox_hand_overs_wait()
    app.conf.update(saved)
    _forget_connections()


def _forget_connections():
    """Celery keeps its connection and producer pools: new ones read the broker URL again."""
    app._pool = None
    app.amqp._producer_pool = None


def test_j_outbox_message_is_rolled_back_with_its_change(partner):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(send_vouchers_delivered_email, 1)
        raise RuntimeError("the change fails")
    assert OutboxMessage.objects.count() == 0


RUNS = []


@shared_task(name="tests.portal.outbox_probe")
def outbox_probe(value):
    """Records its runs; refuses while `value` is "refuse"."""
    if value == "refuse":
        raise ConnectionError("mail server down")
    RUNS.append(value)


def test_j_a_message_handed_over_twice_runs_once(db):
    RUNS.clear()
    message = OutboxMessage.objects.create(task=outbox_probe.name, args=[7])
    deliver_outbox_message(message.pk)
    deliver_outbox_message(message.pk)  # the relay and the after-commit hand-over both published it
    assert RUNS == [7]
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 1


def test_j_a_failing_task_is_retried_later_and_given_up_after_the_last_attempt(db):
    message = OutboxMessage.objects.create(task=outbox_probe.name, args=["refuse"])
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with pytest.raises(ConnectionError):
            deliver_outbox_message(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt and message.available_at > timezone.now()
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert message.failed_at is not None and message.last_error == "ConnectionError: mail server down"
    assert outbox_relay() == 0  # given up: handed over no more


@pytest.mark.django_db(transaction=True)
def test_b7_broker_down_order_succeeds_at_once_and_its_email_goes_once_when_the_broker_returns(
        broker_down, partner, finance_user, price_table, mailoutbox, caplog):
    """The issue's case: an order crossing the low-balance threshold with the broker unreachable
    answered 500 after committing (a retry double-ordered) and its e-mail was lost for good."""
    from billing.services import ledger_post
    from portal.tenancy.models import Partner

    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("0"), low_balance_threshold=Decimal("1500"))
    with transaction.atomic():
        ledger_post(partner=partner, entry_type="payment", amount=Decimal("2000"), reference="PAY-1")
    assert BalanceAccount.objects.for_partner(partner).get().balance == Decimal("2000")
    product = price_table.entries.first().product
    client = Client()
    client.force_login(finance_user)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.outbox"):
        response = client.post("/vouchers/new/", {
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-product": product.pk,
            "lines-0-years": "1", "lines-0-quantity": "1", "lines-0-fqdns": "1", "lines-0-wildcards": "0",
            "submit": "1", "once_token": new_token()})
    elapsed = time.monotonic() - started
    outbox_hand_overs_wait()  # the process's courier tried the broker after the response
    order = VoucherOrder.objects.for_partner(partner).get()
    assert response.status_code == 302 and response.url == f"/vouchers/{order.pk}/"
    assert elapsed < 5
    assert LedgerEntry.objects.for_partner(partner).filter(reference=f"VO-{order.pk}").count() == 1
    [message] = OutboxMessage.objects.all()
    assert (message.task, message.args, message.relayed_at) == ("billing.tasks.send_low_balance_email",
                                                                  [partner.pk], None)
    assert "stay queued" in caplog.text
    assert outbox_relay() == 0 and mailoutbox == []  # still down: still waiting, nothing lost

    app.conf.update(task_always_eager=True)  # the broker is back (an in-process worker)
    assert outbox_relay() == 1
    assert outbox_relay() == 0
    assert [m.subject for m in mailoutbox] == ["パートナーポータルの利用可能額が残りわずかです"]


@pytest.mark.django_db(transaction=True)
def test_u3_broker_down_whole_order_pdf_request_answers_at_once(broker_down, partner, finance_user):
    from tests.factories import voucher_code_for

    order = voucher_code_for(partner).order
    client = Client()
    client.force_login(finance_user)
    started = time.monotonic()
    response = client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    assert response.status_code == 302 and time.monotonic() - started < 5
    assert OutboxMessage.objects.get().task == "vouchers.tasks.build_order_pdf"


def test_t3_sign_in_works_while_the_rate_limiter_redis_is_down(db, settings, caplog):
    from tests.factories import UserFactory

    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": UNREACHABLE,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    from django.core.cache import caches

    caches._settings = None  # rebuild from the overridden settings
    UserFactory(email="person@example.test")
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        response = Client().post("/accounts/login/", {"username": "person@example.test", "password": "pw-test-123"})
    assert response.status_code == 302
    assert "cache unavailable" in caplog.text
