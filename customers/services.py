"""Customers writes, and the cores of its scheduled jobs (plain functions taking the date)."""

from datetime import date

from portal.tenancy.models import Partner


def pa_flag_overdue(*, partner: Partner, today: date) -> int:
    """C-6: purchase authorizations not ordered within 14 days become Overdue.

    Idempotent per (partner, day) through portal.jobs.
    """
    return 0
