"""Vouchers API shapes: the order and its lines, codes as lists show them (V-3, V-5), and the
validation of order input and list filters. Every bad value is reported on the field it came in
(`lines[1].quantity`, `created_to`); whether a product is in the partner's contract is the
pricing service's decision, not ours."""

from __future__ import annotations

from dataclasses import asdict, replace

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.lines import PricedLineSerializer, ProductLineInputSerializer
from portal.catalogue.models import Product

from .models import CodeStatus, OrderStatus, ShippingMethod, VoucherCode, VoucherOrder, VoucherOrderLine
from .selectors import redemption_url
from .services import LineRequest
from .services.orders import MAX_LINES

LISTED_CODE_STATUSES = [choice for choice in CodeStatus.choices if choice[0] != CodeStatus.REPLACED]


# --- output -------------------------------------------------------------------------------------

class VoucherOrderLineSerializer(PricedLineSerializer):
    class Meta:
        model = VoucherOrderLine
        fields = ["id", "product", "product_code", "product_name", "years", "quantity", "fqdns", "wildcards",
                  "code_signing_addon", "shipping_method", "unit_price", "line_price"]
        read_only_fields = fields


class VoucherOrderSerializer(serializers.ModelSerializer):
    """An order with its lines; expects `lines` prefetched with their products."""

    lines = VoucherOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = VoucherOrder
        fields = ["id", "status", "customer_name", "notes", "currency", "total", "order_date", "expires_on",
                  "receipt_id", "created_at", "cancelled_at", "lines"]
        read_only_fields = fields


class VoucherCodeSerializer(serializers.ModelSerializer):
    """A code as lists show it: masked (`26YNR*****`) unless the serializer context says
    `reveal=True`, which the view sets only for callers allowed to see codes (V-3). Expects
    `line__product` selected."""

    order = serializers.IntegerField(source="order_id", read_only=True)
    product_kind = serializers.CharField(source="line.product.kind", read_only=True)
    product_name = serializers.CharField(source="line.product.name", read_only=True)
    years = serializers.IntegerField(source="line.years", read_only=True)
    fqdns = serializers.IntegerField(source="line.fqdns", read_only=True)
    wildcards = serializers.IntegerField(source="line.wildcards", read_only=True)
    shipping_method = serializers.ChoiceField(source="line.shipping_method", choices=ShippingMethod.choices,
                                              read_only=True)
    value = serializers.SerializerMethodField(help_text="The code; masked unless the caller may reveal codes.")
    redemption_url = serializers.SerializerMethodField(help_text="Only for callers who may reveal codes.")

    class Meta:
        model = VoucherCode
        fields = ["id", "order", "status", "product_kind", "product_name", "years", "fqdns", "wildcards",
                  "shipping_method", "expires_on", "value", "redemption_url"]
        read_only_fields = fields

    def _reveal(self) -> bool:
        return bool(self.context.get("reveal"))

    def get_value(self, code: VoucherCode) -> str:
        return code.value if self._reveal() else code.masked

    def get_redemption_url(self, code: VoucherCode) -> str | None:
        return redemption_url(code) if self._reveal() else None


# --- input --------------------------------------------------------------------------------------

class VoucherOrderLineInputSerializer(ProductLineInputSerializer):
    # The service's own refusals (same codes and messages), checked before validating lines.
    max_lines = MAX_LINES
    too_many_message = _("An order has at most 50 lines.")
    empty_message = _("Add at least one product.")

    code_signing_addon = serializers.BooleanField(default=False,
                                                  help_text="The code-signing add-on, for products that offer it.")
    shipping_method = serializers.ChoiceField(choices=ShippingMethod.choices, allow_blank=True, default="",
                                              help_text="EV code signing only: how the hardware token ships.")

    @classmethod
    def line_request(cls, data: dict) -> LineRequest:
        """A validated line as vouchers.services.voucher_order_create takes it."""
        line = replace(cls.line_input(data), code_signing_addon=data["code_signing_addon"])
        return LineRequest(**asdict(line), shipping_method=data["shipping_method"])


class VoucherOrderCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    notes = serializers.CharField(max_length=500, allow_blank=True, default="",
                                  help_text="Internal only, for example your invoice number.")
    lines = VoucherOrderLineInputSerializer(many=True)

    def validate_lines(self, lines: list[dict]) -> list[LineRequest]:
        """Every product id must exist (one query for all lines); an unknown one is reported on
        its line, `lines[i].product`."""
        known = set(Product.objects.filter(pk__in={line["product"] for line in lines}).values_list("pk", flat=True))
        if any(line["product"] not in known for line in lines):
            raise serializers.ValidationError(
                [{} if line["product"] in known else {"product": [_("No product has this id.")]} for line in lines],
                code="does_not_exist")
        return [VoucherOrderLineInputSerializer.line_request(line) for line in lines]


def _check_date_range(data: dict, start: str, end: str) -> dict:
    """Query-string date filters: an end before the start is refused on the end parameter."""
    if data.get(start) and data.get(end) and data[start] > data[end]:
        raise serializers.ValidationError({end: _("The end date is before the start date.")}, code="invalid_range")
    return data


class _OrderFilterSerializer(serializers.Serializer):
    """Query-string filters of orders. A bad value is a 400 naming the parameter, never a 500."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False, allow_blank=True)
    created_from = serializers.DateField(required=False, help_text="Order date on or after (YYYY-MM-DD).")
    created_to = serializers.DateField(required=False, help_text="Order date on or before (YYYY-MM-DD).")

    def validate(self, data):
        return _check_date_range(data, "created_from", "created_to")

    def export_filters(self) -> dict:
        """The validated filters as vouchers.exports.orders_csv takes them."""
        data = self.validated_data
        return {"status": data.get("status", ""), "date_from": data.get("created_from"),
                "date_to": data.get("created_to")}


class VoucherOrderFilterSerializer(_OrderFilterSerializer):
    """The orders list: by status, order date, and orders having a code in a given status."""

    code_status = serializers.ChoiceField(choices=LISTED_CODE_STATUSES, required=False, allow_blank=True,
                                          help_text="Orders with at least one code in this status.")

    def selector_filters(self) -> dict:
        """The validated filters as vouchers.selectors.voucher_orders takes them."""
        return self.export_filters() | {"code_status": self.validated_data.get("code_status", "")}


class VoucherOrderExportFilterSerializer(_OrderFilterSerializer):
    """The orders CSV (V-7 export 2). Its rows are orders, so the list's `code_status` is refused
    rather than silently ignored (which would return rows the caller did not ask for)."""

    def validate(self, data):
        if self.initial_data.get("code_status"):
            raise serializers.ValidationError({"code_status": _("The orders export cannot be filtered by code "
                                                                "status.")}, code="unsupported")
        return super().validate(data)


class VoucherCodeFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LISTED_CODE_STATUSES, required=False, allow_blank=True)
