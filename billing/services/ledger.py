"""The balance ledger (B-7).

Locking: every posting locks the partner's BalanceAccount row (SELECT … FOR UPDATE) for the
rest of its transaction, so postings of one partner are serialised and the funds check and the
new balance can never be computed from a stale balance. Callers that also lock their own rows
(a voucher order) take the balance lock last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError
from portal.money import Money, format_money, quantize
from portal.tenancy.models import Partner, User

from ..models import BalanceAccount, EntryType, Invoice, InvoiceKind, InvoiceStatus, LedgerEntry, LedgerItem


@dataclass(frozen=True)
class BillableItem:
    """One line of what a charge is for (an order line): shown on the itemised statement."""

    description: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class Funds:
    currency: str
    balance: Decimal
    credit_limit: Decimal
    unpaid_invoices: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance + self.credit_limit


def balance_account_lock(*, partner: Partner) -> BalanceAccount:
    """The partner's balance row, locked until the end of the current transaction."""
    BalanceAccount.objects.for_partner(partner).get_or_create(partner=partner,
                                                             defaults={"currency": partner.currency})
    return BalanceAccount.objects.for_partner(partner).select_for_update().get()


def credit_in_use_locked(partner: Partner) -> Decimal:
    """B-7: how much of its credit limit the partner uses now (the negative part of its balance),
    the balance row locked until the end of the transaction (settings.PORTAL_CREDIT_IN_USE)."""
    account = balance_account_lock(partner=partner)
    return max(-account.balance, Decimal("0"))


def balance_funds(*, partner: Partner) -> Funds:
    account = BalanceAccount.objects.for_partner(partner).first()
    limit = Partner.objects.values_list("credit_limit", flat=True).get(pk=partner.pk)
    unpaid = Invoice.objects.for_partner(partner).filter(
        kind=InvoiceKind.INVOICE, status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE]
    ).aggregate(due=Sum(F("total") - F("amount_paid")))["due"]
    return Funds(partner.currency, account.balance if account else Decimal("0"), limit, unpaid or Decimal("0"))


def ledger_post(*, partner: Partner, entry_type: str, amount: Decimal, reference: str, description: str = "",
                actor: User | None = None, check_funds: bool = True, items: Sequence[BillableItem] = (),
                at: datetime | None = None) -> LedgerEntry:
    """Append one ledger entry and move the balance. A debit that would take the funds available
    (balance + credit limit) below zero is refused before anything is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post must run inside the caller's transaction")
    account = balance_account_lock(partner=partner)
    amount = quantize(amount, account.currency)
    credit_limit = Partner.objects.values_list("credit_limit", flat=True).get(pk=partner.pk)
    new_balance = account.balance + amount
    if check_funds and amount < 0 and new_balance + credit_limit < 0:
        available = Money(account.balance + credit_limit, account.currency)
        raise PortalError(
            "insufficient_funds",
            _("This order costs more than the funds available (%(available)s): balance plus credit limit.")
            % {"available": format_money(available, partner.language)},
            field="lines", status=409,
        )
    entry = LedgerEntry.objects.create(partner=partner, entry_type=entry_type, amount=amount,
                                       balance_after=new_balance, currency=account.currency, reference=reference,
                                       description=description[:200], created_by=actor, created_at=at or timezone.now())
    LedgerItem.objects.bulk_create([
        LedgerItem(partner=partner, entry=entry, description=item.description[:200], quantity=item.quantity,
                   amount=quantize(item.amount, account.currency), position=index)
        for index, item in enumerate(items)
    ])
    account.balance = new_balance
    _track_low_balance(account, partner, new_balance + credit_limit)
    account.save(update_fields=["balance", "low_balance_notified", "updated_at"])
    return entry


def balance_charge(*, partner: Partner, amount: Decimal, reference: str, description: str = "",
                   actor: User | None = None, items: Sequence[BillableItem] = ()) -> LedgerEntry:
    """A billable order: debits the balance and is invoiced with the month it was made in (B-1)."""
    return ledger_post(partner=partner, entry_type=EntryType.CHARGE, amount=-abs(amount), reference=reference,
                       description=description, actor=actor, items=items)


def balance_refund(*, partner: Partner, amount: Decimal, reference: str, description: str = "",
                   actor: User | None = None, items: Sequence[BillableItem] = ()) -> LedgerEntry:
    """Money back for a cancelled order: offsets the invoice of the month it happens in (V-10)."""
    return ledger_post(partner=partner, entry_type=EntryType.REFUND, amount=abs(amount), reference=reference,
                       description=description, actor=actor, items=items)


def _track_low_balance(account: BalanceAccount, partner: Partner, available: Decimal) -> None:
    """Once per crossing: the notice goes when available funds drop under the threshold, and the
    flag resets when they are back at or above it."""
    threshold = Partner.objects.values_list("low_balance_threshold", flat=True).get(pk=partner.pk)
    if available < threshold and not account.low_balance_notified:
        account.low_balance_notified = True
        from ..tasks import send_low_balance_email

        send_low_balance_email.delay_on_commit(partner.pk)
    elif available >= threshold and account.low_balance_notified:
        account.low_balance_notified = False


@transaction.atomic
def balance_notify_low(*, partner: Partner, today: date) -> int:
    """B-7: e-mail the billing contact once per crossing of the threshold (catches credit-limit
    and threshold changes that no posting saw). Idempotent per (partner, day) through portal.jobs."""
    account = BalanceAccount.objects.for_partner(partner).select_for_update().first()
    if account is None:
        return 0
    before = account.low_balance_notified
    credit_limit = Partner.objects.values_list("credit_limit", flat=True).get(pk=partner.pk)
    _track_low_balance(account, partner, account.balance + credit_limit)
    if account.low_balance_notified != before:
        account.save(update_fields=["low_balance_notified", "updated_at"])
    return int(account.low_balance_notified and not before)
