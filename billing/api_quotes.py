"""Quotes API (B-9, SPEC A): /api/v1/quotes/ — list, create (Products or Account credit),
retrieve with lines, delete permanently, the PDF, and e-mail the PDF to an address.

Permissions mirror the HTML pages (billing/views/quotes.py): QUOTES_VIEW reads and downloads,
QUOTES_MANAGE creates, deletes and e-mails. Every quote is loaded through the tenant-scoped
queryset: another partner's id is a 404. Rules (contract prices, amounts, addresses) are the
services' decisions; a refusal is a 400 naming the field (`lines[1].fqdns`, `credit_amount`, `to`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.base import TenantViewSet
from portal.catalogue.pricing import LineInput
from portal.dates import local_today
from portal.tenancy.roles import Perm

from .models import Quote, QuoteKind, QuoteLine
from .services import quotes as services

_PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}
_NO_FORMAT = OpenApiParameter("format", exclude=True)  # the file is the only representation
_STATUS_CHOICES = [("valid", "Valid"), ("expired", "Expired")]


class PdfRenderer(renderers.JSONRenderer):
    """Lets a client that asks for `Accept: application/pdf` reach the download instead of a 406.
    The PDF is a plain Django response DRF does not render; only errors come through here, as JSON."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


# --- output -------------------------------------------------------------------------------------

class QuoteLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

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
        return "valid" if services.quote_is_valid(quote, today=self.context["today"]) else "expired"


# --- input --------------------------------------------------------------------------------------

class QuoteLineListSerializer(serializers.ListSerializer):
    """Errors as the services report them: on `lines` for the list itself and `lines[i].<field>`
    for a line (DRF's dict-by-index errors would come out as `lines.i.<field>`)."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError([_("Expected a list of lines.")], code="not_a_list")
        if len(data) > services.MAX_LINES:
            raise serializers.ValidationError([_("A quote has at most 50 lines.")], code="too_many_lines")
        for number, item in enumerate(data, start=1):
            if not isinstance(item, Mapping):
                raise serializers.ValidationError(
                    [_("Line %(number)d is not an object.") % {"number": number}], code="invalid")
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                error.detail = [error.detail.get(index, {}) for index in range(len(data))]
            raise


class QuoteLineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, help_text="A product id from the price table.")
    years = serializers.IntegerField(min_value=1, max_value=6)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    fqdns = serializers.IntegerField(min_value=0, max_value=250, default=0)
    wildcards = serializers.IntegerField(min_value=0, max_value=250, default=0)

    class Meta:
        list_serializer_class = QuoteLineListSerializer


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
        """The validated body as billing.services.quote_create takes it."""
        data = self.validated_data
        lines = data.get("lines")
        return {"kind": data["kind"], "memo": data["memo"], "credit_amount": data.get("credit_amount"),
                "lines": None if lines is None else [
                    LineInput(product_id=line["product"], years=line["years"], quantity=line["quantity"],
                              fqdns=line["fqdns"], wildcards=line["wildcards"]) for line in lines]}


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
            queryset = services.quotes_for(tenant=self.tenant, **filters.validated_data)
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

    @extend_schema(parameters=[_NO_FORMAT], responses=_PDF)
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        """The quote as a PDF in the partner's language (the internal description is not printed)."""
        from .quote_pdf import quote_pdf  # WeasyPrint is heavy: load it when a PDF is asked for

        quote = self.get_object()
        response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="quote-{quote}.pdf"'
        return response

    @extend_schema(request=QuoteEmailSerializer, responses={202: QuoteEmailSerializer})
    @action(detail=True, methods=["post"])
    def email(self, request, pk=None):
        """Send the quote's PDF to one address; it goes out shortly (202)."""
        quote = self.get_object()
        payload = QuoteEmailSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.quote_email(tenant=request.tenant, quote=quote, to=payload.validated_data["to"])
        return Response(payload.data, status=status.HTTP_202_ACCEPTED)
