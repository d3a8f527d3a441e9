"""Billing API views (DRF), built on portal.api.base: the balance and its ledger (B-7)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from portal.api.base import TenantAPIView, TenantListAPIView
from portal.tenancy.roles import Perm

from .models import BalanceAccount, LedgerEntry
from .selectors import ledger_entries
from .serializers import BalanceSerializer, LedgerEntrySerializer, LedgerFilterSerializer
from .services import balance_funds


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
            "credit_limit": funds.credit_limit, "available": funds.available,
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
