"""Whole-order PDF jobs (U-3, V-6) under faults and abuse (issue 10 items 7 and 11): a job whose
worker died is shown as failed with *Try again*, a running or fresh job is handed out again, and
new jobs and quote e-mails are limited per partner."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from portal.jobs import progress as progress_module
from portal.jobs.models import OutboxMessage, ProgressStatus, TaskProgress
from portal.jobs.progress import STALE_AFTER, progress_heartbeat, progress_sweep_stale
from tests.factories import QuoteFactory, voucher_code_for
from vouchers.services import voucher_code_reissue


@pytest.fixture
def order(partner):
    from tests.factories import VoucherCodeFactory

    code = voucher_code_for(partner)
    VoucherCodeFactory(line=code.line)
    return code.order


def _running(partner, order, beat_ago):
    return TaskProgress.unscoped.create(partner=partner, kind="voucher_order_pdf", subject_id=str(order.pk),
                                        total=2, created_by=partner_user(partner), status=ProgressStatus.RUNNING,
                                        heartbeat_at=timezone.now() - beat_ago)


def partner_user(partner):
    from portal.tenancy.models import Membership

    return Membership.unscoped.filter(partner=partner).first().user


@pytest.mark.parametrize(("beat_ago", "shown"), [(STALE_AFTER - timedelta(seconds=10), "running"),
                                                  (STALE_AFTER + timedelta(seconds=10), "failed")])
def test_u3_a_job_whose_worker_stopped_beating_is_failed_with_try_again(partner, finance_client, order, beat_ago,
                                                                       shown):
    job = _running(partner, order, beat_ago)
    page = finance_client.get(f"/tasks/{job.pk}/").content.decode()
    api = finance_client.get(f"/api/v1/tasks/{job.pk}/").json()
    assert api["status"] == shown
    assert (f'action="/vouchers/{order.pk}/vouchers.pdf"' in page) == (shown == "failed")
    if shown == "failed":
        assert "Try again" in page and api["error"] == "stopped: the worker running it went away"


def test_u3_the_sweep_fails_stale_jobs_only(partner, finance_user, order):
    stale = _running(partner, order, STALE_AFTER + timedelta(minutes=1))
    alive = _running(partner, order, timedelta(seconds=5))
    never_started = TaskProgress.unscoped.create(partner=partner, kind="voucher_order_pdf", subject_id="1", total=1,
                                                 created_by=finance_user)
    TaskProgress.unscoped.filter(pk=never_started.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert progress_sweep_stale() == 2
    statuses = dict(TaskProgress.unscoped.values_list("pk", "status"))
    assert statuses == {stale.pk: "failed", alive.pk: "running", never_started.pk: "failed"}


@pytest.mark.django_db(transaction=True)
def test_u3_a_running_job_beats_from_its_own_thread(partner, finance_user, order, monkeypatch):
    monkeypatch.setattr(progress_module, "HEARTBEAT_SECONDS", 0.05)
    job = _running(partner, order, timedelta(minutes=10))
    with progress_heartbeat(job.pk):
        time.sleep(0.5)
    job.refresh_from_db()
    assert timezone.now() - job.heartbeat_at < timedelta(seconds=2)
    assert not [t for t in threading.enumerate() if t.name == f"progress-heartbeat-{job.pk}"]


def test_v6_a_running_or_fresh_order_pdf_is_handed_out_again(partner, finance, finance_client, order):
    first = finance_client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    again = finance_client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    assert first.url == again.url  # still queued: the same job
    job = TaskProgress.objects.for_partner(partner).get()
    job.file.save("order.pdf", ContentFile(b"%PDF-1.7"), save=False)
    job.status = ProgressStatus.DONE
    job.save()
    assert finance_client.post(f"/vouchers/{order.pk}/vouchers.pdf").url == first.url  # done, codes unchanged
    voucher_code_reissue(tenant=finance, code=order.codes.order_by("pk").first())
    changed = finance_client.post(f"/vouchers/{order.pk}/vouchers.pdf")
    assert changed.url != first.url and TaskProgress.objects.for_partner(partner).count() == 2
    assert OutboxMessage.objects.filter(task="vouchers.tasks.build_order_pdf").count() == 2


def test_v6_new_order_pdf_jobs_are_limited_per_partner(partner, settings, finance_client, finance_user):
    from tests.conftest import client_for, member
    from tests.factories import OperatorFactory  # noqa: F401

    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "order_pdf": (2, 3600)}
    orders = [voucher_code_for(partner).order for _ in range(3)]
    colleague = client_for(member(partner, "partner_admin"))
    assert finance_client.post(f"/vouchers/{orders[0].pk}/vouchers.pdf").status_code == 302
    assert colleague.post(f"/api/v1/voucher-orders/{orders[1].pk}/pdf/").status_code == 202
    refused = colleague.post(f"/api/v1/voucher-orders/{orders[2].pk}/pdf/")
    assert refused.status_code == 429 and refused.json()["errors"][0]["code"] == "rate_limited"
    page = finance_client.post(f"/vouchers/{orders[2].pk}/vouchers.pdf", follow=True).content.decode()
    assert "asked for this too often" in page
    assert TaskProgress.objects.for_partner(partner).count() == 2
    # A job handed out again is no new work and is never refused.
    assert finance_client.post(f"/vouchers/{orders[0].pk}/vouchers.pdf").status_code == 302


def test_b9_quote_emails_are_limited_per_partner(partner, settings, finance_client, admin_client):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "quote_email": (2, 3600)}
    quote = QuoteFactory(partner=partner)
    for client in (finance_client, admin_client):
        assert client.post(f"/api/v1/quotes/{quote.pk}/email/", {"to": "a@b.test"},
                           content_type="application/json").status_code == 202
    refused = finance_client.post(f"/api/v1/quotes/{quote.pk}/email/", {"to": "a@b.test"},
                                  content_type="application/json")
    assert refused.status_code == 429
    page = admin_client.post(f"/billing/quotes/{quote.pk}/email/", {"to": "a@b.test"}).content.decode()
    assert "asked for this too often" in page
    assert OutboxMessage.objects.filter(task="billing.tasks.send_quote_email").count() == 2
    assert Client().get("/").status_code == 302
