"""Vouchers: orders, their lines and codes (V-2…V-5), certificate requests (V-8, V-9)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.money import CURRENCY_CHOICES
from portal.tenancy.scoping import TenantModel
from portal.transitions import Transitions


class OrderStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    REPLACED = "replaced", _("Replaced")


# Every move of an order's and a code's status (portal.transitions): target ← allowed sources.
ORDER_MOVES = Transitions({OrderStatus.CANCELLED: {OrderStatus.COMPLETED}}, code="order_not_cancellable",
                          message=_("This order is %(status)s: it cannot be cancelled."))
CODE_MOVES = Transitions(
    {
        CodeStatus.USED: {CodeStatus.ACTIVE},  # redeemed (V-8)
        CodeStatus.EXPIRED: {CodeStatus.ACTIVE},  # the daily job (V-4)
        CodeStatus.CANCELLED: {CodeStatus.ACTIVE},  # its order cancelled (V-10)
        CodeStatus.REPLACED: {CodeStatus.ACTIVE},  # reissued (V-11)
        CodeStatus.ACTIVE: {CodeStatus.USED},  # its certificate request withdrawn within 30 days (V-9)
    },
    code="code_state",
    message=_("This voucher code is %(status)s: it cannot change like this."),
)


class ShippingMethod(models.TextChoices):
    NONE = "", _("None")
    STANDARD = "standard", _("Standard shipping")
    EXPRESS = "express", _("Express shipping")


class VoucherOrder(TenantModel):
    """One order for one end customer, paid from the account balance; stores its total (history,
    never recomputed from today's prices)."""

    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.COMPLETED)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    order_date = models.DateField(_("order date"))  # partner's wall-clock date at creation
    expires_on = models.DateField(_("vouchers usable until"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("ordered by"))
    delegated = models.BooleanField(_("ordered by the operator on the partner's behalf"), default=False)
    receipt_id = models.CharField(_("receipt"), max_length=32, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher order")
        verbose_name_plural = _("voucher orders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="voucher_order_recent")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_name}".strip()


class VoucherOrderLine(TenantModel):
    order = models.ForeignKey(VoucherOrder, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))
    years = models.PositiveSmallIntegerField(_("validity (years)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    fqdns = models.PositiveSmallIntegerField(_("FQDNs"), default=0)
    wildcards = models.PositiveSmallIntegerField(_("wildcards"), default=0)
    shipping_method = models.CharField(_("token shipping"), max_length=12, choices=ShippingMethod.choices,
                                       default=ShippingMethod.NONE, blank=True)
    code_signing_addon = models.BooleanField(_("code-signing add-on"), default=False)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=2)
    line_price = models.DecimalField(_("line price"), max_digits=16, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("voucher order line")
        verbose_name_plural = _("voucher order lines")
        ordering = ["order", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=1000), name="line_quantity_1_1000"),
            models.CheckConstraint(condition=Q(fqdns__lte=250, wildcards__lte=250), name="line_names_0_250"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class VoucherCode(TenantModel):
    """A single-use code (V-3). Its pk is the stable Code ID shown to people."""

    order = models.ForeignKey(VoucherOrder, on_delete=models.PROTECT, related_name="codes")
    line = models.ForeignKey(VoucherOrderLine, on_delete=models.PROTECT, related_name="codes")
    value = models.CharField(_("code"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=CodeStatus.choices, default=CodeStatus.ACTIVE)
    expires_on = models.DateField(_("usable until"))
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("voucher code")
        verbose_name_plural = _("voucher codes")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["partner", "status"], name="voucher_code_status"),
            models.Index(fields=["status", "expires_on"], name="voucher_code_expiry"),
            # The order page: its codes by Code ID or by status (a page of 100 read from the index,
            # never a walk along every code of the partner), and V-10's "any code not Active?";
            # the dashboard's codes expiring this month: index-only, however many codes there are.
            models.Index(fields=["order", "id"], name="voucher_code_order"),
            models.Index(fields=["order", "status", "id"], name="voucher_code_order_status"),
            models.Index(fields=["partner", "status", "expires_on"], name="voucher_code_partner_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.masked}"

    @property
    def masked(self) -> str:
        return self.value[:5] + "*****"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending validation")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


REQUEST_MOVES = Transitions(
    {
        RequestStatus.ISSUED: {RequestStatus.PENDING},
        RequestStatus.REJECTED: {RequestStatus.PENDING},
        RequestStatus.CANCELLED: {RequestStatus.PENDING, RequestStatus.ISSUED},
        RequestStatus.REVOKED: {RequestStatus.ISSUED},
    },
    code="request_state",
    message=_("This request is %(status)s: it cannot change like this."),
)


class CertificateRequest(TenantModel):
    """An end customer's request made with a voucher code (V-8), reviewed by operator staff (V-9)."""

    code = models.ForeignKey(VoucherCode, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("requested by"))
    is_renewal = models.BooleanField(_("renewal"), default=False)
    common_name = models.CharField(_("common name"), max_length=253, blank=True)
    additional_names = ArrayField(models.CharField(max_length=253), default=list, blank=True,
                                  verbose_name=_("additional names"))
    wildcard_names = ArrayField(models.CharField(max_length=253), default=list, blank=True,
                                verbose_name=_("wildcard names"))
    organisation = models.CharField(_("organisation"), max_length=200)
    # Code-signing and token requests (V-8): the organisation instead of domain names.
    organisation_address = models.CharField(_("organisation address"), max_length=500, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    shipping_address = models.CharField(_("token shipping address"), max_length=500, blank=True)
    server_licences = models.PositiveSmallIntegerField(_("server licences"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    certificate_order_id = models.CharField(_("certificate order"), max_length=32, blank=True)
    order_valid_from = models.DateField(_("order valid from"), null=True, blank=True)
    order_valid_till = models.DateField(_("order valid till"), null=True, blank=True)
    cert_valid_from = models.DateField(_("certificate valid from"), null=True, blank=True)
    cert_valid_till = models.DateField(_("certificate valid till"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate request")
        verbose_name_plural = _("certificate requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one live request per code: the code's Used state is the lock, this the proof.
            models.UniqueConstraint(fields=["code"], condition=Q(status__in=["pending", "issued"]),
                                    name="one_live_request_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.get_status_display()})"
