"""Monthly OnGoing invoices (B-1), their numbers (B-6), tax (B-2), due dates (B-5), credit notes.

The monthly run is set-based: for every OnGoing partner of one time zone it sums the month's
charges and refunds from the ledger (each partner's month read from its own index) in one
INSERT … SELECT, numbers the documents, posts each document's tax to the balance and the ledger
and writes their audit entries in the same statement (data-modifying WITH steps, no round trip
per step and no second look-up of the new rows). One transaction: a crash half-way leaves
nothing, and a re-run issues everything once.

Concurrency: a run first locks both numbering rows (invoice, credit note). A second run waits
there, then sees the first run's committed documents and skips those partners; numbers are
therefore taken in order, without gaps, and a rolled-back run gives its numbers back.

A month whose refunds exceed its charges issues a credit note (own "CN" sequence) rather than an
invoice with a negative total: it documents the month like any other, and the credit is already
on the partner's balance, where it offsets the next orders and invoices.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record, audit_records_sql
from portal.dates import add_months, end_of_month, local_today, month_bounds, previous_month
from portal.errors import PortalError
from portal.money import quantize
from portal.outbox import outbox_enqueue, outbox_enqueue_many
from portal.tenancy.models import Partner, PaymentTerms, User
from portal.transitions import transition_apply_many

from ..models import INVOICE_MOVES, BalanceAccount, DocumentSequence, Invoice, InvoiceKind, InvoiceStatus
from ..tax import tax_amount, tax_amount_sql, tax_rate_sql
from .ledger import ledger_post, low_balance_flag_sql

PREFIX = {InvoiceKind.INVOICE: "INV", InvoiceKind.CREDIT_NOTE: "CN"}
NUMBER_DIGITS = 6
_NET_DAYS = {PaymentTerms.NET30: 30, PaymentTerms.NET45: 45, PaymentTerms.NET50: 50, PaymentTerms.NET60: 60}
_EOM_MONTHS = {PaymentTerms.NET30EOM: 1, PaymentTerms.NET60EOM: 2, PaymentTerms.NET90EOM: 3}


def due_date(issue_date: date, terms: str) -> date:
    """B-5: NETn = issue date + n days; NETnEOM = last day of the month 1, 2 or 3 months after
    the issue month (NET30EOM, NET60EOM, NET90EOM)."""
    if terms in _NET_DAYS:
        return issue_date + timedelta(days=_NET_DAYS[terms])
    if terms in _EOM_MONTHS:
        return end_of_month(add_months(issue_date.replace(day=1), _EOM_MONTHS[terms]))
    raise PortalError("unknown_payment_terms", _("Unknown payment terms."), field="payment_terms")


def qualified_invoice_number_valid(number: str) -> bool:
    """B-2: `T` + 13 digits whose first is 9 − (Σ of the other 12, weighted 1,2,1,2… from the right,
    mod 9). T8010001078218 is valid, T8010001078219 is not."""
    if len(number) != 14 or number[0] != "T" or not number[1:].isdigit():
        return False
    check, body = int(number[1]), number[2:]
    weighted = sum(int(digit) * (1 if i % 2 == 0 else 2) for i, digit in enumerate(reversed(body)))
    return check == 9 - weighted % 9


def issuer_details() -> dict:
    return dict(settings.PORTAL_ISSUER)


def _lock_sequences() -> dict[str, int]:
    def locked() -> dict[str, int]:
        rows = DocumentSequence.objects.select_for_update().filter(name__in=list(PREFIX)).order_by("name")
        return {row.name: row.last_value for row in rows}

    bases = locked()
    if len(bases) < len(PREFIX):  # a new database: create the numbering rows once
        for kind in PREFIX:
            DocumentSequence.objects.get_or_create(name=kind)
        bases = locked()
    return bases


_ISSUE_SQL = """
WITH totals AS (
    -- each partner's month read from ledger_partner_sums (the index alone): the run costs the same
    -- after years of ledger, and no index of all postings by date has to be written by every posting
    SELECT p.id AS partner_id, t.subtotal
    FROM tenancy_partner p
    CROSS JOIN LATERAL (SELECT -SUM(e.amount) AS subtotal FROM billing_ledgerentry e
                        WHERE e.partner_id = p.id AND e.entry_type IN ('charge', 'refund')
                          AND e.created_at >= %(start)s AND e.created_at < %(end)s) t
    WHERE p.time_zone = %(time_zone)s AND p.contract_type = 'ongoing' AND t.subtotal IS NOT NULL
      AND (%(partner_ids)s::bigint[] IS NULL OR p.id = ANY(%(partner_ids)s::bigint[]))
), numbered AS (
    SELECT t.*, CASE WHEN t.subtotal < 0 THEN 'credit_note' ELSE 'invoice' END AS kind,
           row_number() OVER (PARTITION BY t.subtotal < 0 ORDER BY t.partner_id) AS seq,
           {rate} AS rate, p.payment_terms, p.currency, p.language, p.credit_limit, p.low_balance_threshold
    FROM totals t JOIN tenancy_partner p ON p.id = t.partner_id
    WHERE NOT EXISTS (SELECT 1 FROM billing_invoice done  -- once per partner and month (B-1)
                      WHERE done.partner_id = t.partner_id AND done.period_start = %(period_start)s
                        AND done.credits_id IS NULL)
), priced AS (
    SELECT n.*, {tax} AS tax,
           CASE n.kind WHEN 'invoice' THEN 'INV' || lpad((%(invoice_base)s + n.seq)::text, {digits}, '0')
                       ELSE 'CN' || lpad((%(credit_base)s + n.seq)::text, {digits}, '0') END AS number
    FROM numbered n
), issued AS (
    INSERT INTO billing_invoice (partner_id, kind, number, period_start, period_end, issue_date, due_date,
        payment_terms, currency, subtotal, tax_rate, tax, total, amount_paid, status, bill_to, issuer, language,
        pdf, statement_pdf, created_at)
    SELECT pr.partner_id, pr.kind, pr.number, %(period_start)s, %(period_end)s, %(issue_date)s,
           CASE WHEN pr.kind = 'credit_note' THEN %(issue_date)s::date
                ELSE (%(due_dates)s::jsonb ->> pr.payment_terms)::date END,
           pr.payment_terms, pr.currency, pr.subtotal, pr.rate, pr.tax, pr.subtotal + pr.tax, 0,
           'issued',
           CASE WHEN c.id IS NULL THEN '{{}}'::jsonb
                ELSE jsonb_build_object('organisation', c.organisation, 'contact_name', c.contact_name,
                                        'postal_code', c.postal_code, 'state', c.state, 'city', c.city,
                                        'address_line1', c.address_line1, 'address_line2', c.address_line2,
                                        'country', c.country, 'emails', to_jsonb(c.emails)) END,
           %(issuer)s::jsonb, pr.language, '', '', now()
    FROM priced pr LEFT JOIN tenancy_billingcontact c ON c.partner_id = pr.partner_id  -- at most one (unique)
    RETURNING id, partner_id, kind, number, period_start, total, currency
), moved AS (
    -- the document's tax, owed on the balance (B-7); the low-balance rule read from the updated rows
    -- (the flag is still the one before: set below where it changes)
    UPDATE billing_balanceaccount a SET balance = a.balance - d.tax, updated_at = now()
    FROM priced d WHERE a.partner_id = d.partner_id AND d.tax <> 0
    RETURNING a.id, a.partner_id, a.balance, d.tax, d.currency, d.number, a.low_balance_notified AS notified,
              {flag} AS flag, {send} AS send_notice
), posted AS (
    INSERT INTO billing_ledgerentry (partner_id, created_at, entry_type, amount, balance_after, currency, reference,
                                     description)
    SELECT m.partner_id, now(), 'adjustment', -m.tax, m.balance, m.currency, m.number, %(description)s FROM moved m
), audited AS (
    -- T-5: one entry per issued document, by the job (no person)
    {audit}
)
SELECT (SELECT array_agg(id ORDER BY id) FROM issued),
       (SELECT count(*) FROM issued WHERE kind = 'invoice'),
       (SELECT count(*) FROM issued WHERE kind = 'credit_note'),
       (SELECT array_agg(partner_id ORDER BY partner_id) FROM moved WHERE send_notice),
       (SELECT array_agg(id) FROM moved WHERE flag AND NOT notified),
       (SELECT array_agg(id) FROM moved WHERE notified AND NOT flag)
