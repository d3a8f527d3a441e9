"""Customers API views (DRF): customers (C-1…C-4) and purchase authorizations (C-5…C-9) on
portal.api.base, and the customer admin's console (C-2, C-5, C-8).

Permissions mirror the HTML views (customers/views.py): CUSTOMERS_VIEW reads, CUSTOMERS_MANAGE
adds customers and creates, orders, cancels and returns PAs. Every object is loaded through the
tenant-scoped queryset: another partner's (or another reseller's) id is a 404.

The console belongs to a customer's admin, a person with no partner membership: its views are
not tenant views. They authenticate by session only and scope every query by
`Customer.admin_user == request.user`; any other customer's id is a 404.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal.api.base import IdempotencyMixin, TenantReadOnlyViewSet, TenantViewSet
from portal.api.pagination import PortalPagination
from portal.dates import local_today
from portal.tenancy.roles import Perm
from renewals.models import Subscription
from renewals.selectors import with_status

from . import selectors, services
from .models import Customer, LicenceAssignment, PALine, PurchaseAuthorization
from .serializers import (
    FILTERS,
    AuthorizationCreateSerializer,
    AuthorizationFilterSerializer,
    AuthorizationSerializer,
    ConsoleCustomerSerializer,
    CustomerCreateSerializer,
    CustomerDetailSerializer,
    CustomerFilterSerializer,
    CustomerSerializer,
    LicenceAssignmentSerializer,
    LicenceAssignSerializer,
    VendorOrderSerializer,
)


def _pa_lines(tenant):
    """Lines as AuthorizationSerializer shows them: product and the count of assigned licences."""
    return PALine.objects.for_tenant(tenant).select_related("product").annotate(assigned=Count("assignments"))


class CustomerPagination(PortalPagination):
    """The list's pages, documented with the `counts` the list adds next to them."""

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["counts"] = {
            "type": "object",
            "description": "Customers per filter (C-3), and all; with `mine`, only the caller's.",
            "properties": {name: {"type": "integer"} for name in ("all", *FILTERS)},
            "required": ["all", *FILTERS],
        }
        response["required"] = [*response.get("required", []), "counts"]
        return response


