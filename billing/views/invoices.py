"""Finance → Orders and invoices (B-4), and operator finance across partners (B-8, B-10)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.errors import form_service
from portal.listing import list_search, list_sort
from portal.onetime import form_once
from portal.tenancy.mixins import OperatorRequiredMixin, TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm

from .. import services
from ..exports import invoices_csv
from ..forms import InvoiceFilterForm, PaymentForm
from ..models import Invoice

__all__ = ["InvoiceDetailView", "InvoiceFileView", "InvoiceListView", "InvoicesCsvView", "OperatorInvoicesCsvView",
           "OperatorInvoicesView", "OperatorPaymentView"]


INVOICE_COLUMNS = {"number": ("number",), "period": ("period_start",), "issued": ("issue_date",),
                   "due": ("due_date",), "total": ("total",), "status": ("status",)}


def _filtered(queryset, request):
    """The filter form's status and kind, and `?q=` on the number (B-10's lists)."""
    form = InvoiceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    search = list_search(request)
    if search:
        queryset = queryset.filter(number__icontains=search)
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("kind"):
        queryset = queryset.filter(kind=data["kind"])
    return form, queryset


class InvoiceListView(TenantRequiredMixin, TemplateView):
    permission = Perm.INVOICES_VIEW
    template_name = "billing/invoices.html"

    def get_context_data(self, **kwargs):
        form, invoices = _filtered(Invoice.objects.for_tenant(self.tenant), self.request)
        sort = list_sort(self.request, INVOICE_COLUMNS, default="-issued")
        page = Paginator(sort.apply(invoices), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(form=form, page=page, sort=sort, search=list_search(self.request), **kwargs)


class InvoiceDetailView(TenantObjectMixin, TemplateView):
    """The invoice's figures and an in-browser preview of its PDF."""

    model = Invoice
    permission = Perm.INVOICES_VIEW
    template_name = "billing/invoice_detail.html"

    def get_context_data(self, **kwargs):
        invoice = get_object_or_404(self.get_queryset().select_related("credits"), pk=self.kwargs["pk"])
        return super().get_context_data(invoice=invoice, payments=invoice.payments.order_by("received_on"), **kwargs)


class InvoiceFileView(TenantObjectMixin, View):
    """The stored invoice or statement PDF (rendered once, at issue; identical on every download).
    Not stored yet (the issuing worker has not got to it): a worker is asked to render it and the
    request goes to its progress page (U-3); nothing is rendered here. POST is the progress
    page's *Try again*."""

    model = Invoice
    permission = Perm.INVOICES_VIEW
    document = "pdf"  # or "statement_pdf"

    def get(self, request, pk: int):
        invoice = get_object_or_404(self.get_queryset(), pk=pk)
        inline = request.GET.get("inline") == "1"
        response = invoice_file_response(invoice, self.document, inline=inline)
        if response is None:
            return self._render_later(invoice)
        if inline:  # the invoice page's preview embeds it; every other response may be framed by nothing
            response["X-Frame-Options"] = "SAMEORIGIN"
            response._csp_replace = {"frame-ancestors": ["'self'"]}
        return response

    def post(self, request, pk: int):
        invoice = get_object_or_404(self.get_queryset(), pk=pk)
        return self._render_later(invoice) if not getattr(invoice, self.document) else redirect(request.path)

    def _render_later(self, invoice: Invoice):
        progress = services.invoice_document_start(tenant=self.tenant, invoice=invoice, document=self.document)
        return redirect("task_progress", pk=progress.pk)


def invoice_file_response(invoice: Invoice, document: str, *, inline: bool = False) -> FileResponse | None:
    """The stored document, or None while no worker has stored it (the caller queues it)."""
    stored = getattr(invoice, document)
    if not stored:
        return None
    kind = "statement" if document == "statement_pdf" else "invoice"
    return FileResponse(stored.open("rb"), as_attachment=not inline, filename=f"{invoice.number}-{kind}.pdf",
                        content_type="application/pdf")


class InvoicesCsvView(TenantRequiredMixin, View):
    permission = Perm.INVOICES_VIEW

    def get(self, request):
        form = InvoiceFilterForm(request.GET or None)
        status = form.cleaned_data.get("status", "") if form.is_valid() else ""
        return invoices_csv(partner_id=self.tenant.partner.pk, status=status)


class OperatorInvoicesView(OperatorRequiredMixin, TemplateView):
    """Operator finance: every partner's invoices, payments recorded here (B-8)."""

    template_name = "billing/operator_invoices.html"

    def get_context_data(self, **kwargs):
        form, invoices = _filtered(Invoice.unscoped.select_related("partner"), self.request)
        page = Paginator(invoices, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(form=form, page=page, payment_form=PaymentForm(), **kwargs)


class OperatorInvoicesCsvView(OperatorRequiredMixin, View):
    def get(self, request):
        form = InvoiceFilterForm(request.GET or None)
        status = form.cleaned_data.get("status", "") if form.is_valid() else ""
        return invoices_csv(partner_id=None, status=status)


class OperatorPaymentView(OperatorRequiredMixin, View):
    model = Invoice

    def post(self, request, pk: int):
        invoice = get_object_or_404(Invoice.unscoped, pk=pk)
        return form_once(request, lambda: self._record(request, invoice))

    def _record(self, request, invoice):
        """B-8, once per form (portal.onetime): a double click records the payment once."""
        form = PaymentForm(request.POST)
        recorded = form.is_valid() and form_service(form, lambda: services.payment_record(
            actor=request.user, invoice=invoice, **form.cleaned_data))
        if recorded:
            messages.success(request, _("Payment recorded on %(number)s.") % {"number": invoice.number})
        else:
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{invoice.number} {label}: {' '.join(errors)}".strip())
        return recorded, redirect("operator_invoices")

