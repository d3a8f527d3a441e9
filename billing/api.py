"""Billing API views (DRF), built on portal.api.base: the balance and its ledger (B-7), invoices
and their PDFs (B-1…B-6)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from portal.api.base import TenantAPIView, TenantListAPIView, TenantReadOnlyViewSet
from portal.jobs.api import TaskProgressSerializer
from portal.tenancy.roles import Perm

from .models import BalanceAccount, Invoice, InvoiceKind, InvoiceStatus, LedgerEntry
from .selectors import ledger_entries
from .serializers import BalanceSerializer, LedgerEntrySerializer, LedgerFilterSerializer
from .services import balance_funds, invoice_document_start
from .views.invoices import invoice_file_response

# A stored PDF, or 202: not stored yet, its rendering queued (poll the task).
DOCUMENT_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY, 202: TaskProgressSerializer}


class BalanceView(TenantAPIView):
    """Finance → Balance: current balance, unpaid invoices, credit limit, funds available and the
    low-balance threshold."""

    model = BalanceAccount
    required_perm = Perm.BALANCE_VIEW

    @extend_schema(responses=BalanceSerializer)
    def get(self, request):
        partner = request.tenant.partner
        funds = balance_funds(partner=partner)
        return Response(BalanceSerializer({
            "currency": funds.currency, "balance": funds.balance, "unpaid_invoices": funds.unpaid_invoices,
            "credit_limit": funds.credit_limit, "available": funds.available, "tax_reserved": funds.tax_reserved,
            "low_balance_threshold": partner.low_balance_threshold,
        }).data)


class LedgerEntryListView(TenantListAPIView):
    """The ledger, newest first, filtered by type and by the partner's calendar dates."""

    model = LedgerEntry
    serializer_class = LedgerEntrySerializer
    required_perm = Perm.BALANCE_VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        filters = LedgerFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return ledger_entries(tenant=self.tenant, **filters.selector_filters())

    @extend_schema(parameters=[LedgerFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceSerializer(serializers.ModelSerializer):
    amount_due = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    credits = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True,
                                           help_text="The number of the invoice a credit note corrects; null "
                                                     "on an invoice.")
    pdf_url = serializers.SerializerMethodField()
    statement_pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "kind", "number", "period_start", "period_end", "issue_date", "due_date", "payment_terms",
                  "currency", "subtotal", "tax_rate", "tax", "total", "amount_paid", "amount_due", "status",
                  "bill_to", "credits", "pdf_url", "statement_pdf_url"]

    def _url(self, name, obj) -> str:
        return reverse(name, args=[obj.pk], request=self.context.get("request"))

    def get_pdf_url(self, obj) -> str:
        return self._url("invoice-pdf", obj)

    def get_statement_pdf_url(self, obj) -> str:
        return self._url("api_invoice_statement_pdf", obj)


class InvoiceFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, required=False)


class InvoiceViewSet(TenantReadOnlyViewSet):
    """Invoices and credit notes (B-1…B-6) with their stored PDFs (B-4)."""

    model = Invoice
    serializer_class = InvoiceSerializer
    required_perm = Perm.INVOICES_VIEW

    def get_queryset(self):
        queryset = super().get_queryset().select_related("credits")
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return queryset
        filters = InvoiceFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return queryset.filter(**filters.validated_data)

    @extend_schema(parameters=[InvoiceFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=DOCUMENT_RESPONSES)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """B-4: the stored invoice PDF; 202 with a task to poll if a worker has not stored it yet."""
        return document_or_progress(request, self.get_object(), "pdf")


class InvoiceStatementPdfView(TenantAPIView):
    """The itemised statement PDF (B-3) of one invoice."""

    model = Invoice
    required_perm = Perm.INVOICES_VIEW

    @extend_schema(responses=DOCUMENT_RESPONSES)
    def get(self, request, pk: int):
        """The stored statement PDF; 202 with a task to poll if a worker has not stored it yet."""
        invoice = get_object_or_404(Invoice.objects.for_tenant(request.tenant), pk=pk)
        return document_or_progress(request, invoice, "statement_pdf")


def document_or_progress(request, invoice: Invoice, document: str):
    """The stored document, or (U-3) its rendering queued and 202 with the task to poll at
    /api/v1/tasks/{id}/, whose download_url gives the PDF once done. Nothing renders here."""
    response = invoice_file_response(invoice, document)
    if response is not None:
        return response
    progress = invoice_document_start(tenant=request.tenant, invoice=invoice, document=document)
    return Response(TaskProgressSerializer(progress, context={"request": request}).data,
                    status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/tasks/{progress.pk}/"})
