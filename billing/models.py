"""Billing models: the account balance and its ledger (B-7), monthly invoices and credit notes
(B-1…B-6), payments (B-8) and quotes (B-9)."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.appendonly import AppendOnlyError, AppendOnlyManager, AppendOnlyMixin, AppendOnlyQuerySet
from portal.money import CURRENCY_CHOICES
from portal.tenancy.scoping import TenantModel
from portal.transitions import Transitions


class BalanceAccount(TenantModel):
    """The partner's running balance; its row is the lock every ledger posting takes (B-7).

    Funds available = balance + credit limit; the balance may go down to minus the limit."""

    # Indexed by balance_account_one_per_partner: a second index would be written by every new row.
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
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

    # Indexed by ledger_partner_sums, which leads with it: every index is written by every posting.
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    # A default, not auto_now_add: imports and the demo data record past postings (append-only all the same).
    # Read by partner only (ledger_partner_sums), the monthly run too (each partner's month of the
    # zone from that index); across partners only by the admin, newest id first.
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    entry_type = models.CharField(_("type"), max_length=12, choices=EntryType.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    reference = models.CharField(_("reference"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("by"), db_index=False)  # indexed where set

    objects = AppendOnlyManager()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The balance page lists in posting order; the funds check sums the open months' charges
            # from the index alone (tax_reserved). ledger_partner_sums, read backwards, also gives a
            # partner's entries newest first: no second (partner, -created_at) index to write.
            models.Index(fields=["partner", "-id"], name="ledger_partner_posted"),
            models.Index(fields=["partner", "created_at"], include=["entry_type", "amount"],
                         name="ledger_partner_sums"),
            # The monthly run's tax entries are nobody's: only postings made by a person are indexed.
            models.Index(fields=["created_by"], name="ledger_created_by", condition=Q(created_by__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(entry_type="charge", amount__lt=0) | Q(entry_type__in=["refund", "payment"], amount__gt=0)
                           | Q(entry_type="adjustment")),
                name="ledger_amount_sign_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.amount} {self.currency} ({self.reference})"


class LedgerItem(AppendOnlyMixin, TenantModel):
    """What a charge or refund was for, line by line: the itemised statement (B-3) is made of the
    items of the month's entries. Refund items carry negative amounts."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="items")
    description = models.CharField(_("product"), max_length=200)
    quantity = models.IntegerField(_("quantity"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    objects = AppendOnlyManager()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger item")
        verbose_name_plural = _("ledger items")
        ordering = ["entry", "position"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")


# Every move of an invoice's status after issue (portal.transitions): target ← allowed sources.
INVOICE_MOVES = Transitions(
    {InvoiceStatus.PAID: {InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE}, InvoiceStatus.OVERDUE: {InvoiceStatus.ISSUED}},
    code="invoice_state",
    message=_("This invoice is %(status)s: it cannot change like this."),
)


class DocumentSequence(models.Model):
    """Gap-free numbering (B-6): the next number is taken by an UPDATE of this row inside the
    issuing transaction, so the row stays locked until commit and a rolled-back issue gives its
    number back."""

    name = models.CharField(primary_key=True, max_length=20)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Invoice(TenantModel):
    """A monthly invoice or a credit note (B-1, B-2). Issued documents are history: their amounts,
    bill-to and issuer details are stored and never recomputed; only payment fields and the status
    change after issue (B-6)."""

    history_record: ClassVar[bool] = True  # payments and the overdue job change it, nobody by hand

    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(_("number"), max_length=20, unique=True)
    period_start = models.DateField(_("service period from"))
    period_end = models.DateField(_("service period to"))
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    payment_terms = models.CharField(_("payment terms"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    subtotal = models.DecimalField(_("subtotal"), max_digits=16, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    tax = models.DecimalField(_("tax"), max_digits=16, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=16, decimal_places=2, default=Decimal("0"))
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.ISSUED)
    bill_to = models.JSONField(_("bill to"), default=dict)
    issuer = models.JSONField(_("issuer"), default=dict)
    language = models.CharField(_("language"), max_length=8)
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes",
                                verbose_name=_("credits invoice"))
    pdf = models.FileField(_("invoice PDF"), upload_to="invoices/%Y/%m/", blank=True)
    statement_pdf = models.FileField(_("statement PDF"), upload_to="invoices/%Y/%m/", blank=True)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    IMMUTABLE = ("kind", "number", "period_start", "period_end", "issue_date", "due_date", "payment_terms",
                 "currency", "subtotal", "tax_rate", "tax", "total", "bill_to", "issuer", "language", "partner_id")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        constraints = [
            # B-1: one monthly document per partner and month, whatever runs or retries.
            models.UniqueConstraint(fields=["partner", "period_start"], condition=Q(credits__isnull=True),
                                    name="one_monthly_document_per_partner"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoice_paid_not_negative"),
        ]
        indexes = [models.Index(fields=["partner", "-issue_date"], name="invoice_partner_recent")]

    def __str__(self) -> str:
        return self.number

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.amount_paid

    def save(self, *args, **kwargs):
        """An issued document's amounts and addresses never change (B-6)."""
        if self.pk is not None and not self._state.adding:
            stored = Invoice.unscoped.filter(pk=self.pk).values(*self.IMMUTABLE).first()
            changed = [name for name in self.IMMUTABLE if stored and stored[name] != getattr(self, name)]
            if changed:
                raise AppendOnlyError(f"issued invoice {self.number}: {', '.join(changed)} cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("issued invoices cannot be deleted; issue a credit note")


class Payment(TenantModel):
    """A bank transfer recorded by operator finance against an invoice (B-8)."""

    history_record: ClassVar[bool] = True  # the invoice's amount paid and the ledger follow from it

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class QuoteKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    ACCOUNT_CREDIT = "account_credit", _("Account credit")


class Quote(TenantModel):
    """A saved quote (B-9); valid for 30 days from the day it was saved."""

    kind = models.CharField(_("type"), max_length=16, choices=QuoteKind.choices)
    memo = models.CharField(_("internal description"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    total = models.DecimalField(_("price"), max_digits=16, decimal_places=2)
    saved_on = models.DateField(_("saved"))
    expires_on = models.DateField(_("valid until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-saved_on", "-id"]

    def __str__(self) -> str:
        return f"Q{self.pk}"


class QuoteLine(TenantModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    years = models.PositiveSmallIntegerField(_("validity (years)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    fqdns = models.PositiveSmallIntegerField(_("FQDNs"), default=0)
    wildcards = models.PositiveSmallIntegerField(_("wildcards"), default=0)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=2)
    line_price = models.DecimalField(_("line price"), max_digits=16, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
