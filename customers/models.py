"""VIP customers (C-1…C-4) and purchase authorizations (C-5…C-9)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.catalogue.models import MarketSegment, OfferType
from portal.tenancy.scoping import TenantModel
from portal.transitions import Transitions


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")


INVITATION_MOVES = Transitions({InvitationStatus.ACCEPTED: {InvitationStatus.SENT}}, field="invitation_status",
                               code="invitation_state", message=_("This invitation is %(status)s."))


class Customer(TenantModel):
    """An end-customer company of one partner (and optionally one of its resellers). Its details
    cannot be edited after creation (C-1); the anniversary date never changes except by a
    processed renewal (R-6)."""

    reseller = models.ForeignKey("tenancy.Reseller", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("reseller"))
    vip_id = models.CharField(_("VIP ID"), max_length=20, unique=True)
    name = models.CharField(_("company name"), max_length=200)
    market_segment = models.CharField(_("market segment"), max_length=20, choices=MarketSegment.choices)
    offer_type = models.CharField(_("offer type"), max_length=20, choices=OfferType.choices)
    region = models.CharField(_("region"), max_length=100)
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=20)
    contact_name = models.CharField(_("primary contact name"), max_length=200)
    contact_email = models.EmailField(_("primary contact e-mail"))
    anniversary = models.DateField(_("anniversary date"))
    custom_anniversary = models.BooleanField(_("custom anniversary date"), default=False)
    account_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("account manager"))
    invitation_status = models.CharField(_("invitation status"), max_length=10, choices=InvitationStatus.choices,
                                         default=InvitationStatus.SENT)
    admin_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="administered_customers", verbose_name=_("customer admin"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    reseller_path = "reseller"
    IMMUTABLE = ("name", "market_segment", "offer_type", "region", "address", "postal_code", "contact_name",
                 "contact_email", "anniversary", "partner_id", "vip_id")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["partner", "name"], name="customer_partner_name"),
            models.Index(fields=["partner", "anniversary"], name="customer_partner_anniversary"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vip_id})"

    def save(self, *args, **kwargs):
        """C-1: details, the anniversary included, are fixed once the customer exists."""
        if self.pk is not None and not self._state.adding and not kwargs.pop("renewal", False):
            stored = Customer.unscoped.filter(pk=self.pk).values(*self.IMMUTABLE).first()
            changed = [name for name in self.IMMUTABLE if stored and stored[name] != getattr(self, name)]
            if changed:
                from portal.appendonly import AppendOnlyError

                raise AppendOnlyError(f"customer details cannot be edited: {', '.join(changed)}")
        super().save(*args, **kwargs)


class PAStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    OVERDUE = "overdue", pgettext_lazy("authorization", "Overdue")
    ORDERED = "ordered", _("Ordered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURNED = "returned", _("Returned")


OVERDUE_AFTER_DAYS = 14

# Every move of a PA's status, in one table (portal.transitions): target ← allowed sources.
PA_MOVES = Transitions(
    {
        PAStatus.ORDERED: {PAStatus.PENDING, PAStatus.OVERDUE},
        PAStatus.CANCELLED: {PAStatus.PENDING, PAStatus.OVERDUE},
        PAStatus.RETURN_REQUESTED: {PAStatus.ORDERED},
        PAStatus.RETURNED: {PAStatus.RETURN_REQUESTED},
        PAStatus.OVERDUE: {PAStatus.PENDING},
    },
    code="pa_state",
    message=_("This purchase authorization is %(status)s: it cannot change like this."),
)


def pa_overdue_q(today: date) -> Q:
    """C-6/C-7: a PA is overdue once flagged, or while still Pending more than 14 days after its
    creation day (day 0): decided from the date itself, so the rule holds before the daily job
    has flagged it."""
    cutoff = today - timedelta(days=OVERDUE_AFTER_DAYS)
    return Q(status=PAStatus.OVERDUE) | Q(status=PAStatus.PENDING, created_on__lt=cutoff)


class PurchaseAuthorization(TenantModel):
    """Products added to a customer ahead of the vendor order (C-5); the partner records the
    vendor order within 14 days (C-6)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="authorizations")
    licence_type = models.CharField(_("licence type"), max_length=20, choices=OfferType.choices)
    po_number = models.CharField(_("customer PO number"), max_length=64, blank=True)
    deployment_date = models.DateField(_("deployment date"))
    status = models.CharField(_("status"), max_length=20, choices=PAStatus.choices, default=PAStatus.PENDING)
    vendor_order_number = models.CharField(_("vendor order number"), max_length=64, blank=True)
    requested_by_customer = models.BooleanField(_("requested by the customer"), default=False)
    created_on = models.DateField(_("created on"))  # the partner's date: the 14 days count from it
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True)

    reseller_path = "customer__reseller"

    class Meta:
        verbose_name = _("purchase authorization")
        verbose_name_plural = _("purchase authorizations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status", "created_on"], name="pa_partner_status_created"),
            models.Index(fields=["customer", "status"], name="pa_customer_status"),
            # Covers the list's filter counts (customers.selectors): an index-only scan per partner.
            models.Index(fields=["partner", "customer", "status"], name="pa_partner_customer_status"),
        ]

    def __str__(self) -> str:
        return f"PA {self.pk} ({self.get_status_display()})"


class PALine(TenantModel):
    authorization = models.ForeignKey(PurchaseAuthorization, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("catalogue.LicenceProduct", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))
    licences = models.PositiveIntegerField(_("licences"))

    reseller_path = "authorization__customer__reseller"

    class Meta:
        verbose_name = _("purchase authorization line")
        verbose_name_plural = _("purchase authorization lines")
        ordering = ["authorization", "id"]
        constraints = [models.CheckConstraint(condition=Q(licences__gte=1), name="pa_line_at_least_one_licence")]

    def __str__(self) -> str:
        return f"{self.licences} × {self.product_id}"


class LicenceAssignment(TenantModel):
    """A licence of a PA line given to one of the customer's users by its admin (C-8)."""

    line = models.ForeignKey(PALine, on_delete=models.PROTECT, related_name="assignments")
    email = models.EmailField(_("user e-mail"))
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    reseller_path = "line__authorization__customer__reseller"

    class Meta:
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        constraints = [models.UniqueConstraint(fields=["line", "email"], name="one_licence_per_user_and_line")]

    def __str__(self) -> str:
        return self.email
