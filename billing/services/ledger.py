"""The balance ledger (B-7).

Funds: available funds are balance + credit limit. A debit must leave them at or above the tax
still to be invoiced on the charges and refunds of every month not yet invoiced, this debit
included (`tax_reserved`): the tax of each such month exactly as the monthly run will compute it
(once per month, rounded once, at the partner's rate: billing.tax), so the run's tax posting
never takes a partner that stayed within its funds below minus its credit limit. The rule lives
here, in `ledger_post`, so every charge (voucher orders, licence purchases) gets it.

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

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.dates import local_date
from portal.errors import PortalError
from portal.money import Money, format_money, quantize
from portal.outbox import outbox_enqueue
from portal.tenancy.models import ContractType, Partner, User

from ..models import BalanceAccount, EntryType, Invoice, InvoiceKind, InvoiceStatus, LedgerEntry, LedgerItem
from ..tax import tax_amount, tax_rate


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
    tax_reserved: Decimal = Decimal("0")  # of the available funds, held for the tax of open months

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
    reserved = _tax_reserved_shown(partner) if account else Decimal("0")
    return Funds(partner.currency, account.balance if account else Decimal("0"), limit, unpaid or Decimal("0"),
                 reserved)


def ledger_post(*, partner: Partner, entry_type: str, amount: Decimal, reference: str, description: str = "",
                actor: User | None = None, check_funds: bool = True, items: Sequence[BillableItem] = (),
                at: datetime | None = None) -> LedgerEntry:
    """Append one ledger entry and move the balance. A debit that would take the funds available
    (balance + credit limit) below zero is refused before anything is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post must run inside the caller's transaction")
    account = balance_account_lock(partner=partner)
    amount = quantize(amount, account.currency)
    at = at or timezone.now()
    credit_limit = Partner.objects.values_list("credit_limit", flat=True).get(pk=partner.pk)
    new_balance = account.balance + amount
    if check_funds and amount < 0:
        billable = amount if entry_type in BILLABLE_TYPES else Decimal("0")
        reserved = tax_reserved(partner=partner, currency=account.currency, adding=billable, at=at)
        if new_balance + credit_limit < reserved:
            _refuse(partner, account, credit_limit, tax_reserved(partner=partner, currency=account.currency))
    entry = LedgerEntry.objects.create(partner=partner, entry_type=entry_type, amount=amount,
                                       balance_after=new_balance, currency=account.currency, reference=reference,
                                       description=description[:200], created_by=actor, created_at=at)
    LedgerItem.objects.bulk_create([
        LedgerItem(partner=partner, entry=entry, description=item.description[:200], quantity=item.quantity,
                   amount=quantize(item.amount, account.currency), position=index)
        for index, item in enumerate(items)
    ])
    account.balance = new_balance
    _track_low_balance(account, partner, new_balance + credit_limit)
    account.save(update_fields=["balance", "low_balance_notified", "updated_at"])
    return entry


BILLABLE_TYPES = (EntryType.CHARGE, EntryType.REFUND)  # what the monthly invoice sums (B-1)

# The months (partner's calendar) that have charges or refunds, found one index probe per month
# (a loose index scan), and the sum of each month with no invoice yet: invoiced months are never
# read, so the cost follows the open months, not the whole ledger. Each month's bounds are computed
# once in the CTE (lo, hi), so the probes compare created_at with plain values: under row-level
# security a comparison with an expression (AT TIME ZONE) is not leakproof and loses the index.
_OPEN_MONTHS_SQL = """
WITH RECURSIVE months(month, lo, hi) AS (
    SELECT f.month, f.month AT TIME ZONE %(tz)s, (f.month + interval '1 month') AT TIME ZONE %(tz)s
    FROM (SELECT date_trunc('month', min(e.created_at) AT TIME ZONE %(tz)s) AS month
          FROM billing_ledgerentry e WHERE e.partner_id = %(partner)s AND e.entry_type = ANY(%(types)s)) f
  UNION ALL
    SELECT n.month, n.month AT TIME ZONE %(tz)s, (n.month + interval '1 month') AT TIME ZONE %(tz)s
    FROM months m, LATERAL (SELECT date_trunc('month', min(e.created_at) AT TIME ZONE %(tz)s) AS month
                            FROM billing_ledgerentry e
                            WHERE e.partner_id = %(partner)s AND e.entry_type = ANY(%(types)s)
                              AND e.created_at >= m.hi) n
    WHERE m.month IS NOT NULL
)
SELECT m.month::date, -(SELECT SUM(e.amount) FROM billing_ledgerentry e
                        WHERE e.partner_id = %(partner)s AND e.entry_type = ANY(%(types)s)
                          AND e.created_at >= m.lo AND e.created_at < m.hi)
FROM months m
WHERE m.month IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM billing_invoice i
                  WHERE i.partner_id = %(partner)s AND i.period_start = m.month::date AND i.credits_id IS NULL)
"""


