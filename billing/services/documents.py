"""An invoice's PDFs asked for before a worker stored them (U-3): queued here, never rendered in
the request. billing.tasks.build_invoice_document stores both documents (billing.documents) and
hands the one asked for to the waiting page."""

from __future__ import annotations

from django.db import transaction

from portal.jobs.models import TaskProgress
from portal.jobs.progress import progress_current, progress_start
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner

from ..models import Invoice

# The invoice's file field → the kind of work that makes it (registered in BillingConfig.ready).
DOCUMENT_KINDS = {"pdf": "invoice_pdf", "statement_pdf": "invoice_statement_pdf"}


def invoice_document_start(*, tenant: Tenant, invoice: Invoice, document: str) -> TaskProgress:
    """Queue the rendering of `invoice`'s `document` ("pdf" or "statement_pdf"): a TaskProgress
    of one unit, its task enqueued once the current transaction commits. A job for the same
    document still queued or running is handed out again instead of starting another."""
    from ..tasks import build_invoice_document  # the task module imports the services

    kind = DOCUMENT_KINDS[document]
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=invoice.partner_id).first()  # one start at a time
        current = progress_current(tenant=tenant, kind=kind, subject_id=invoice.pk, version="")
        if current is not None:
            return current
        return progress_start(tenant=tenant, kind=kind, subject_id=invoice.pk, total=1, task=build_invoice_document)
