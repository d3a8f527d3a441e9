"""Renewals API views (DRF) on portal.api.base: subscriptions with their R-2 colours and R-6
windows, a customer's renewal options and the renewal itself (R-5), renewal history, licence
pools, their ledger, buying and allocating licence-years.

Permissions mirror the pages (renewals/views.py): RENEWALS_VIEW reads, RENEWALS_MANAGE renews,
POOLS_VIEW reads pools, POOLS_MANAGE buys, allocates and takes back. Every object is loaded through
the tenant-scoped queryset: another partner's (or another reseller's) id is a 404.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.models import Customer
from portal.api.base import TenantAPIView, TenantListAPIView, TenantReadOnlyViewSet
from portal.dates import local_today
from portal.tenancy.roles import Perm

from . import selectors, services
from .models import LicencePool, PoolEntry, Renewal, Subscription, SubscriptionPeriod
from .serializers import (
    PoolEntryFilterSerializer,
    PoolEntrySerializer,
    PoolPurchaseSerializer,
    PoolSerializer,
    PoolTransferSerializer,
    RenewalOptionsSerializer,
    RenewalSerializer,
    RenewRequestSerializer,
    SubscriptionDetailSerializer,
    SubscriptionFilterSerializer,
    SubscriptionSerializer,
)


def _periods(tenant):
    return Prefetch("periods", queryset=SubscriptionPeriod.objects.for_tenant(tenant).order_by("start_date", "id"))


class SubscriptionViewSet(TenantReadOnlyViewSet):
    """Subscriptions (R-1) by end date with their R-2 colour: the customers-to-renew list (R-4)."""

    model = Subscription
    serializer_class = SubscriptionSerializer
    required_perm = Perm.RENEWALS_VIEW

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        today = local_today(self.tenant.partner.time_zone)
        if self.action == "list":
            filters = SubscriptionFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            return selectors.renewal_list(tenant=self.tenant, today=today, **filters.selector_filters())
        return selectors.with_status(queryset, today).select_related("customer", "product").prefetch_related(
            _periods(self.tenant))

    def get_serializer_class(self):
        return SubscriptionDetailSerializer if self.action == "retrieve" else SubscriptionSerializer

    @extend_schema(parameters=[SubscriptionFilterSerializer])
    def list(self, request, *args, **kwargs):
        """R-4: subscriptions that renew with their customer, by end date; filter by colour or
        window (`state`), reseller and solution. Reseller users see their reseller's customers."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """A subscription with its periods (renewing appends one)."""
        return super().retrieve(request, *args, **kwargs)


class CustomerRenewalView(TenantAPIView):
    """R-5 for one customer: GET the renewal's numbers, POST the renewal (send an
    `Idempotency-Key`: a retry replays the first answer)."""

    model = Customer
    required_perms = {"get": Perm.RENEWALS_VIEW, "post": Perm.RENEWALS_MANAGE}

    def _customer(self, pk: int) -> Customer:
        return get_object_or_404(Customer.objects.for_tenant(self.tenant).select_related("partner"), pk=pk)

    @extend_schema(responses=RenewalOptionsSerializer)
    def get(self, request, pk: int):
        customer = self._customer(pk)
        today = local_today(customer.partner.time_zone)
        lines = selectors.renewal_lines(customer=customer, today=today)
        opens_on = selectors.renewal_opens_on(customer.anniversary)
        return Response(RenewalOptionsSerializer({
            "anniversary": customer.anniversary, "renewable_from": opens_on,
            "access_ends_on": selectors.access_ends_on(customer.anniversary),
            "renewable": bool(lines) and today >= opens_on, "pool_reseller": customer.reseller_id,
            "lines": lines}).data)

    @extend_schema(request=RenewRequestSerializer, responses={201: RenewalSerializer})
    def post(self, request, pk: int):
        """Extend the due subscriptions by `years`, taking licences × years licence-years from the
        pool (409 `pool_short` on `lines[i].licences`; 409 `not_renewable` before A − 30 days)."""
        customer = self._customer(pk)
        payload = RenewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        renewal = services.customer_renew(tenant=request.tenant, customer=customer, **payload.service_arguments())
        renewal = Renewal.objects.for_tenant(self.tenant).select_related("created_by").prefetch_related(
            "periods").get(pk=renewal.pk)
        return Response(RenewalSerializer(renewal).data, status=status.HTTP_201_CREATED)


class RenewalViewSet(TenantReadOnlyViewSet):
    """Processed renewals, newest first (a customer's renewal history: `?customer=`)."""

    model = Renewal
    serializer_class = RenewalSerializer
    required_perm = Perm.RENEWALS_VIEW

    def get_queryset(self):
        queryset = super().get_queryset().select_related("created_by").prefetch_related("periods")
        customer = self.request.query_params.get("customer", "")
        return queryset.filter(customer_id=customer) if customer.isdigit() else queryset


class PoolViewSet(TenantReadOnlyViewSet):
    """Licence pools (R-5): licence-years per product, the partner's own (`reseller` null) and its
    resellers' (a reseller user sees its own); buy, allocate, take back."""

    model = LicencePool
    serializer_class = PoolSerializer
    required_perm = Perm.POOLS_VIEW
    required_perms = {"purchase": Perm.POOLS_MANAGE, "allocate": Perm.POOLS_MANAGE, "take_back": Perm.POOLS_MANAGE}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return selectors.pools_for(tenant=self.tenant)

    def _entry(self, entry: PoolEntry, code=status.HTTP_201_CREATED) -> Response:
        return Response(PoolEntrySerializer(entry).data, status=code)

    @extend_schema(request=PoolPurchaseSerializer, responses={201: PoolEntrySerializer})
    @action(detail=False, methods=["post"])
    def purchase(self, request):
        """Buy licence-years for the partner's pool at the contract price; the balance is charged
        (409 `insufficient_funds` beyond the funds available)."""
        payload = PoolPurchaseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._entry(services.pool_purchase(tenant=request.tenant, product_id=payload.validated_data["product"],
                                                  licence_years=payload.validated_data["licence_years"]))

    @extend_schema(request=PoolTransferSerializer, responses={201: PoolEntrySerializer})
    @action(detail=False, methods=["post"])
    def allocate(self, request):
        """Licence-years from the partner's pool to a reseller's (the reseller's entry)."""
        return self._transfer(request, services.pool_allocate)

    @extend_schema(request=PoolTransferSerializer, responses={201: PoolEntrySerializer})
    @action(detail=False, methods=["post"], url_path="take-back")
    def take_back(self, request):
        """Licence-years back from a reseller's pool to the partner's (the partner's entry)."""
        return self._transfer(request, services.pool_take_back)

    def _transfer(self, request, move) -> Response:
        payload = PoolTransferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._entry(move(tenant=request.tenant, product_id=data["product"], reseller_id=data["reseller"],
                                licence_years=data["licence_years"]))


class PoolEntryListView(TenantListAPIView):
    """The pool ledger, newest first, filtered by product, type, pool and the partner's dates."""

    model = PoolEntry
    serializer_class = PoolEntrySerializer
    required_perm = Perm.POOLS_VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        filters = PoolEntryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.pool_entries(tenant=self.tenant, **filters.selector_filters())

    @extend_schema(parameters=[PoolEntryFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
