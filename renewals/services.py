"""Renewals writes, and the cores of its scheduled jobs (plain functions taking the date)."""

from datetime import date

from portal.tenancy.models import Partner


def renewal_send_notices(*, partner: Partner, today: date) -> int:
    """R-6: renewal notification e-mails, each sent once.

    Idempotent per (partner, day) through portal.jobs.
    """
    return 0
