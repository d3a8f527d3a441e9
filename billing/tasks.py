"""Thin Celery wrappers: load, call the service through portal.jobs, return a summary."""

from celery import current_app, shared_task

from portal.dates import local_today
from portal.jobs.claims import document_claim, document_render_recorded
from portal.jobs.progress import progress_job
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
        outbox_enqueue(render_and_mail_invoices, pending[start:start + 100])  # PDFs mostly stored: batches do
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


@shared_task(name="billing.tasks.share_invoice_documents")
def share_invoice_documents(invoice_ids: list[int]) -> int:
    """B-4 at scale: the run's batch of new documents becomes one `render_and_mail_invoices` task
    per invoice (its invoice PDF and statement), on the documents queue, so that every worker
    consuming it takes a share. Returns
    how many tasks were handed out. A failure to hand one out is raised once all have been tried
    (the outbox then retries the batch; the documents already done are skipped).

    An in-process (eager) Celery, as in tests, renders the batch here instead, as one task: there
    is nobody to share it with."""
    if current_app.conf.task_always_eager:
        return render_and_mail_invoices(invoice_ids)
    failure = None
    for invoice_id in invoice_ids:
        try:
            render_and_mail_invoices.apply_async(([invoice_id],))
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure
    return len(invoice_ids)


@mail_task(name="billing.tasks.render_and_mail_invoices")
def render_and_mail_invoices(invoice_ids: list[int]) -> int:
    """B-4: store each new document's invoice and statement PDFs, then e-mail both to the
    partner's billing contact. Returns how many messages went out.

    Enqueued on commit, so a rolled-back issue never gets here. Safe to redeliver, to retry
    (mail_task retries mail-server errors) and to run on any number of workers at once: a worker
    claims a document's PDFs before rendering them (portal.jobs.claims) and skips one another
    worker holds (that worker stores and e-mails it); a stored PDF is never rendered again, and a
    document whose e-mails went out is skipped (invoice_documents_mail claims the sending). One
    document's failure does not hold back the rest of the batch: the first error is raised once
    every document has been tried, so a retry only redoes what failed."""
    sent, failure = 0, None
    for invoice in Invoice.unscoped.filter(pk__in=invoice_ids).select_related("partner", "credits").order_by("id"):
        try:
            sent += _invoice_documents_store_and_mail(invoice)
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure
    return sent


RENDER_KINDS = {"pdf": "invoice_pdf", "statement_pdf": "statement_pdf"}  # DocumentRender.kind


def _invoice_documents_store_and_mail(invoice: Invoice) -> int:
    from .documents import invoice_documents_mail  # WeasyPrint loads in workers only

    if not _invoice_documents_store(invoice, wait=False):
        return 0  # another worker is rendering it, and e-mails it after
    return invoice_documents_mail(invoice)


def _invoice_documents_store(invoice: Invoice, *, wait: bool) -> bool:
    """Store the invoice's PDFs not stored yet, under the invoice's claim (portal.jobs.claims).
    False if another worker holds the claim, unless `wait`: then once it is done (its PDFs are
    stored by then, and nothing is rendered twice)."""
    from .documents import invoice_documents_store  # WeasyPrint loads in workers only

    with document_claim("invoice_documents", invoice.pk, wait=wait) as claimed:
        if not claimed:
            return False
        invoice.refresh_from_db(fields=["pdf", "statement_pdf"])  # stored meanwhile by another worker?
        missing = [field for field in ("pdf", "statement_pdf") if not getattr(invoice, field)]
        if missing:
            with document_render_recorded([RENDER_KINDS[field] for field in missing], invoice.pk):
                invoice_documents_store(invoice)
    return True


@shared_task(name="billing.tasks.build_invoice_document")
def build_invoice_document(progress_id: int) -> None:
    """U-3: an invoice PDF or statement PDF asked for before the issuing task stored it. Stores
    both documents (each only if not stored yet, under the invoice's claim: if the monthly run's
    worker is rendering them, this waits for it and renders nothing) and puts the one asked for
    on the TaskProgress for the waiting page's download (progress_job: taken by one worker, a
    failure marks it Failed)."""
    from .documents import document_filenames  # WeasyPrint loads in workers only

    def make(progress):
        invoice = (Invoice.objects.for_partner(progress.partner).select_related("partner", "credits")
                   .get(pk=int(progress.subject_id)))
        document = "statement_pdf" if progress.kind == services.DOCUMENT_KINDS["statement_pdf"] else "pdf"
        _invoice_documents_store(invoice, wait=True)
        with getattr(invoice, document).open("rb") as handle:
            content = handle.read()
        return document_filenames(invoice)[1 if document == "statement_pdf" else 0], content

    progress_job(progress_id, make)


@shared_task(name="billing.tasks.build_quote_pdf")
def build_quote_pdf(progress_id: int) -> None:
    """B-9 / U-3: the quote PDF a TaskProgress names, stored on that row for the waiting page's
    download (and the next request for the same version); progress_job: taken by one worker, a
    failure marks it Failed."""
    from .quotes.pdf import quote_number, quote_pdf  # WeasyPrint loads in workers only

    def make(progress):
        quote = Quote.objects.for_partner(progress.partner).select_related("partner").get(pk=int(progress.subject_id))
        with document_render_recorded(["quote_pdf"], quote.pk):
            return f"quote-{quote_number(quote)}.pdf", quote_pdf(quote)

    progress_job(progress_id, make)


@mail_task(name="billing.tasks.send_quote_email")
def send_quote_email(quote_id: int, to: str) -> int:
    """B-9: the quote's PDF to the one address the partner gave, in the partner's language."""
    return quote_services.quote_email_send(quote_id=quote_id, to=to)
