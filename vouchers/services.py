"""Vouchers writes, and the cores of its scheduled jobs (plain functions taking the date)."""

from datetime import date

from portal.tenancy.models import Partner


def voucher_expire_due(*, partner: Partner, today: date) -> int:
    """V-4: mark unused codes past their expiry date Expired.

    Idempotent per (partner, day) through portal.jobs.
    """
    return 0