"""

_ISSUED_AUDIT_ROWS_SQL = """
SELECT partner_id, id AS object_id, number AS object_repr,
       jsonb_build_object('number', number, 'kind', kind, 'period', to_char(period_start, 'YYYY-MM'),
                          'total', total::text, 'currency', currency) AS after
FROM issued
"""


def month_ended(*, year: int, month: int, time_zone: str, now: datetime | None = None) -> bool:
    """B-1: a month can be invoiced once it has ended on the partner's wall clock (Tokyo's November
    ends 14 hours before New York's)."""
    return local_today(time_zone, now=now) > end_of_month(date(year, month, 1))


def invoices_issue_month(*, year: int, month: int, time_zone: str, partner_ids: list[int] | None = None,
                         issue_date: date | None = None, now: datetime | None = None) -> list[int]:
    """B-1: issue the month's invoice or credit note of every OnGoing partner in `time_zone` that
    has activity and none yet (optionally only `partner_ids`). Returns the new documents' ids;
    their PDFs are rendered and e-mailed by workers after commit.

    Refused (PortalError `month_not_ended`) while the month has not ended in `time_zone`: an
    invoice issued on the 30th would never bill that day's later orders."""
    period_start = date(year, month, 1)
    if not month_ended(year=year, month=month, time_zone=time_zone, now=now):
        raise PortalError("month_not_ended",
                          _("%(month)s has not ended yet in %(zone)s: its invoices can be issued from %(first)s.")
                          % {"month": f"{year:04d}-{month:02d}", "zone": time_zone,
                             "first": add_months(period_start, 1).isoformat()}, field="month", status=409)
    issue_date = issue_date or add_months(period_start, 1)
    start, end = month_bounds(year, month, time_zone)
    flag, send = low_balance_flag_sql(available="a.balance + d.credit_limit",  # the balance after the tax
                                      threshold="d.low_balance_threshold", notified="a.low_balance_notified")
    sql = _ISSUE_SQL.format(tax=tax_amount_sql("n.subtotal", "n.rate", "n.currency"), rate=tax_rate_sql("p"),
                            digits=NUMBER_DIGITS, audit=audit_records_sql(_ISSUED_AUDIT_ROWS_SQL), flag=flag,
                            send=send)
    with transaction.atomic():
        bases = _lock_sequences()
        with connection.cursor() as cursor:
            # One statement: the documents, their tax on the balances and the ledger, their audit entries.
            # Its cost estimate grows with the ledger and switches JIT compilation on, which then takes
            # longer than the statement saves by it: off for this statement.
            cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
            jit = cursor.fetchone()[0]
            cursor.execute(sql, {
                "time_zone": time_zone, "partner_ids": partner_ids, "start": start, "end": end,
                "period_start": period_start, "period_end": end_of_month(period_start), "issue_date": issue_date,
                "invoice_base": bases[InvoiceKind.INVOICE], "credit_base": bases[InvoiceKind.CREDIT_NOTE],
                "due_dates": json.dumps({terms: due_date(issue_date, terms).isoformat()
                                         for terms in PaymentTerms.values}),
                "issuer": json.dumps(issuer_details()), "description": "Consumption tax",
                "audit_action": "invoice.issued", "audit_object_type": Invoice._meta.label,
            })
            ids, invoices, credit_notes, low, flag_raised, flag_lowered = cursor.fetchone()
            cursor.execute("SELECT set_config('jit', %s, true)", [jit])
        ids = ids or []
        for kind, count in ((InvoiceKind.INVOICE, invoices), (InvoiceKind.CREDIT_NOTE, credit_notes)):
            if count:
                DocumentSequence.objects.filter(name=kind).update(last_value=bases[kind] + count)
        for flag, accounts in ((True, flag_raised), (False, flag_lowered)):
            if accounts:  # rows the statement updated: locked by this transaction
                BalanceAccount.unscoped.filter(pk__in=accounts).update(low_balance_notified=flag,
                                                                       updated_at=timezone.now())
        from ..tasks import send_low_balance_email

        if low:  # B-7: the tax took their funds under the threshold
            outbox_enqueue_many(send_low_balance_email, [(partner_id,) for partner_id in low])
        if ids:
            from ..tasks import share_invoice_documents

            # A message per 100 documents keeps this transaction short; a worker then hands out one
            # task per document, so that every document worker takes a share of the PDFs.
            outbox_enqueue_many(share_invoice_documents, [(ids[chunk_start:chunk_start + 100],)
                                                          for chunk_start in range(0, len(ids), 100)])
    return ids


