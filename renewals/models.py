"""Renewals and licences (R-1…R-6).

- `Subscription` (R-1): the licences a customer holds for one solution, co-terminous with the
  customer's anniversary. Its dates and licence count describe its latest period; the periods
  themselves are kept in `SubscriptionPeriod` (renewing appends one, never overwrites).
- `LicencePool` and `PoolEntry` (R-5): licence-years a partner (or one of its resellers) holds per
  licence product, and the append-only ledger of every movement, with the balance after.
- `Renewal` (R-5): one processed renewal of a customer, shown in its renewal history.
- `RenewalNotice` (R-6): one notification e-mail per customer, anniversary and kind, at most once.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.appendonly import AppendOnlyManager, AppendOnlyMixin, AppendOnlyQuerySet
from portal.tenancy.scoping import TenantModel


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")  # A + 14 days passed without a renewal


class Subscription(TenantModel):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="subscriptions")
    reseller = models.ForeignKey("tenancy.Reseller", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    product = models.ForeignKey("catalogue.LicenceProduct", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("solution"))
    # The latest period. While a renewal waits for its period to start, `previous_start` holds the
    # start of the period still running (which ends when the latest one starts): R-2's green check.
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    previous_start = models.DateField(_("start of the running period"), null=True, blank=True)
    previous_years = models.PositiveSmallIntegerField(_("duration of the running period (years)"), null=True,
                                                      blank=True)
    duration_years = models.PositiveSmallIntegerField(_("duration (years)"), default=1)
    licences = models.PositiveIntegerField(_("licences"), default=0)
    # Renews with its customer: it ends on the customer's anniversary. A renewal that leaves it out
    # clears it (it then ends before the anniversary that moved on); a new term sets it again.
    renews = models.BooleanField(_("renews with the customer"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=SubscriptionStatus.choices,
                              default=SubscriptionStatus.ACTIVE)
    inactive_since = models.DateField(_("inactive since"), null=True, blank=True)

    reseller_path = "customer__reseller"

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["end_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="one_subscription_per_customer_product"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="subscription_period"),
            models.CheckConstraint(condition=Q(previous_start__isnull=True) | Q(previous_start__lt=F("start_date")),
                                   name="subscription_previous_before_latest"),
        ]
        indexes = [
            models.Index(fields=["partner", "end_date", "id"], name="subscription_partner_end"),
            # The customers-to-renew list: due subscriptions by end date, read in index order.
            models.Index(fields=["partner", "end_date", "id"], condition=Q(renews=True, licences__gt=0),
                         name="subscription_due_by_end"),
            models.Index(fields=["partner", "status", "end_date"], name="subscription_partner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.licences} × {self.product_id}"


class Renewal(TenantModel):
    """A processed renewal of a customer (R-5, R-6): its anniversary moved on by `years`."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="renewals")
    years = models.PositiveSmallIntegerField(_("years added"))
    previous_anniversary = models.DateField(_("previous anniversary"))
    new_anniversary = models.DateField(_("new anniversary"))
    renewed_on = models.DateField(_("renewed on"))  # the partner's date
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("renewed by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    reseller_path = "customer__reseller"

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One renewal per customer and anniversary, whatever double clicks or retries do.
            models.UniqueConstraint(fields=["customer", "previous_anniversary"], name="one_renewal_per_anniversary"),
            models.CheckConstraint(condition=Q(years__gte=1), name="renewal_at_least_one_year"),
        ]

    def __str__(self) -> str:
        return f"R{self.pk}"


class PeriodKind(models.TextChoices):
    INITIAL = "initial", _("First term")
    RENEWAL = "renewal", _("Renewal")


class SubscriptionPeriod(TenantModel):
    """One term of a subscription. Renewing appends a period; licences added mid-term by a
    purchase authorization are counted on the latest one."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="periods")
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    years = models.PositiveSmallIntegerField(_("duration (years)"))
    licences = models.PositiveIntegerField(_("licences"))
    renewal = models.ForeignKey(Renewal, on_delete=models.PROTECT, null=True, blank=True, related_name="periods")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    reseller_path = "subscription__customer__reseller"

    class Meta:
        verbose_name = _("subscription period")
        verbose_name_plural = _("subscription periods")
        ordering = ["subscription", "start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "start_date"], name="one_period_per_start"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.start_date}–{self.end_date}"


class LicencePool(TenantModel):
    """Licence-years of one licence product held by a partner (`reseller` empty) or by one of its
    resellers (R-5). The balance only moves through the pool ledger and never goes below zero."""

    reseller = models.ForeignKey("tenancy.Reseller", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("reseller"))
    product = models.ForeignKey("catalogue.LicenceProduct", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("licence product"))
    balance = models.IntegerField(_("licence-years available"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    reseller_path = "reseller"

    class Meta:
        verbose_name = _("licence pool")
        verbose_name_plural = _("licence pools")
        ordering = ["product__name", "reseller__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reseller", "product"], nulls_distinct=False,
                                    name="one_pool_per_owner_and_product"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="pool_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}/{self.reseller_id or '-'}/{self.product_id}: {self.balance}"


class PoolEntryKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    ALLOCATION = "allocation", _("Allocation to a reseller")
    RETURN = "return", _("Return from a reseller")
    RENEWAL = "renewal", _("Renewal")
    CORRECTION = "correction", _("Correction by the operator")


class PoolEntry(AppendOnlyMixin, TenantModel):
    """One movement of a licence pool (R-5), written once with the balance after it."""

    pool = models.ForeignKey(LicencePool, on_delete=models.PROTECT, related_name="entries")
    # Copied from the pool so the ledger filters and scopes without a join.
    reseller = models.ForeignKey("tenancy.Reseller", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("reseller"))
    product = models.ForeignKey("catalogue.LicenceProduct", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("licence product"))
    kind = models.CharField(_("type"), max_length=12, choices=PoolEntryKind.choices)
    quantity = models.IntegerField(_("licence-years"))
    balance_after = models.IntegerField(_("balance after"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    renewal = models.ForeignKey(Renewal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ledger_entry = models.ForeignKey("billing.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("charge"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    reseller_path = "reseller"
    objects = AppendOnlyManager()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool ledger entry")
        verbose_name_plural = _("pool ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="pool_entry_partner_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="pool_entry_balance_not_negative"),
            models.CheckConstraint(condition=~Q(quantity=0), name="pool_entry_moves_something"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} ({self.reference})"


class NoticeKind(models.TextChoices):
    READY = "ready", _("Renewal window open (30 days before the anniversary)")
    DUE = "due", _("Renewal due today (the anniversary)")
    FINAL = "final", _("Last notice before access is removed")


class RenewalNotice(TenantModel):
    """A renewal notification (R-6), recorded once per customer, anniversary and kind before its
    e-mails go out; `mailed_at` is claimed by the task that sends them, so a retry never resends."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    anniversary = models.DateField(_("anniversary"))
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    reseller_path = "customer__reseller"

    class Meta:
        verbose_name = _("renewal notice")
        verbose_name_plural = _("renewal notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "anniversary", "kind"], name="one_notice_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.anniversary} {self.kind}"
