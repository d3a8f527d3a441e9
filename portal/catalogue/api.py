from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api.base import TenantAPIView
from portal.dates import local_today
from portal.tenancy.roles import Perm

from .models import PriceEntry
from .selectors import price_table_for_display


class PriceEntrySerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code")
    product_kind = serializers.CharField(source="product.kind")

    class Meta:
        model = PriceEntry
        fields = ["id", "product", "product_code", "product_kind", "label", "years", "component",
                  "list_price", "discount_rate", "offered_price"]


class PriceTableSerializer(serializers.Serializer):
    currency = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    is_valid_today = serializers.BooleanField()
    entries = PriceEntrySerializer(many=True)


class PriceTableView(TenantAPIView):
    """The partner's contract price table (P-2): the one valid today, else the latest."""

    required_perm = Perm.PRICES_VIEW

    @extend_schema(responses=PriceTableSerializer)
    def get(self, request):
        today = local_today(request.tenant.partner.time_zone)
        view = price_table_for_display(tenant=request.tenant, on=today)
        if view.table is None:
            return Response({"errors": [{"field": None, "code": "no_price_table",
                                         "message": "This account has no contract price table."}]}, status=404)
        table = view.table
        return Response(PriceTableSerializer({
            "currency": table.currency, "valid_from": table.valid_from, "valid_until": table.valid_until,
            "is_valid_today": table.valid_from <= today <= table.valid_until, "entries": view.entries,
        }).data)
