"""Subscriptions (R-1): licences a customer holds, co-terminous with its anniversary."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.tenancy.scoping import TenantModel


class Subscription(TenantModel):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="subscriptions")
    reseller = models.ForeignKey("tenancy.Reseller", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    product = models.ForeignKey("catalogue.LicenceProduct", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("solution"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    duration_years = models.PositiveSmallIntegerField(_("duration (years)"), default=1)
    licences = models.PositiveIntegerField(_("licences"), default=0)

    reseller_path = "customer__reseller"

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["end_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="one_subscription_per_customer_product"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="subscription_period"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.licences} × {self.product_id}"