def tax_reserved(*, partner: Partner, currency: str, adding: Decimal = Decimal("0"),
                 at: datetime | None = None) -> Decimal:
    """B-7: the tax the monthly run will post for every month (partner's calendar) whose charges
    and refunds are not invoiced yet, with `adding` (a new charge, negative) counted in the month
    of `at`. Each month's tax is rounded once, as on its invoice. Partners the run does not
    invoice reserve nothing."""
    if partner.contract_type != ContractType.ONGOING:
        return Decimal("0")
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_MONTHS_SQL, {"tz": partner.time_zone, "partner": partner.pk,
                                          "types": list(BILLABLE_TYPES)})
        months = dict(cursor.fetchall())
    if adding:
        month = local_date(at or timezone.now(), partner.time_zone).replace(day=1)
        if month in months or not _invoiced(partner, month):
            months[month] = months.get(month, Decimal("0")) - adding
    rate = tax_rate(partner)
    return sum((tax_amount(net, rate, currency) for net in months.values()), Decimal("0"))


def _tax_reserved_shown(partner: Partner) -> Decimal:
    """`tax_reserved` for what pages and e-mails show, cached until the partner's ledger or
    invoices gain a row. Exact: the ledger is append-only and invoices are never deleted nor moved
    to another month, so the open months and their sums change only with a new row; the rate,
    contract, time zone and rounding are part of the key. Postings of one partner are serialised by
    its balance row, so a new row always raises the largest id; five minutes bound what a rarer
    interleaving could leave. (`ledger_post` asks `tax_reserved` itself, under its lock.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT max(id) FROM billing_ledgerentry WHERE partner_id = %(p)s), "
                       "(SELECT max(id) FROM billing_invoice WHERE partner_id = %(p)s)", {"p": partner.pk})
        ledger, invoices = cursor.fetchone()
    key = (f"billing:tax-reserved:{partner.pk}:{ledger}:{invoices}:{partner.contract_type}:{tax_rate(partner)}:"
           f"{partner.time_zone}:{partner.currency}:{settings.PORTAL_MONEY_ROUNDING}")
    cached = cache.get(key)
    if cached is None:
        cached = str(tax_reserved(partner=partner, currency=partner.currency))
        cache.set(key, cached, 300)
    return Decimal(cached)


def _invoiced(partner: Partner, month: date) -> bool:
    return Invoice.objects.for_partner(partner).filter(period_start=month, credits__isnull=True).exists()


def _refuse(partner: Partner, account: BalanceAccount, credit_limit: Decimal, reserved: Decimal) -> None:
    available = Money(account.balance + credit_limit - reserved, account.currency)
    raise PortalError(
        "insufficient_funds",
        _("This order and its tax cost more than the funds available (%(available)s): balance plus credit limit, "
          "less the tax of orders not invoiced yet.") % {"available": format_money(available, partner.language)},
        field="lines", status=409,
    )


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


def low_balance_flag(*, available: Decimal, threshold: Decimal, notified: bool) -> tuple[bool, bool]:
    """B-7, once per crossing: (the account's new "notified" flag, whether to send the notice
    now). The notice goes when available funds drop under the threshold; the flag resets when
    they are back at or above it."""
    below = available < threshold
    return below, below and not notified


def low_balance_flag_sql(*, available: str, threshold: str, notified: str) -> tuple[str, str]:
    """`low_balance_flag` as SQL over the SQL expressions `available`, `threshold` and `notified`
    (the flag before): (the new flag, whether to send the notice now), for set-based postings."""
    below = f"(({available}) < ({threshold}))"
    return below, f"({below} AND NOT ({notified}))"


def _track_low_balance(account: BalanceAccount, partner: Partner, available: Decimal) -> None:
    threshold = Partner.objects.values_list("low_balance_threshold", flat=True).get(pk=partner.pk)
    account.low_balance_notified, send = low_balance_flag(available=available, threshold=threshold,
                                                          notified=account.low_balance_notified)
    if send:
        from ..tasks import send_low_balance_email

        outbox_enqueue(send_low_balance_email, partner.pk)


def balance_track_low(*, partner_ids: Sequence[int]) -> int:
    """The low-balance notice after a bulk posting that bypassed `ledger_post`: the same
    `low_balance_flag` for each of these partners, in the caller's transaction (their balance
    rows are already locked by the posting). Returns notices sent. (The monthly run applies the
    rule inside its own statement, through `low_balance_flag_sql`.)"""
    from ..tasks import send_low_balance_email

    accounts = BalanceAccount.unscoped.filter(partner_id__in=list(partner_ids)).values_list(
        "pk", "partner_id", "balance", "partner__credit_limit", "partner__low_balance_threshold",
        "low_balance_notified")
    changed, sent = {True: [], False: []}, 0
    for pk, partner_id, balance, limit, threshold, notified in accounts:
        flag, send = low_balance_flag(available=balance + limit, threshold=threshold, notified=notified)
        if flag != notified:
            changed[flag].append(pk)
        if send:
            outbox_enqueue(send_low_balance_email, partner_id)
            sent += 1
    for flag, pks in changed.items():
        if pks:
            BalanceAccount.unscoped.filter(pk__in=pks).update(low_balance_notified=flag, updated_at=timezone.now())
    return sent


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
