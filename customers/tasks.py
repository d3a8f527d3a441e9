"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import shared_task

from portal.jobs.services import run_daily_per_partner

from . import services


@shared_task(name="customers.tasks.flag_overdue_pas")
def flag_overdue_pas(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="flag_overdue_pas",
        today=today,
        work=lambda partner, day: services.pa_flag_overdue(partner=partner, today=day),
    )
