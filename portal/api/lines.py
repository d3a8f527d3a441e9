"""Product lines in the API (`"lines": [{"product": 7, "years": 1, …}, …]`), shared by every
endpoint that takes or shows them (voucher orders, quotes).

Errors come out as the services report them: on `lines` for the list itself and `lines[i].<field>`
for a line. DRF reports a list's item errors as a dict by index, which the error format would turn
into `lines.i.<field>`; here they stay a list, one entry per line.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.catalogue.pricing import LineInput


# A stored line's product as every line output shows it: its id (`product`, in the subclass's
# Meta.fields) with its code and name. Expects `product` selected. No docstring: drf-spectacular
# would publish it as the description of every subclass's schema component.
class PricedLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)


class ProductLineListSerializer(serializers.ListSerializer):
    """The list of lines. Refused before any line is validated, with the service's own codes:
    not a list (`not_a_list`), empty when the child says `empty_message` (`no_lines`), more than
    the child's `max_lines` (`too_many_lines`, the child's `too_many_message`), an item that is not
    an object (`invalid`)."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError([_("Expected a list of lines.")], code="not_a_list")
        if not data and self.child.empty_message is not None:
            raise serializers.ValidationError([self.child.empty_message], code="no_lines")
        if len(data) > self.child.max_lines:
            raise serializers.ValidationError([self.child.too_many_message], code="too_many_lines")
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


# One line's shape. Whether the product is in the partner's contract, and the validity and names
# it allows, are the pricing service's decisions, not ours. Subclasses set `max_lines` and
# `too_many_message` (the service's limit and words), and `empty_message` to refuse an empty list
# here rather than leave it to the service. No docstring (see PricedLineSerializer).
class ProductLineInputSerializer(serializers.Serializer):
    max_lines: int
    too_many_message: str
    empty_message: str | None = None

    product = serializers.IntegerField(min_value=1, help_text="A product id from the price table.")
    years = serializers.IntegerField(min_value=1, max_value=6)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    fqdns = serializers.IntegerField(min_value=0, max_value=250, default=0)
    wildcards = serializers.IntegerField(min_value=0, max_value=250, default=0)

    class Meta:
        list_serializer_class = ProductLineListSerializer

    @staticmethod
    def line_input(data: dict) -> LineInput:
        """A validated line as pricing takes it."""
        return LineInput(product_id=data["product"], years=data["years"], quantity=data["quantity"],
                         fqdns=data["fqdns"], wildcards=data["wildcards"])
