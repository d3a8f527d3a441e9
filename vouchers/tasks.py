"""Thin Celery wrappers: load, call the service, return a summary."""

from celery import shared_task

from portal.jobs.services import run_daily_per_partner
from portal.mail import send_partner_mail

from . import services
from .models import VoucherOrder


@shared_task(name="vouchers.tasks.expire_vouchers")
def expire_vouchers(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="expire_vouchers",
        today=today,
        work=lambda partner, day: services.voucher_expire_due(partner=partner, today=day),
    )


@shared_task(name="vouchers.tasks.send_vouchers_delivered_email", autoretry_for=(ConnectionError,), max_retries=3,
             retry_backoff=True)
def send_vouchers_delivered_email(order_id: int) -> int:
    """T-4: the partner's billing contact hears of vouchers delivered on its behalf."""
    order = VoucherOrder.unscoped.select_related("partner").get(pk=order_id)
    return send_partner_mail(partner=order.partner, template="vouchers_delivered", context={"order": order})
