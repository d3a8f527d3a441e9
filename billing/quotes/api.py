"""Quotes API (B-9, SPEC A): /api/v1/quotes/ — list, create (Products or Account credit),
retrieve with lines, delete permanently, the PDF, and e-mail the PDF to an address.

Permissions mirror the HTML pages (billing/quotes/views.py): QUOTES_VIEW reads and downloads,
QUOTES_MANAGE creates, deletes and e-mails. Every quote is loaded through the tenant-scoped
queryset: another partner's id is a 404. Rules (contract prices, amounts, addresses) are the
services' decisions; a refusal is a 400 naming the field (`lines[1].fqdns`, `credit_amount`, `to`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.base import TenantViewSet
from portal.api.lines import PricedLineSerializer, ProductLineInputSerializer
from portal.api.renderers import NO_FORMAT, PDF_RENDERERS, PDF_RESPONSES
from portal.dates import local_today
from portal.downloads import pdf_response
from portal.jobs.api import TaskProgressSerializer
from portal.jobs.models import ProgressStatus
from portal.tenancy.roles import Perm

from ..models import Quote, QuoteKind, QuoteLine
from . import selectors, services

_STATUS_CHOICES = [("valid", "Valid"), ("expired", "Expired")]


# --- output -------------------------------------------------------------------------------------

class QuoteLineSerializer(PricedLineSerializer):
    class Meta:
        model = QuoteLine
        fields = ["id", "product", "product_code", "product_name", "years", "quantity", "fqdns", "wildcards",
                  "unit_price", "line_price"]
        read_only_fields = fields


class QuoteSerializer(serializers.ModelSerializer):
    """A quote with its lines (none for Account credit); expects `lines` prefetched with their
    products and `today` (the partner's) in the context for the status."""

    number = serializers.CharField(source="__str__", read_only=True, help_text="As printed: Q + id.")
    lines = QuoteLineSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(help_text="Valid through `expires_on`, Expired after.")

    class Meta:
        model = Quote
        fields = ["id", "number", "kind", "memo", "currency", "total", "saved_on", "expires_on", "status",
                  "created_at", "lines"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=_STATUS_CHOICES))
    def get_status(self, quote: Quote) -> str:
        return "valid" if selectors.quote_is_valid(quote, today=self.context["today"]) else "expired"


# --- input --------------------------------------------------------------------------------------

class QuoteLineInputSerializer(ProductLineInputSerializer):
    max_lines = services.MAX_LINES
    too_many_message = _("A quote has at most 50 lines.")


# The schema names this body `QuoteRequest`, the request side of `Quote` (COMPONENT_SPLIT_REQUEST):
# then both share one `QuoteKindEnum`, where two component names would collide with the invoices'
# `kind` enum and make drf-spectacular warn.
@extend_schema_serializer(component_name="Quote")
class QuoteCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuoteKind.choices)
    memo = serializers.CharField(max_length=services.MAX_MEMO, allow_blank=True, default="",
                                 help_text="Internal description; never printed on the quote.")
    lines = QuoteLineInputSerializer(many=True, required=False,
                                     help_text="Products quotes only: one or more lines.")
    credit_amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False,
                                             help_text="Account credit quotes only: the amount, in the account "
                                                       "currency.")

    def service_arguments(self) -> dict:
        """The validated body as billing.quotes.services.quote_create takes it."""
        data = self.validated_data
        lines = data.get("lines")
        return {"kind": data["kind"], "memo": data["memo"], "credit_amount": data.get("credit_amount"),
                "lines": None if lines is None else [QuoteLineInputSerializer.line_input(line) for line in lines]}


class QuoteFilterSerializer(serializers.Serializer):
    """Query-string filters of the list; a bad value is a 400 naming the parameter."""

    kind = serializers.ChoiceField(choices=QuoteKind.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=_STATUS_CHOICES, required=False, allow_blank=True,
                                     help_text="valid: still valid today (partner's calendar); expired: past it.")


class QuoteEmailSerializer(serializers.Serializer):
    to = serializers.EmailField(max_length=254, help_text="One address; the quote is attached as a PDF.")


# --- views --------------------------------------------------------------------------------------

class QuoteViewSet(TenantViewSet, mixins.DestroyModelMixin):
    """Saved quotes (B-9): each is valid for 30 days from the day it was saved (`expires_on`)."""

    model = Quote
    serializer_class = QuoteSerializer
    required_perm = Perm.QUOTES_VIEW
    required_perms = {"create": Perm.QUOTES_MANAGE, "destroy": Perm.QUOTES_MANAGE, "email": Perm.QUOTES_MANAGE}

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.action == "list":
            filters = QuoteFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = selectors.quotes_for(tenant=self.tenant, **filters.validated_data)
        lines = QuoteLine.objects.for_tenant(self.tenant).select_related("product").order_by("position", "id")
        return queryset.prefetch_related(Prefetch("lines", queryset=lines))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        tenant = getattr(self.request, "tenant", None)
        if tenant is not None:
            context["today"] = local_today(tenant.partner.time_zone)
        return context

    @extend_schema(parameters=[QuoteFilterSerializer])
    def list(self, request, *args, **kwargs):
        """Saved quotes, newest first, filtered by type and status."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One quote with its lines (none for Account credit)."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=QuoteCreateSerializer, responses={201: QuoteSerializer})
    def create(self, request, *args, **kwargs):
        """Products: lines priced from the contract valid today. Account credit: one amount above zero."""
        payload = QuoteCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        quote = services.quote_create(tenant=request.tenant, **payload.service_arguments())
        data = self.get_serializer(self.get_queryset().get(pk=quote.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        """Delete the quote permanently: it cannot be restored."""
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: Quote) -> None:
        services.quote_delete(tenant=self.request.tenant, quote=instance)

    @extend_schema(parameters=[NO_FORMAT], responses={**PDF_RESPONSES, 202: TaskProgressSerializer})
    @action(detail=True, methods=["get"], renderer_classes=PDF_RENDERERS)
    def pdf(self, request, pk=None):
        """The quote as a PDF in the partner's language (the internal description is not printed),
        as a worker made it; 202 with a task to poll at /api/v1/tasks/{id}/ while it is made."""
        quote = self.get_object()
        made = services.quote_pdf_current(tenant=request.tenant, quote=quote)
        if made is not None and made.status == ProgressStatus.DONE:
            with made.file.open("rb") as stored:
                return pdf_response(stored.read(), filename=f"quote-{quote}.pdf")
        progress = made or services.quote_pdf_start(tenant=request.tenant, quote=quote)
        return Response(TaskProgressSerializer(progress, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/tasks/{progress.pk}/"})

    @extend_schema(request=QuoteEmailSerializer, responses={202: QuoteEmailSerializer})
    @action(detail=True, methods=["post"])
    def email(self, request, pk=None):
        """Send the quote's PDF to one address; it goes out shortly (202)."""
        quote = self.get_object()
        payload = QuoteEmailSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.quote_email(tenant=request.tenant, quote=quote, to=payload.validated_data["to"])
        return Response(payload.data, status=status.HTTP_202_ACCEPTED)
