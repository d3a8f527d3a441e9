"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import shared_task

from portal.jobs.services import run_daily_per_partner

from . import services


@shared_task(name="vouchers.tasks.expire_vouchers")
def expire_vouchers(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="expire_vouchers",
        today=today,
        work=lambda partner, day: services.voucher_expire_due(partner=partner, today=day),
    )
