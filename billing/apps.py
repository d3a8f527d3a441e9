from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from portal.jobs.progress import progress_kind
        from portal.tenancy.roles import Perm

        from . import checks  # noqa: F401 (registers the start-up checks)

        # U-3: an invoice's PDFs asked for before a worker stored them (billing.services.documents)
        progress_kind("invoice_pdf", perm=Perm.INVOICES_VIEW, subject_url="invoice", retry_url="invoice_pdf")
        progress_kind("invoice_statement_pdf", perm=Perm.INVOICES_VIEW, subject_url="invoice",
                      retry_url="invoice_statement_pdf")
        progress_kind("quote_pdf", perm=Perm.QUOTES_VIEW, subject_url="quote", retry_url="quote_pdf")
