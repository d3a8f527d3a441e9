"""Vouchers API views (DRF), built on portal.api.base (SPEC A, V-2…V-11).

Permissions mirror the HTML views (vouchers/views/orders.py): VOUCHERS_VIEW reads orders and
their (masked) codes, VOUCHERS_MANAGE creates, cancels and reissues, VOUCHER_CODES_REVEAL shows
full code values and downloads anything that contains them (codes CSV, used-codes CSV, PDFs).
Every object is loaded through the tenant-scoped queryset: another partner's id is a 404.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.base import TenantAPIMixin, TenantAPIView, TenantViewSet
from portal.api.renderers import CSV_RENDERERS, CSV_RESPONSES, NO_FORMAT, PDF_RENDERERS, PDF_RESPONSES
from portal.downloads import no_store, pdf_response
from portal.jobs.api import TaskProgressSerializer
from portal.tenancy.roles import Perm

from . import exports, selectors, services
from .models import VoucherCode, VoucherOrder, VoucherOrderLine
from .serializers import (
    VoucherCodeFilterSerializer,
    VoucherCodeSerializer,
    VoucherOrderCreateSerializer,
    VoucherOrderExportFilterSerializer,
    VoucherOrderFilterSerializer,
    VoucherOrderSerializer,
)


def _can_reveal(request) -> bool:
    return request.tenant.can(Perm.VOUCHER_CODES_REVEAL)


class VoucherOrderViewSet(TenantViewSet):
    """Voucher orders (V-2, V-10): list with filters, create (paid from the balance, B-7),
    retrieve with lines, list codes, cancel, and start the whole-order PDF (V-6, U-3)."""

    model = VoucherOrder
    serializer_class = VoucherOrderSerializer
    required_perm = Perm.VOUCHERS_VIEW
    required_perms = {"create": Perm.VOUCHERS_MANAGE, "cancel": Perm.VOUCHERS_MANAGE,
                      "pdf": Perm.VOUCHER_CODES_REVEAL}
    _ORDER_ACTIONS = {"list", "retrieve", "create", "cancel"}  # those answering with orders and their lines

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.action == "list":
            filters = VoucherOrderFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = selectors.voucher_orders(tenant=self.tenant, **filters.selector_filters())
        if self.action in self._ORDER_ACTIONS:
            lines = VoucherOrderLine.objects.for_tenant(self.tenant).select_related("product")
            queryset = queryset.prefetch_related(Prefetch("lines", queryset=lines))
        return queryset

    def _order_data(self, order: VoucherOrder) -> dict:
        """The order as retrieve shows it, reloaded with its lines after a service changed it."""
        return VoucherOrderSerializer(self.get_queryset().get(pk=order.pk)).data

    @extend_schema(parameters=[VoucherOrderFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=VoucherOrderCreateSerializer, responses={201: VoucherOrderSerializer})
    def create(self, request, *args, **kwargs):
        payload = VoucherOrderCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = services.voucher_order_create(tenant=request.tenant, **payload.validated_data)
        return Response(self._order_data(order), status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[VoucherCodeFilterSerializer], responses=VoucherCodeSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=VoucherCodeSerializer)
    def codes(self, request, pk=None):
        """The order's codes as lists show them (Replaced codes hidden), masked unless the caller
        may reveal codes."""
        order = self.get_object()
        filters = VoucherCodeFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        codes = selectors.voucher_codes(tenant=request.tenant, order=order)
        if filters.validated_data.get("status"):
            codes = codes.filter(status=filters.validated_data["status"])
        page = self.paginate_queryset(codes)
        data = VoucherCodeSerializer(page, many=True, context={"reveal": _can_reveal(request)}).data
        return self.get_paginated_response(data)

    @extend_schema(request=None, responses={200: VoucherOrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """V-10: refused with 409 and the reason's code unless within 30 days and every code is
        Active."""
        order = services.voucher_order_cancel(tenant=request.tenant, order=self.get_object())
        return Response(self._order_data(order))

    @extend_schema(request=None, responses={202: TaskProgressSerializer})
    @action(detail=True, methods=["post"])
    def pdf(self, request, pk=None):
        """Start the whole-order PDF; poll the task at /api/v1/tasks/{id}/ until it is done."""
        progress = services.voucher_order_pdf_start(tenant=request.tenant, order=self.get_object())
        return Response(TaskProgressSerializer(progress).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/tasks/{progress.pk}/"})


@no_store
class VoucherCodeViewSet(TenantAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One code (as lists show it: a Replaced code is a 404), its reissue (V-11) and its PDF
    voucher (V-6)."""

    model = VoucherCode
    serializer_class = VoucherCodeSerializer
    required_perm = Perm.VOUCHERS_VIEW
    required_perms = {"reissue": Perm.VOUCHERS_MANAGE, "pdf": Perm.VOUCHER_CODES_REVEAL}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return selectors.voucher_codes(tenant=self.tenant)

    def get_serializer_context(self):
        return super().get_serializer_context() | {"reveal": _can_reveal(self.request)}

    @extend_schema(request=None, responses={201: VoucherCodeSerializer})
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        """V-11: the code is replaced at once (then a 404 here and gone from lists) by a new code
        with the same expiry date, which is returned."""
        new = services.voucher_code_reissue(tenant=request.tenant, code=self.get_object())
        new = self.get_queryset().get(pk=new.pk)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[NO_FORMAT], responses=PDF_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=PDF_RENDERERS)
    def pdf(self, request, pk=None):
        """V-6: the voucher as a one-page PDF in the partner's language."""
        from .pdf import voucher_pdf  # WeasyPrint is heavy: load it when a PDF is asked for

        code = self.get_object()
        return pdf_response(voucher_pdf(code), filename=f"voucher-{code.pk}.pdf")


@no_store
class VoucherOrderCodesCsvView(TenantAPIView):
    """V-7 export 4: one order's codes (full values), streamed."""

    model = VoucherOrder
    required_perm = Perm.VOUCHER_CODES_REVEAL
    renderer_classes = CSV_RENDERERS

    @extend_schema(operation_id="voucher_orders_codes_csv", parameters=[NO_FORMAT], responses=CSV_RESPONSES)
    def get(self, request, pk: int):
        order = get_object_or_404(self.get_queryset(), pk=pk)
        return exports.order_codes_csv(tenant=request.tenant, order=order)


class VoucherOrdersCsvView(TenantAPIView):
    """V-7 exports 1 and 2: every order, or filtered by status and order date, streamed."""

    model = VoucherOrder
    required_perm = Perm.VOUCHERS_VIEW
    renderer_classes = CSV_RENDERERS

    @extend_schema(operation_id="voucher_orders_export_csv",
                   parameters=[VoucherOrderExportFilterSerializer, NO_FORMAT], responses=CSV_RESPONSES)
    def get(self, request):
        filters = VoucherOrderExportFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return exports.orders_csv(tenant=request.tenant, **filters.export_filters())


@no_store
class VoucherUsedCodesCsvView(TenantAPIView):
    """V-7 export 3: every used code with the certificate requested with it, streamed."""

    model = VoucherCode
    required_perm = Perm.VOUCHER_CODES_REVEAL
    renderer_classes = CSV_RENDERERS

    @extend_schema(operation_id="voucher_codes_used_csv", parameters=[NO_FORMAT], responses=CSV_RESPONSES)
    def get(self, request):
        return exports.used_codes_csv(tenant=request.tenant)
