"""Thin Celery wrappers: load, call the service, return a summary."""

from celery import shared_task

from portal.jobs.claims import document_render_recorded
from portal.jobs.progress import progress_job
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
    that row. Made once, however many workers share the documents queue: the worker that moves
    the row from Queued to Running renders it; any other delivery of the message (a redelivery,
    a second worker) finds it taken, done or given up and renders nothing. Any failure marks the
    row Failed (the waiting page says so) and is re-raised for the worker's log; no retry, since a
    rendering error is not transient. While it renders, the row gets a heartbeat: if the worker
    is killed, the beats stop and the row is shown as failed (and *Try again* starts a new job),
    not running for hours."""
    from .pdf import order_pdf  # WeasyPrint is heavy: load it in the worker that renders, not at import

    def make(progress):
        order = VoucherOrder.objects.for_partner(progress.partner).get(pk=int(progress.subject_id))
        with document_render_recorded(["voucher_order_pdf"], order.pk):
            return f"vouchers-order-{order.pk}.pdf", order_pdf(order, progress_id)

    progress_job(progress_id, make)
