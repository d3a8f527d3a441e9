"""The whole-order voucher PDF (V-6, U-3): queued here, rendered by vouchers.pdf in a worker."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError
from portal.jobs.models import TaskProgress
from portal.jobs.progress import progress_start
from portal.tenancy.context import Tenant

from ..models import VoucherOrder
from ..selectors import order_codes


def voucher_order_pdf_start(*, tenant: Tenant, order: VoucherOrder) -> TaskProgress:
    """Queue the whole-order PDF (U-3): a TaskProgress row counting one unit per voucher page,
    and `build_order_pdf` enqueued once the current transaction commits. Refused (409) for an
    order without Active codes."""
    from ..tasks import build_order_pdf  # the task module imports the services

    total = order_codes(order=order).count()
    if not total:
        raise PortalError("no_active_codes", _("This order has no Active codes to print."), status=409)
    return progress_start(tenant=tenant, kind="voucher_order_pdf", subject_id=order.pk, total=total,
                          task=build_order_pdf)
