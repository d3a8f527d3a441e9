"""J: each job's core is a service taking "today", wrapped by a thin task and a command; a unique
run row per (job, period, scope) makes duplicated beats, retries and crashes harmless."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from portal.celery import app
from portal.jobs.models import JobRun
from portal.jobs.services import job_run_once, run_daily_per_partner
from tests.factories import PartnerFactory
from vouchers.models import CodeStatus

SPEC_J_TASKS = {
    "vouchers.tasks.expire_vouchers", "customers.tasks.flag_overdue_pas", "billing.tasks.issue_monthly_invoices",
    "renewals.tasks.send_renewal_notices", "billing.tasks.send_low_balance_notices",
    "billing.tasks.flag_overdue_invoices",
    "renewals.tasks.deactivate_lapsed_licences",  # after A + 14 days the licences become inactive
}


def test_j_beat_schedule_has_every_spec_job_and_each_task_exists():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == SPEC_J_TASKS | {"portal.api.tasks.purge_idempotency_keys", "portal.outbox.relay",
                                       "portal.jobs.tasks.sweep_stale_progress"}
    app.loader.import_default_modules()
    assert scheduled <= set(app.tasks)


def test_j_celery_delivery_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_j_job_runs_once_per_period_and_scope(db):
    calls = []
    first = job_run_once(job="j", period="2026-11-21", scope="partner:1", work=lambda: calls.append(1) or 5)
    again = job_run_once(job="j", period="2026-11-21", scope="partner:1", work=lambda: calls.append(2))
    other_day = job_run_once(job="j", period="2026-11-22", scope="partner:1", work=lambda: calls.append(3))
    assert (first.ran, again.ran, other_day.ran) == (True, False, True)
    assert calls == [1, 3]
    assert JobRun.objects.get(job="j", period="2026-11-21").result == {"count": 5}


def test_j_a_run_that_crashes_half_way_commits_nothing_and_runs_again(db, partner):
    from portal.audit.models import AuditEntry
    from portal.audit.services import audit_record

    def crashing():
        audit_record(action="job.half", obj=partner, partner=partner)
        raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        job_run_once(job="j", period="p", work=crashing)
    assert not JobRun.objects.filter(job="j").exists()
    assert not AuditEntry.objects.for_partner(partner).filter(action="job.half").exists()
    outcome = job_run_once(job="j", period="p", work=lambda: audit_record(action="job.half", obj=partner,
                                                                            partner=partner) and 1)
    assert outcome.ran and AuditEntry.objects.for_partner(partner).filter(action="job.half").count() == 1


@pytest.mark.django_db(transaction=True)
def test_j_two_concurrent_runs_do_the_work_once():
    barrier, done = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            outcome = job_run_once(job="race", period="2026-11", work=lambda: done.append(1) or len(done))
            done.append(outcome.ran)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert JobRun.objects.filter(job="race").count() == 1
    assert sorted(x for x in done if isinstance(x, bool)) == [False, True]


def test_j_daily_job_uses_each_partners_own_today(db, time_machine_utc):
    tokyo = PartnerFactory(time_zone="Asia/Tokyo")
    paris = PartnerFactory(time_zone="Europe/Paris")
    seen = {}
    run_daily_per_partner(job="d", work=lambda p, day: seen.__setitem__(p.pk, day))
    assert seen == {tokyo.pk: date(2026, 11, 1), paris.pk: date(2026, 10, 31)}


def test_j_management_command_runs_the_task_for_a_given_day(finance, price_table, partner, capsys):
    """The command runs the job as of the date given: the codes whose last day was the day before
    expire (and only on the first run of that day)."""
    from vouchers.services import LineRequest, voucher_order_create

    product = price_table.entries.first().product
    order = voucher_order_create(tenant=finance, lines=[LineRequest(product_id=product.pk, years=1, quantity=2,
                                                                    fqdns=1)])
    day_after = (order.expires_on + timedelta(days=1)).isoformat()
    call_command("expire_vouchers", "--today", order.expires_on.isoformat())
    assert set(order.codes.values_list("status", flat=True)) == {CodeStatus.ACTIVE}
    call_command("expire_vouchers", "--today", day_after)
    assert list(order.codes.values_list("status", flat=True)) == [CodeStatus.EXPIRED] * 2
    assert JobRun.objects.get(job="expire_vouchers", period=day_after, scope=f"partner:{partner.pk}").result == {
        "count": 2}
    call_command("expire_vouchers", "--today", day_after)
    assert "'skipped': 1" in capsys.readouterr().out.splitlines()[-1]


def test_j_flag_overdue_pas_task_flags_the_pas_past_14_days(partner, manager):
    from customers.models import PAStatus, PurchaseAuthorization
    from customers.tasks import flag_overdue_pas
    from tests.factories import for_partner

    late, fresh = for_partner(PurchaseAuthorization, partner), for_partner(PurchaseAuthorization, partner)
    PurchaseAuthorization.unscoped.filter(pk=late.pk).update(created_on=date(2026, 11, 1))
    PurchaseAuthorization.unscoped.filter(pk=fresh.pk).update(created_on=date(2026, 11, 2))
    assert flag_overdue_pas(today="2026-11-16")["ran"] >= 1
    assert dict(PurchaseAuthorization.unscoped.filter(partner=partner).values_list("pk", "status")) == {
        late.pk: PAStatus.OVERDUE, fresh.pk: PAStatus.PENDING}


def test_j_monthly_invoices_task_issues_the_previous_month_once(partner):
    from billing.models import Invoice
    from billing.services import ledger_post
    from billing.tasks import issue_monthly_invoices

    with transaction.atomic():
        ledger_post(partner=partner, entry_type="charge", amount=Decimal("-1000"), reference="VO-1",
                    at=datetime(2026, 10, 20, tzinfo=UTC))
    assert issue_monthly_invoices(today="2026-11-01") == {"issued": 1}
    assert issue_monthly_invoices(today="2026-11-01") == {"issued": 0}
    invoice = Invoice.objects.for_partner(partner).get()
    assert (invoice.period_start, invoice.subtotal, invoice.tax) == (date(2026, 10, 1), Decimal("1000"),
                                                                     Decimal("100"))


def test_j_overdue_invoices_task_flags_unpaid_invoices_past_due(partner):
    from billing.models import Invoice, InvoiceStatus
    from billing.tasks import flag_overdue_invoices
    from tests.factories import for_partner

    invoice = for_partner(Invoice, partner)
    Invoice.unscoped.filter(pk=invoice.pk).update(due_date=date(2026, 11, 30))
    flag_overdue_invoices(today="2026-11-30")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    flag_overdue_invoices(today="2026-12-01")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OVERDUE


def test_j_low_balance_notices_run_hourly_once_per_crossing(partner, monkeypatch, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    """J says hourly: a credit-limit cut between two beats of one day is noticed at the next beat
    (not the next day); further beats send nothing more (B-7: once per crossing)."""
    from django.utils import timezone

    from billing.services import ledger_post
    from billing.tasks import send_low_balance_notices
    from portal.tenancy.models import Partner

    with transaction.atomic():
        ledger_post(partner=partner, entry_type="payment", amount=Decimal("100"), reference="P")
    Partner.objects.filter(pk=partner.pk).update(low_balance_threshold=Decimal("50000"))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 21, 1, 30, tzinfo=UTC))  # 10:30 Tokyo
    assert send_low_balance_notices()["ran"] == 1
    assert mailoutbox == []
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("0"))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 21, 2, 30, tzinfo=UTC))  # 11:30 Tokyo
    with django_capture_on_commit_callbacks(execute=True):
        send_low_balance_notices()
    assert [m.to for m in mailoutbox] == [["billing@example.test"]]
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 21, 3, 30, tzinfo=UTC))  # 12:30 Tokyo
    with django_capture_on_commit_callbacks(execute=True):
        send_low_balance_notices()
    assert len(mailoutbox) == 1
    assert JobRun.objects.filter(job="send_low_balance_notices", scope=f"partner:{partner.pk}").count() == 3


def test_j_management_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="--today"):
        call_command("expire_vouchers", "--today", "21/11/2026")


def test_j_task_enqueued_on_commit_is_not_sent_for_a_rolled_back_transaction(db, django_capture_on_commit_callbacks):
    from vouchers.tasks import expire_vouchers

    PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            expire_vouchers.delay_on_commit(today="2026-11-21")
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert not JobRun.objects.filter(job="expire_vouchers").exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        expire_vouchers.delay_on_commit(today="2026-11-21")
    assert len(callbacks) == 1
    assert JobRun.objects.filter(job="expire_vouchers").count() == 1


@pytest.fixture
def time_machine_utc(monkeypatch):
    """Freeze 'now' at 2026-10-31 16:30 UTC (1 Nov 01:30 in Tokyo, 31 Oct 17:30 in Paris)."""
    from datetime import UTC, datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
