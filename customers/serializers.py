"""Customers API shapes: customers (C-1…C-4), purchase authorizations with their lines and the
C-9 order duration (C-5…C-9), the customer console (C-2, C-5, C-8), and the validation of input
and list filters. Business refusals (P-4 products, C-7 overdue customers, the anniversary range,
state changes) are the services' decisions, reported with their codes and fields."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.lines import ProductLineListSerializer
from portal.catalogue.models import MarketSegment, OfferType
from portal.tenancy.models import Reseller
from renewals.models import Subscription

from .models import Customer, LicenceAssignment, PALine, PAStatus, PurchaseAuthorization
from .selectors import FILTERS
from .services import MAX_PA_LINES, CustomerInput, PALineInput, order_duration

# Same words as the list page's filters (customers/views.py), so they share their translations.
FILTER_CHOICES = list(zip(FILTERS, [_("No products"), _("Pending requests"), _("Overdue requests"),
                                    _("Upcoming renewals"), _("Ready for renewal")], strict=True))


# A PA's licence type is an offer type: the schema refers to the one OfferTypeEnum (which the
# customers' `offer_type` defines) instead of publishing the same choices under a second name,
# which drf-spectacular warns about.
@extend_schema_field({"$ref": "#/components/schemas/OfferTypeEnum"})
class LicenceTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=OfferType.choices, **kwargs)


# --- output: partner side ------------------------------------------------------------------------

# Loading contracts are comments, not docstrings: drf-spectacular publishes docstrings as the
# components' descriptions.

# Expects `account_manager` selected and `has_overdue` set on each row (as the list page does,
# from selectors.overdue_customer_ids).
class CustomerSerializer(serializers.ModelSerializer):
    """A customer as the C-3 list shows it."""

    account_manager = serializers.EmailField(source="account_manager.email", read_only=True, allow_null=True,
                                             help_text="The account manager's e-mail.")
    has_overdue_requests = serializers.BooleanField(
        source="has_overdue", read_only=True,
        help_text="An overdue purchase authorization: no new products until it is resolved (C-7).")
    renewal_colour = serializers.CharField(
        read_only=True, help_text="R-2: the colour of its most urgent subscription (red, orange, blue, green, "
                                  "none); empty without licences to renew.")

    class Meta:
        model = Customer
        fields = ["id", "vip_id", "name", "contact_email", "anniversary", "market_segment", "offer_type",
                  "account_manager", "invitation_status", "reseller", "has_overdue_requests", "renewal_colour"]
        read_only_fields = fields


# Expects `product` selected and renewals.selectors.with_status's annotations.
class CustomerSubscriptionSerializer(serializers.ModelSerializer):
    """A product the customer holds (R-1), co-terminous with its anniversary: the latest period's
    dates, the running period's end, the R-2 colour and whether the licences are active (R-6)."""

    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    current_end = serializers.DateField(read_only=True, help_text="End of the period running today.")
    colour = serializers.CharField(read_only=True, help_text="R-2: red, orange, blue, green or none.")

    class Meta:
        model = Subscription
        fields = ["id", "product", "product_sku", "product_name", "start_date", "end_date", "duration_years",
                  "licences", "current_end", "colour", "status"]
        read_only_fields = fields


# Expects `product` selected and the `assigned` count annotated.
class AuthorizationLineSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    assigned = serializers.IntegerField(read_only=True, help_text="Licences of this line given to users (C-8).")

    class Meta:
        model = PALine
        fields = ["id", "product", "product_sku", "product_name", "licences", "assigned"]
        read_only_fields = fields


class OrderDurationSerializer(serializers.Serializer):
    months = serializers.IntegerField()
    days = serializers.IntegerField()


# Expects `customer` (for its anniversary) and `lines` as AuthorizationLineSerializer needs them.
class AuthorizationSerializer(serializers.ModelSerializer):
    """A purchase authorization (C-5) with its lines."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    licence_type = LicenceTypeField(read_only=True)
    lines = AuthorizationLineSerializer(many=True, read_only=True)
    order_duration = serializers.SerializerMethodField(
        help_text="C-9: the prorated term to order, from the deployment date to the customer's anniversary.")

    class Meta:
        model = PurchaseAuthorization
        fields = ["id", "customer", "customer_name", "status", "licence_type", "po_number", "deployment_date",
                  "created_on", "ordered_on", "vendor_order_number", "requested_by_customer", "order_duration",
                  "lines"]
        read_only_fields = fields

    @extend_schema_field(OrderDurationSerializer)
    def get_order_duration(self, pa: PurchaseAuthorization) -> dict:
        months, days = order_duration(deployment_date=pa.deployment_date, anniversary=pa.customer.anniversary)
        return {"months": months, "days": days}


# Expects `account_manager` and `reseller` selected, `subscriptions` and `authorizations` prefetched
# as their serializers need them.
class CustomerDetailSerializer(CustomerSerializer):
    """C-4: the customer's information, products and authorization history (newest first)."""

    reseller_name = serializers.CharField(source="reseller.name", read_only=True, allow_null=True)
    subscriptions = CustomerSubscriptionSerializer(many=True, read_only=True)
    authorizations = AuthorizationSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "vip_id", "name", "market_segment", "offer_type", "region", "address", "postal_code",
                  "contact_name", "contact_email", "anniversary", "custom_anniversary", "invitation_status",
                  "account_manager", "reseller", "reseller_name", "created_at", "subscriptions", "authorizations"]
        read_only_fields = fields


# --- output: the customer console ----------------------------------------------------------------

class LicenceAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LicenceAssignment
        fields = ["id", "line", "email", "assigned_at"]
        read_only_fields = fields


# Expects `partner` selected, `subscriptions` and `authorizations` prefetched as their serializers
# need them, and each line's `assignments` prefetched.
class ConsoleCustomerSerializer(serializers.ModelSerializer):
    """A company the signed-in person administers: its products, its authorizations and who
    holds each licence."""

    partner_name = serializers.CharField(source="partner.name", read_only=True,
                                         help_text="Who sells to the company.")
    subscriptions = CustomerSubscriptionSerializer(many=True, read_only=True)
    authorizations = AuthorizationSerializer(many=True, read_only=True)
    assignments = serializers.SerializerMethodField(help_text="Licences given to users, by authorization line.")

    class Meta:
        model = Customer
        fields = ["id", "vip_id", "name", "anniversary", "partner_name", "subscriptions", "authorizations",
                  "assignments"]
        read_only_fields = fields

    @extend_schema_field(LicenceAssignmentSerializer(many=True))
    def get_assignments(self, customer: Customer) -> list[dict]:
        held = [assignment for pa in customer.authorizations.all() for line in pa.lines.all()
                for assignment in line.assignments.all()]
        return LicenceAssignmentSerializer(held, many=True).data


# --- input ---------------------------------------------------------------------------------------

class CustomerCreateSerializer(serializers.Serializer):
    """C-1: the company and its primary contact, who is invited at once (C-2). Needs `tenant` in
    the context to check the reseller."""

    name = serializers.CharField(max_length=200)
    market_segment = serializers.ChoiceField(choices=MarketSegment.choices)
    offer_type = serializers.ChoiceField(choices=OfferType.choices)
    region = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=300)
    postal_code = serializers.CharField(max_length=20)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(max_length=254)
    anniversary = serializers.DateField(required=False, allow_null=True,
                                        help_text="Only for a first term longer than 12 months (at most 36). "
                                                  "It can never be changed.")
    reseller = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        help_text="One of your resellers' ids. Not for reseller users, whose "
                                                  "customers are always their reseller's.")

    def validate_reseller(self, value: int | None) -> Reseller | None:
        if value is None:
            return None
        tenant = self.context["tenant"]
        if tenant.reseller is not None:
            raise serializers.ValidationError(_("Reseller users add customers of their own reseller only."),
                                              code="not_allowed")
        reseller = Reseller.objects.for_tenant(tenant).filter(pk=value).first()
        if reseller is None:
            raise serializers.ValidationError(_("None of your resellers has this id."), code="does_not_exist")
        return reseller

    def service_arguments(self) -> dict:
        """The validated body as customers.services.customer_add takes it."""
        data = dict(self.validated_data)
        reseller = data.pop("reseller", None)
        return {"data": CustomerInput(**data), "reseller": reseller}


# One line of a PA. Whether the product exists, is active and may go on a PA (P-4) is the
# service's decision, reported on `lines[i].product`. No docstring: drf-spectacular would publish it.
class AuthorizationLineInputSerializer(serializers.Serializer):
    max_lines = MAX_PA_LINES
    too_many_message = _("A purchase authorization has at most 20 lines.")
    empty_message = _("Add at least one product.")  # the service's own words and code (no_lines)

    product = serializers.IntegerField(min_value=1, help_text="A licence product id.")
    licences = serializers.IntegerField(min_value=1, max_value=10000)

    class Meta:
        list_serializer_class = ProductLineListSerializer


class AuthorizationCreateSerializer(serializers.Serializer):
    """C-5: products the customer gets ahead of the vendor order."""

    licence_type = LicenceTypeField()
    po_number = serializers.CharField(max_length=64, allow_blank=True, default="",
                                      help_text="The customer's PO number, if any.")
    deployment_date = serializers.DateField(help_text="Between today and the customer's anniversary date.")
    lines = AuthorizationLineInputSerializer(many=True)

    def service_arguments(self) -> dict:
        """The validated body as customers.services.pa_create takes it."""
        data = self.validated_data
        return {"licence_type": data["licence_type"], "po_number": data["po_number"],
                "deployment_date": data["deployment_date"],
                "lines": [PALineInput(product_id=line["product"], licences=line["licences"]) for line in data["lines"]]}


class VendorOrderSerializer(serializers.Serializer):
    vendor_order_number = serializers.CharField(max_length=64, help_text="The vendor's order number for this PA.")


class LicenceAssignSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The user of your company who gets one licence.")


# --- list filters --------------------------------------------------------------------------------

class CustomerFilterSerializer(serializers.Serializer):
    """Query-string filters of the C-3 list; a bad value is a 400 naming the parameter."""

    filter = serializers.ChoiceField(choices=FILTER_CHOICES, required=False, allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False,
                                    help_text="Managed by me: only the caller's customers as account manager "
                                              "(for an API key, its creator's).")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text="Name or e-mail containing this, or the exact VIP ID.")

    def selector_filters(self, *, user) -> dict:
        """The validated filters as customers.selectors.customer_list takes them."""
        data = self.validated_data
        return {"filter_name": data.get("filter", ""), "managed_by": user if data["mine"] else None,
                "search": data.get("q", "").strip()}


class AuthorizationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PAStatus.choices, required=False, allow_blank=True)
    customer = serializers.IntegerField(required=False, min_value=1, help_text="A customer id.")

    def queryset_filters(self) -> dict:
        data = self.validated_data
        filters = {"status": data["status"]} if data.get("status") else {}
        return filters | ({"customer_id": data["customer"]} if "customer" in data else {})
