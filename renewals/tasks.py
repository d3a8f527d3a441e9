"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import shared_task

from portal.jobs.services import run_daily_per_partner

from . import services


@shared_task(name="renewals.tasks.send_renewal_notices")
def send_renewal_notices(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="send_renewal_notices",
        today=today,
        work=lambda partner, day: services.renewal_send_notices(partner=partner, today=day),
    )
