"""The whole-order voucher PDF (V-6, U-3): queued here, rendered by vouchers.pdf in a worker."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError
from portal.jobs.models import TaskProgress
from portal.jobs.progress import progress_current, progress_start
from portal.ratelimit import partner_limit
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner

from ..models import VoucherOrder
from ..selectors import order_codes


def voucher_order_pdf_start(*, tenant: Tenant, order: VoucherOrder) -> TaskProgress:
    """Queue the whole-order PDF (U-3): a TaskProgress row counting one unit per voucher page,
    and `build_order_pdf` enqueued once the current transaction commits. Refused (409) for an
    order without Active codes. A running job, or a finished one of the same Active codes, is handed
    out again instead of starting another; new jobs are limited per partner (429)."""
    from ..tasks import build_order_pdf  # the task module imports the services

    codes = order_codes(order=order).aggregate(count=Count("id"), last=Max("id"), sum=Sum("id"))
    if not codes["count"]:
        raise PortalError("no_active_codes", _("This order has no Active codes to print."), status=409)
    version = f"{codes['count']}:{codes['last']}:{codes['sum']}"  # which codes are Active
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=order.partner_id).first()  # one start at a time
        current = progress_current(tenant=tenant, kind="voucher_order_pdf", subject_id=order.pk, version=version)
        if current is not None:
            return current  # running, or done with the same codes: the same file, no new work
        partner_limit("order_pdf", order.partner_id)  # new work is limited per partner
        return progress_start(tenant=tenant, kind="voucher_order_pdf", subject_id=order.pk, total=codes["count"],
                              task=build_order_pdf, version=version)
