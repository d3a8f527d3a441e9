"""Thin Celery wrappers: load, call the service, return a summary."""

from celery import shared_task

from portal.jobs.models import ProgressStatus, TaskProgress
from portal.jobs.progress import progress_fail, progress_finish, progress_heartbeat, progress_running
from portal.jobs.services import run_daily_per_partner
from portal.mail import mail_task, send_partner_mail

from . import services
from .models import VoucherOrder


@shared_task(name="vouchers.tasks.expire_vouchers")
def expire_vouchers(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="expire_vouchers",
        today=today,
        work=lambda partner, day: services.voucher_expire_due(partner=partner, today=day),
    )


@mail_task(name="vouchers.tasks.send_vouchers_delivered_email")
def send_vouchers_delivered_email(order_id: int) -> int:
    """T-4: the partner's billing contact hears of vouchers delivered on its behalf."""
    order = VoucherOrder.unscoped.select_related("partner").get(pk=order_id)
    return send_partner_mail(partner=order.partner, template="vouchers_delivered", context={"order": order})


@shared_task(name="vouchers.tasks.build_order_pdf")
def build_order_pdf(progress_id: int) -> None:
    """V-6 / U-3: render the whole-order PDF of the order a TaskProgress names and store it on
    that row. A no-op once the row is Done (a redelivered message renders nothing). Any failure
    marks the row Failed (the waiting page says so) and is re-raised for the worker's log; no
    retry, since a rendering error is not transient. While it renders, the row gets a heartbeat: if
    the worker is killed, the beats stop and the row is shown as failed, not running for hours."""
    from .pdf import order_pdf  # WeasyPrint is heavy: load it in the worker that renders, not at import

    if TaskProgress.unscoped.filter(pk=progress_id, status__in=[ProgressStatus.DONE, ProgressStatus.FAILED]).exists():
        return  # done, or given up (its worker died; the person was offered *Try again*)
    try:
        progress = progress_running(progress_id)
        order = VoucherOrder.objects.for_partner(progress.partner).get(pk=int(progress.subject_id))
        with progress_heartbeat(progress_id):
            content = order_pdf(order, progress_id)
        progress_finish(progress_id, filename=f"vouchers-order-{order.pk}.pdf", content=content)
    except Exception as error:
        progress_fail(progress_id, error=f"{type(error).__name__}: {error}")
        raise
