"""Run a scheduled job's work at most once per (job, period, scope).

    job_run_once(job="expire_vouchers", period="2026-11-21", scope="partner:7", work=lambda: ...)

The work and its JobRun row commit together. A concurrent run of the same key waits on the
row's unique index, then sees it and skips; a run that crashes half-way commits nothing, so
running it again does the whole work once. Jobs per partner use the partner's own "today".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.dates import local_today, zone
from portal.tenancy.models import Partner

from .models import JobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOutcome:
    ran: bool
    result: dict


def job_run_once(*, job: str, period: str, scope: str = "", work: Callable[[], dict | int | None]) -> JobOutcome:
    key = {"job": job, "period": period, "scope": scope}
    if JobRun.objects.filter(**key).exists():
        return JobOutcome(False, {})
    try:
        with transaction.atomic():
            run = JobRun.objects.create(**key)
            result = work()
            run.result = result if isinstance(result, dict) else {"count": result}
            run.save(update_fields=["result"])
    except IntegrityError:
        if JobRun.objects.filter(**key).exists():
            return JobOutcome(False, {})  # a concurrent run did it
        raise
    logger.info("job %s %s %s done: %s", job, period, scope, run.result)
    return JobOutcome(True, run.result)


def run_daily_per_partner(*, job: str, work: Callable[[Partner, date], dict | int | None],
                          today: date | str | None = None) -> dict:
    """Run `work(partner, today)` once per partner and day. Without `today` each partner's own
    local date is used, so an hourly beat reaches every time zone on its own day."""
    today = as_date(today)
    ran = skipped = 0
    for partner in Partner.objects.order_by("pk").iterator():
        day = today or local_today(partner.time_zone)
        outcome = job_run_once(job=job, period=day.isoformat(), scope=f"partner:{partner.pk}",
                               work=lambda p=partner, d=day: work(p, d))
        ran, skipped = ran + outcome.ran, skipped + (not outcome.ran)
    return {"ran": ran, "skipped": skipped}


def run_hourly_per_partner(*, job: str, work: Callable[[Partner, date], dict | int | None],
                           today: date | str | None = None) -> dict:
    """Run `work(partner, today)` once per partner and hour of its wall clock (period
    `YYYY-MM-DDTHH`): an hourly job whose repeated or late beats within one hour do nothing."""
    today = as_date(today)
    ran = skipped = 0
    now = timezone.now()
    for partner in Partner.objects.order_by("pk").iterator():
        local = now.astimezone(zone(partner.time_zone))
        day = today or local.date()
        outcome = job_run_once(job=job, period=f"{day.isoformat()}T{local.hour:02d}", scope=f"partner:{partner.pk}",
                               work=lambda p=partner, d=day: work(p, d))
        ran, skipped = ran + outcome.ran, skipped + (not outcome.ran)
    return {"ran": ran, "skipped": skipped}


def as_date(value: date | str | None) -> date | None:
    """Tasks receive dates as ISO strings (JSON); services take `date`."""
    return date.fromisoformat(value) if isinstance(value, str) else value
