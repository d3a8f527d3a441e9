"""Renewals API shapes: subscriptions with their R-2 colour and periods, renewals, pools and their
ledger, and the validation of input and list filters. Refusals (a pool short, too early, invalid
numbers) are the services' decisions, reported with their codes and fields."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import LicencePool, PoolEntry, PoolEntryKind, Renewal, Subscription, SubscriptionPeriod
from .selectors import STATES, Colour
from .services import RenewalLineInput
from .services.pools import MAX_LICENCE_YEARS
from .services.renewals import MAX_LICENCES, MAX_YEARS

# Expects the annotations of selectors.with_status and `customer`, `product` selected.


class SubscriptionSerializer(serializers.ModelSerializer):
    """A subscription (R-1) as the customers-to-renew list shows it (R-4)."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reseller = serializers.IntegerField(source="customer.reseller_id", read_only=True, allow_null=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    colour = serializers.ChoiceField(choices=Colour.choices, read_only=True,
                                     help_text="R-2: red ended, orange ends within 3 months, blue not started yet, "
                                               "green renewed (the running period's dates are shown), none running.")
    colour_label = serializers.SerializerMethodField()
    current_start = serializers.DateField(read_only=True, help_text="Start of the period running today.")
    current_end = serializers.DateField(read_only=True, help_text="End of the period running today.")
    current_years = serializers.IntegerField(read_only=True, help_text="Years of the period running today.")

    class Meta:
        model = Subscription
        fields = ["id", "customer", "customer_name", "reseller", "product", "product_sku", "product_name",
                  "current_start", "current_end", "current_years", "start_date", "end_date", "duration_years",
                  "licences", "status", "colour", "colour_label"]
        read_only_fields = fields

    def get_colour_label(self, subscription) -> str:
        return str(Colour(subscription.colour).label)


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionPeriod
        fields = ["kind", "start_date", "end_date", "years", "licences", "renewal"]
        read_only_fields = fields


class SubscriptionDetailSerializer(SubscriptionSerializer):
    """…with every period, the first term first (renewing appends one)."""

    periods = PeriodSerializer(many=True, read_only=True)

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "periods"]
        read_only_fields = fields


class SubscriptionFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES, required=False,
                                    help_text="A colour, `to_renew` (orange or red) or an R-6 window "
                                              "(`upcoming`, `ready`).")
    reseller = serializers.IntegerField(required=False, min_value=1)
    product = serializers.IntegerField(required=False, min_value=1)

    def selector_filters(self) -> dict:
        data = self.validated_data
        return {"state": data.get("state", ""), "reseller_id": data.get("reseller"),
                "product_id": data.get("product")}


class RenewalLineSerializer(serializers.Serializer):
    subscription = serializers.IntegerField(min_value=1)
    licences = serializers.IntegerField(min_value=0, max_value=MAX_LICENCES)


class RenewRequestSerializer(serializers.Serializer):
    years = serializers.IntegerField(min_value=1, max_value=MAX_YEARS)
    lines = RenewalLineSerializer(many=True, min_length=1, max_length=100,
                                  help_text="Each due subscription to renew with its licences; one left out "
                                            "(or with 0 licences) is not renewed.")

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {"years": data["years"],
                "lines": [RenewalLineInput(line["subscription"], line["licences"]) for line in data["lines"]]}


class RenewalSerializer(serializers.ModelSerializer):
    periods = PeriodSerializer(many=True, read_only=True)
    renewed_by = serializers.EmailField(source="created_by.email", read_only=True)

    class Meta:
        model = Renewal
        fields = ["id", "customer", "years", "previous_anniversary", "new_anniversary", "renewed_on", "renewed_by",
                  "created_at", "periods"]
        read_only_fields = fields


class RenewalOptionSerializer(serializers.Serializer):
    """R-5's numbers for one due subscription."""

    subscription = serializers.IntegerField(source="subscription.pk")
    product = serializers.IntegerField(source="subscription.product_id")
    product_name = serializers.CharField(source="subscription.product.name")
    available = serializers.IntegerField(help_text="Licence-years in the pool that allocates the licences.")
    held = serializers.IntegerField(help_text="Licences the customer holds.")
    assigned = serializers.IntegerField(help_text="Of which given to its users.")


class RenewalOptionsSerializer(serializers.Serializer):
    anniversary = serializers.DateField()
    renewable_from = serializers.DateField()
    access_ends_on = serializers.DateField()
    renewable = serializers.BooleanField()
    pool_reseller = serializers.IntegerField(allow_null=True, help_text="The reseller whose pool is used; "
                                                                        "null: the partner's own pool.")
    lines = RenewalOptionSerializer(many=True)


class PoolSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    reseller_name = serializers.CharField(source="reseller.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LicencePool
        fields = ["id", "product", "product_sku", "product_name", "reseller", "reseller_name", "balance",
                  "updated_at"]
        read_only_fields = fields


class PoolEntrySerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PoolEntry
        fields = ["id", "created_at", "pool", "product", "reseller", "kind", "quantity", "balance_after",
                  "reference", "reason", "renewal", "ledger_entry", "created_by"]
        read_only_fields = fields


class PoolEntryFilterSerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=PoolEntryKind.choices, required=False)
    pool = serializers.CharField(required=False, help_text="`partner` (the partner's own pool) or a reseller id.")
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate_pool(self, value: str) -> str:
        if value != "partner" and not value.isdigit():
            raise serializers.ValidationError(_("Enter `partner` or a reseller id."))
        return value

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": _("The end date is before the start date.")})
        return data

    def selector_filters(self) -> dict:
        data = self.validated_data
        return {"product_id": data.get("product"), "kind": data.get("kind", ""), "reseller": data.get("pool", ""),
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}


class PoolPurchaseSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, help_text="A licence product of the contract price table.")
    licence_years = serializers.IntegerField(min_value=1, max_value=MAX_LICENCE_YEARS)


class PoolTransferSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    reseller = serializers.IntegerField(min_value=1, help_text="One of the partner's resellers.")
    licence_years = serializers.IntegerField(min_value=1, max_value=MAX_LICENCE_YEARS)
