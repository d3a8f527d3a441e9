"""Billing writes, and the cores of its scheduled jobs (plain functions taking the date)."""

from datetime import date

from portal.tenancy.models import Partner


def invoice_issue_monthly(*, partner: Partner, year: int, month: int) -> int:
    """B-1: one invoice per partner for the previous calendar month.

    Idempotent per (partner, month) through portal.jobs.
    """
    return 0


def balance_notify_low(*, partner: Partner, today: date) -> int:
    """B-7: e-mail the billing contact once per crossing of the threshold.

    Idempotent per (partner, day) through portal.jobs.
    """
    return 0


def invoice_flag_overdue(*, partner: Partner, today: date) -> int:
    """B-8: invoices past their due date become Overdue.

    Idempotent per (partner, day) through portal.jobs.
    """
    return 0
