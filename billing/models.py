"""Billing models: the account balance and its append-only ledger (B-7)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.appendonly import AppendOnlyManager, AppendOnlyMixin, AppendOnlyQuerySet
from portal.money import CURRENCY_CHOICES
from portal.tenancy.scoping import TenantModel


class BalanceAccount(TenantModel):
    """The partner's running balance; its row is the lock every ledger posting takes (B-7).

    Funds available = balance + credit limit; the balance may go down to minus the limit."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    balance = models.DecimalField(_("balance"), max_digits=16, decimal_places=2, default=Decimal("0"))
    low_balance_notified = models.BooleanField(_("low-balance notice sent"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("balance account")
        verbose_name_plural = _("balance accounts")
        constraints = [models.UniqueConstraint(fields=["partner"], name="balance_account_one_per_partner")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.balance} {self.currency}"


class EntryType(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")
    PAYMENT = "payment", _("Payment")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerEntry(AppendOnlyMixin, TenantModel):
    """One movement of the balance. Charges are negative, refunds and payments positive."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    entry_type = models.CharField(_("type"), max_length=12, choices=EntryType.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    reference = models.CharField(_("reference"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("by"))

    objects = AppendOnlyManager()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="ledger_partner_recent")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(entry_type="charge", amount__lt=0) | Q(entry_type__in=["refund", "payment"], amount__gt=0)
                           | Q(entry_type="adjustment")),
                name="ledger_amount_sign_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.amount} {self.currency} ({self.reference})"