class CustomerViewSet(TenantViewSet):
    """VIP customers: list with the C-3 filters and their counts, add and invite (C-1, C-2),
    detail (C-4), and create a purchase authorization for one (C-5)."""

    model = Customer
    serializer_class = CustomerSerializer
    pagination_class = CustomerPagination
    required_perm = Perm.CUSTOMERS_VIEW
    required_perms = {"create": Perm.CUSTOMERS_MANAGE, "authorizations": Perm.CUSTOMERS_MANAGE}

    def _today(self):
        return local_today(self.tenant.partner.time_zone)

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.action == "list":
            filters = CustomerFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            self.list_filters = filters.selector_filters(user=self.tenant.user)
            return selectors.customer_list(tenant=self.tenant, today=self._today(), **self.list_filters)
        if self.action in ("retrieve", "create"):
            return self._detail_queryset(queryset)
        return queryset

    def _detail_queryset(self, queryset):
        authorizations = (PurchaseAuthorization.objects.for_tenant(self.tenant)
                          .prefetch_related(Prefetch("lines", queryset=_pa_lines(self.tenant))))
        subscriptions = with_status(Subscription.objects.for_tenant(self.tenant), self._today()).select_related(
            "product")
        return queryset.select_related("account_manager", "reseller").prefetch_related(
            Prefetch("subscriptions", queryset=subscriptions), Prefetch("authorizations", queryset=authorizations))

    def get_serializer_class(self):
        return CustomerDetailSerializer if self.action == "retrieve" else CustomerSerializer

    @extend_schema(parameters=[CustomerFilterSerializer])
    def list(self, request, *args, **kwargs):
        """C-3: customers by name, filtered; `counts` gives every filter's count (one aggregate,
        cached until a customer or authorization changes). Counts ignore `filter` and `q`, and
        follow `mine`."""
        page = self.paginate_queryset(self.get_queryset())
        selectors.annotate_page(tenant=self.tenant, customers=page, today=self._today())
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["counts"] = selectors.customer_filter_counts(
            tenant=self.tenant, today=self._today(), managed_by=self.list_filters["managed_by"])
        return response

    def retrieve(self, request, *args, **kwargs):
        """C-4: information, products (subscriptions) and every authorization, newest first, with
        its C-9 order duration."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=CustomerCreateSerializer, responses={201: CustomerDetailSerializer})
    def create(self, request, *args, **kwargs):
        """C-1, C-2: add the company and e-mail the contact an invitation; the VIP ID is issued at
        once. Its details, the anniversary included, can never be edited afterwards."""
        payload = CustomerCreateSerializer(data=request.data, context={"tenant": request.tenant})
        payload.is_valid(raise_exception=True)
        customer = services.customer_add(tenant=request.tenant, **payload.service_arguments())
        data = CustomerDetailSerializer(self.get_queryset().get(pk=customer.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AuthorizationCreateSerializer, responses={201: AuthorizationSerializer})
    @action(detail=True, methods=["post"])
    def authorizations(self, request, pk=None):
        """C-5: a purchase authorization; the customer is e-mailed. Refused (409
        `customer_overdue`) while the customer has an overdue one (C-7), and on
        `lines[i].product` for a product sold only directly by the vendor (P-4)."""
        customer = self.get_object()
        payload = AuthorizationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pa = services.pa_create(tenant=request.tenant, customer=customer, actor=request.tenant.user,
                                **payload.service_arguments())
        pa = (PurchaseAuthorization.objects.for_tenant(self.tenant).select_related("customer")
              .prefetch_related(Prefetch("lines", queryset=_pa_lines(self.tenant))).get(pk=pa.pk))
        return Response(AuthorizationSerializer(pa).data, status=status.HTTP_201_CREATED)


class AuthorizationViewSet(TenantReadOnlyViewSet):
    """Purchase authorizations: list (by status, by customer), retrieve, record the vendor order
    (C-6), cancel and request a return (C-8). A change refused by the PA's status is a 409
    `pa_state`."""

    model = PurchaseAuthorization
    serializer_class = AuthorizationSerializer
    required_perm = Perm.CUSTOMERS_VIEW
    required_perms = {"order": Perm.CUSTOMERS_MANAGE, "cancel": Perm.CUSTOMERS_MANAGE,
                      "request_return": Perm.CUSTOMERS_MANAGE}

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.action == "list":
            filters = AuthorizationFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = queryset.filter(**filters.queryset_filters())
        return queryset.select_related("customer").prefetch_related(
            Prefetch("lines", queryset=_pa_lines(self.tenant)))

    def _pa_data(self, pa: PurchaseAuthorization) -> dict:
        """The PA as retrieve shows it, reloaded after a service changed it."""
        return AuthorizationSerializer(self.get_queryset().get(pk=pa.pk)).data

    @extend_schema(parameters=[AuthorizationFilterSerializer])
    def list(self, request, *args, **kwargs):
        """Purchase authorizations, newest first."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=VendorOrderSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """C-6: record the vendor order of a Pending or Overdue PA; its lines become licences on
        the customer's subscriptions, ending on the anniversary."""
        pa = self.get_object()
        payload = VendorOrderSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pa = services.pa_order(tenant=request.tenant, pa=pa, **payload.validated_data)
        return Response(self._pa_data(pa))

    @extend_schema(request=None, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """C-8: only a Pending or Overdue PA none of whose licences is assigned (409
        `licences_assigned`). An Ordered PA is returned instead."""
        pa = services.pa_cancel(tenant=request.tenant, pa=self.get_object())
        return Response(self._pa_data(pa))

    @extend_schema(request=None, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def request_return(self, request, pk=None):
        """C-8: request the return of an Ordered PA (Return requested); operator staff confirm it
        (Returned), which removes the licences."""
        pa = services.pa_request_return(tenant=request.tenant, pa=self.get_object())
        return Response(self._pa_data(pa))


# --- the customer admin's console ----------------------------------------------------------------

class ConsoleAPIView(IdempotencyMixin, generics.GenericAPIView):
    """Base of the console's views: session only, any signed-in person, queries scoped by the
    customers they administer. Honours `Idempotency-Key` as the tenant views do
    (portal.api.base.TenantAPIMixin), keyed by the user."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    model = Customer

    def administered_customers(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: types only, no user
            return Customer.unscoped.none()
        return Customer.unscoped.filter(admin_user=self.request.user)


def _console_authorizations():
    """Authorizations as the console shows them, with who holds each line's licences. Reached
    through an administered customer (or filtered by one): never loaded on their own."""
    lines = (PALine.unscoped.select_related("product").annotate(assigned=Count("assignments"))
             .prefetch_related(Prefetch("assignments", queryset=LicenceAssignment.unscoped.order_by("email", "id"))))
    return PurchaseAuthorization.unscoped.prefetch_related(Prefetch("lines", queryset=lines))


class ConsoleCustomerListView(ConsoleAPIView, generics.ListAPIView):
    """The companies the signed-in person administers, with their products, their authorizations
    and who holds each licence."""

    serializer_class = ConsoleCustomerSerializer

    def get_queryset(self):
        # The colours follow the calendar of the partner of the first customer (a person rarely
        # administers customers of partners in different time zones).
        first = self.administered_customers().select_related("partner").first()
        today = local_today(first.partner.time_zone if first else "UTC")
        subscriptions = with_status(Subscription.unscoped.all(), today).select_related("product")
        return self.administered_customers().select_related("partner").prefetch_related(
            Prefetch("subscriptions", queryset=subscriptions),
            Prefetch("authorizations", queryset=_console_authorizations()))


class ConsoleProductRequestView(ConsoleAPIView):
    """C-5: the customer's admin asks for products; this creates a purchase authorization and
    e-mails the account manager. Refused like a partner's PA (C-7, P-4)."""

    serializer_class = AuthorizationSerializer

    def get_queryset(self):
        return self.administered_customers().select_related("partner")

    @extend_schema(request=AuthorizationCreateSerializer, responses={201: AuthorizationSerializer})
    def post(self, request, pk: int):
        customer = get_object_or_404(self.get_queryset(), pk=pk)
        payload = AuthorizationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pa = services.pa_create(customer=customer, actor=request.user, **payload.service_arguments())
        pa = _console_authorizations().select_related("customer").get(pk=pa.pk, customer=customer)
        return Response(AuthorizationSerializer(pa).data, status=status.HTTP_201_CREATED)


class ConsoleLicenceAssignView(ConsoleAPIView):
    """C-8: give one licence of an authorization line to a user of the company."""

    model = PALine
    serializer_class = LicenceAssignmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PALine.unscoped.none()
        return PALine.unscoped.filter(authorization__customer__in=self.administered_customers()).select_related(
            "authorization")

    @extend_schema(request=LicenceAssignSerializer, responses={201: LicenceAssignmentSerializer})
    def post(self, request, pk: int):
        line = get_object_or_404(self.get_queryset(), pk=pk)
        payload = LicenceAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assignment = services.licence_assign(actor=request.user, line=line, email=payload.validated_data["email"])
        return Response(LicenceAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)
