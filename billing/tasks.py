"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import shared_task

from portal.dates import local_today
from portal.jobs.models import ProgressStatus, TaskProgress
from portal.jobs.progress import progress_fail, progress_finish, progress_heartbeat, progress_running
from portal.jobs.services import as_date, run_daily_per_partner, run_hourly_per_partner
from portal.mail import mail_task, send_partner_mail
from portal.money import Money, format_money
from portal.outbox import outbox_enqueue
from portal.tenancy.models import Partner

from . import services
from .models import Invoice, Quote
from .quotes import services as quote_services
from .services.invoices import invoices_issue_due


@shared_task(name="billing.tasks.issue_monthly_invoices")
def issue_monthly_invoices(today: str | None = None) -> dict:
    """B-1: hourly in the schedule; each time zone's partners are invoiced once their month has
    ended. Idempotent by the documents themselves (one per partner and month)."""
    return invoices_issue_due(today=as_date(today))


@shared_task(name="billing.tasks.send_low_balance_notices")
def send_low_balance_notices(today: str | None = None) -> dict:
    """J: hourly, once per partner and hour of its wall clock (a run row per hour); the crossing
    flag limits it to one e-mail per crossing."""
    return run_hourly_per_partner(
        job="send_low_balance_notices",
        today=today,
        work=lambda partner, day: services.balance_notify_low(partner=partner, today=day),
    )


@shared_task(name="billing.tasks.flag_overdue_invoices")
def flag_overdue_invoices(today: str | None = None) -> dict:
    """B-8 daily; it also hands documents whose e-mails never went out (a mail server down for
    longer than the task's retries) back to the workers, so an invoice is e-mailed in the end."""
    result = run_daily_per_partner(
        job="flag_overdue_invoices",
        today=today,
        work=lambda partner, day: services.invoice_flag_overdue(partner=partner, today=day),
    )
    pending = services.invoices_not_mailed()
    for start in range(0, len(pending), 100):
        outbox_enqueue(render_and_mail_invoices, pending[start:start + 100])
    return result | {"mail_retried": len(pending)}


@mail_task(name="billing.tasks.send_low_balance_email")
def send_low_balance_email(partner_id: int) -> int:
    partner = Partner.objects.get(pk=partner_id)
    funds = services.balance_funds(partner=partner)
    language = partner.language
    return send_partner_mail(partner=partner, template="low_balance", context={
        "available": format_money(Money(funds.available, funds.currency), language),
        "threshold": format_money(Money(partner.low_balance_threshold, funds.currency), language),
        "today": local_today(partner.time_zone),
    })


@mail_task(name="billing.tasks.render_and_mail_invoices")
def render_and_mail_invoices(invoice_ids: list[int]) -> int:
    """B-4: store each new document's invoice and statement PDFs, then e-mail both to the
    partner's billing contact. Returns how many messages went out.

    Enqueued on commit, so a rolled-back issue never gets here. Safe to redeliver and to retry
    (mail_task retries mail-server errors): a stored PDF is never rendered again, and a document
    whose e-mails went out is skipped (invoice_documents_mail claims the sending). One document's
    failure does not hold back the rest of the batch: the first error is raised once every
    document has been tried, so a retry only redoes what failed."""
    from .documents import invoice_documents_mail, invoice_documents_store  # WeasyPrint loads in workers only

    sent, failure = 0, None
    for invoice in Invoice.unscoped.filter(pk__in=invoice_ids).select_related("partner", "credits").order_by("id"):
        try:
            invoice_documents_store(invoice)
            sent += invoice_documents_mail(invoice)
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure
    return sent


@shared_task(name="billing.tasks.build_invoice_document")
def build_invoice_document(progress_id: int) -> None:
    """U-3: an invoice PDF or statement PDF asked for before the issuing task stored it. Stores
    both documents (each only if not stored yet, billing.documents) and puts the one asked for on
    the TaskProgress for the waiting page's download. A no-op once the row is Done or Failed; any
    failure marks it Failed (the page offers *Try again*) and is re-raised for the worker's log."""
    from .documents import document_filenames, invoice_documents_store  # WeasyPrint loads in workers only

    if TaskProgress.unscoped.filter(pk=progress_id, status__in=[ProgressStatus.DONE, ProgressStatus.FAILED]).exists():
        return
    try:
        progress = progress_running(progress_id)
        invoice = (Invoice.objects.for_partner(progress.partner).select_related("partner", "credits")
                   .get(pk=int(progress.subject_id)))
        document = "statement_pdf" if progress.kind == services.DOCUMENT_KINDS["statement_pdf"] else "pdf"
        with progress_heartbeat(progress_id):
            invoice_documents_store(invoice)
        stored = getattr(invoice, document)
        with stored.open("rb") as handle:
            content = handle.read()
        filename = document_filenames(invoice)[1 if document == "statement_pdf" else 0]
        progress_finish(progress_id, filename=filename, content=content)
    except Exception as error:
        progress_fail(progress_id, error=f"{type(error).__name__}: {error}")
        raise


@shared_task(name="billing.tasks.build_quote_pdf")
def build_quote_pdf(progress_id: int) -> None:
    """B-9 / U-3: the quote PDF a TaskProgress names, stored on that row for the waiting page's
    download (and the next request for the same version). A no-op once Done or Failed; a failure
    marks it Failed (the page offers *Try again*) and is re-raised for the worker's log."""
    from .quotes.pdf import quote_number, quote_pdf  # WeasyPrint loads in workers only

    if TaskProgress.unscoped.filter(pk=progress_id, status__in=[ProgressStatus.DONE, ProgressStatus.FAILED]).exists():
        return
    try:
        progress = progress_running(progress_id)
        quote = Quote.objects.for_partner(progress.partner).select_related("partner").get(pk=int(progress.subject_id))
        with progress_heartbeat(progress_id):
            content = quote_pdf(quote)
        progress_finish(progress_id, filename=f"quote-{quote_number(quote)}.pdf", content=content)
    except Exception as error:
        progress_fail(progress_id, error=f"{type(error).__name__}: {error}")
        raise


@mail_task(name="billing.tasks.send_quote_email")
def send_quote_email(quote_id: int, to: str) -> int:
    """B-9: the quote's PDF to the one address the partner gave, in the partner's language."""
    return quote_services.quote_email_send(quote_id=quote_id, to=to)