def invoices_issue_due(*, today: date | None = None) -> dict:
    """The beat's monthly run: each time zone's partners are invoiced for the month before their
    own today; already-issued partners are skipped, so running hourly, twice or late is harmless.
    A `today` ahead of a zone's real date (a command run early) waits for that month to end."""
    issued, waiting = 0, []
    zones = Partner.objects.filter(contract_type="ongoing").values_list("time_zone", flat=True).distinct()
    for time_zone in zones:
        year, month = previous_month(today or local_today(time_zone))
        try:
            issued += len(invoices_issue_month(year=year, month=month, time_zone=time_zone))
        except PortalError as error:
            if error.code != "month_not_ended":
                raise
            waiting.append(time_zone)
    return {"issued": issued} | ({"month_not_ended": sorted(waiting)} if waiting else {})


@transaction.atomic
def invoice_credit(*, actor: User, invoice: Invoice, amount: Decimal, reason: str) -> Invoice:
    """A correction (B-6): a credit note with its own number, referencing the invoice; the issued
    invoice itself never changes. `amount` is tax-exclusive; the credit goes to the balance."""
    if not actor.is_operator:
        raise PortalError("forbidden", _("Only operator finance issues credit notes."), status=403)
    invoice = Invoice.unscoped.select_for_update().select_related("partner").get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise PortalError("not_an_invoice", _("Only an invoice can be credited."), status=409)
    amount = quantize(amount, invoice.currency)
    if not Decimal("0") < amount <= invoice.subtotal:
        raise PortalError("credit_out_of_range", _("The credit must be more than zero and at most the invoice's "
                                                   "subtotal."), field="amount")
    bases = _lock_sequences()
    number = f"{PREFIX[InvoiceKind.CREDIT_NOTE]}{bases[InvoiceKind.CREDIT_NOTE] + 1:0{NUMBER_DIGITS}d}"
    DocumentSequence.objects.filter(name=InvoiceKind.CREDIT_NOTE).update(last_value=bases[InvoiceKind.CREDIT_NOTE] + 1)
    tax = tax_amount(-amount, invoice.tax_rate, invoice.currency)
    today = local_today(invoice.partner.time_zone)
    note = Invoice.objects.create(
        partner=invoice.partner, kind=InvoiceKind.CREDIT_NOTE, number=number, period_start=invoice.period_start,
        period_end=invoice.period_end, issue_date=today, due_date=today, payment_terms=invoice.payment_terms,
        currency=invoice.currency, subtotal=-amount, tax_rate=invoice.tax_rate, tax=tax, total=-amount + tax,
        bill_to=invoice.bill_to, issuer=issuer_details(), language=invoice.language, credits=invoice)
    ledger_post(partner=invoice.partner, entry_type="adjustment", amount=amount - tax, reference=number,
                description=reason[:200], actor=actor, check_funds=False)
    audit_record(action="invoice.credited", obj=note, actor=actor, partner=invoice.partner,
                 after={"invoice": invoice.number, "credit_note": number, "amount": -note.total, "reason": reason})
    from ..tasks import render_and_mail_invoices

    outbox_enqueue(render_and_mail_invoices, [note.pk])
    return note


def invoices_not_mailed(*, older_than: timedelta = timedelta(hours=1)) -> list[int]:
    """Documents issued over an hour ago whose e-mails have not gone out (B-4). Partners without a
    billing address stay on this list: retrying them sends nothing and costs a query."""
    return list(Invoice.unscoped.filter(mailed_at__isnull=True, created_at__lt=timezone.now() - older_than)
                .order_by("id").values_list("id", flat=True))


@transaction.atomic
def invoice_flag_overdue(*, partner: Partner, today: date) -> int:
    """B-8: unpaid invoices past their due date (the partner's date) become Overdue; each change
    is audited (T-5). Rows are locked so a payment recorded meanwhile is not overwritten."""
    return transition_apply_many(
        queryset=Invoice.objects.for_partner(partner).filter(kind=InvoiceKind.INVOICE, due_date__lt=today),
        to=InvoiceStatus.OVERDUE, moves=INVOICE_MOVES, action="invoice.overdue", partner=partner,
        audit_each=lambda invoice: {"due_date": invoice.due_date})

