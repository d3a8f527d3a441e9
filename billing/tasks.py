"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import shared_task

from portal.jobs.services import run_daily_per_partner, run_monthly_per_partner

from . import services


@shared_task(name="billing.tasks.issue_monthly_invoices")
def issue_monthly_invoices(today: str | None = None) -> dict:
    return run_monthly_per_partner(
        job="issue_monthly_invoices",
        today=today,
        work=lambda partner, year, month: services.invoice_issue_monthly(
            partner=partner, year=year, month=month
        ),
    )


@shared_task(name="billing.tasks.send_low_balance_notices")
def send_low_balance_notices(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="send_low_balance_notices",
        today=today,
        work=lambda partner, day: services.balance_notify_low(partner=partner, today=day),
    )


@shared_task(name="billing.tasks.flag_overdue_invoices")
def flag_overdue_invoices(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="flag_overdue_invoices",
        today=today,
        work=lambda partner, day: services.invoice_flag_overdue(partner=partner, today=day),
    )
