"""J: one integration test with a real Celery worker consuming from a real Redis."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from portal.celery import app
from portal.jobs.models import JobRun
from tests.factories import PartnerFactory
from tests.faults.workers import NO_REDIS, REDIS_URL

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def redis_app():
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail(NO_REDIS)
        pytest.skip(NO_REDIS)
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager",
                                            "broker_transport_options")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False,
                    broker_transport_options={"visibility_timeout": 3600})
    yield app
    app.conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_j_beat_task_runs_on_a_real_worker_and_is_idempotent(redis_app):
    partner = PartnerFactory()
    from vouchers.tasks import expire_vouchers

    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        first = expire_vouchers.apply_async(kwargs={"today": "2026-11-21"}).get(timeout=30)
        second = expire_vouchers.apply_async(kwargs={"today": "2026-11-21"}).get(timeout=30)
    assert first == {"ran": 1, "skipped": 0}
    assert second == {"ran": 0, "skipped": 1}
    assert JobRun.objects.filter(job="expire_vouchers", scope=f"partner:{partner.pk}").count() == 1
