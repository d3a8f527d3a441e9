"""Quotes (B-9): create (products priced from today's contract, or an account-credit amount),
delete permanently, and e-mail as a PDF attachment to any address.

A quote is a document: its line prices and total are stored when it is saved and never recomputed
from later prices. It is valid for 30 days: saved 07 Dec 2020 → valid until 06 Jan 2021 (the
partner's calendar; still valid on that day, expired from the next).
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.catalogue.pricing import LineInput, price_lines
from portal.dates import add_days, local_today
from portal.errors import Forbidden, NotFound, PortalError
from portal.jobs.models import TaskProgress
from portal.jobs.progress import progress_current, progress_start
from portal.money import Money
from portal.outbox import outbox_enqueue
from portal.ratelimit import partner_limit
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner
from portal.tenancy.roles import Perm

from ..models import Quote, QuoteKind, QuoteLine

QUOTE_VALID_DAYS = 30
MAX_LINES = 50
MAX_MEMO = 200
MAX_CREDIT = Decimal("1e14")  # the total column holds 14 digits before the decimal point


def quote_expiry(saved_on: date) -> date:
    """B-9: the last day a quote saved on `saved_on` is valid (saved + 30 days)."""
    return add_days(saved_on, QUOTE_VALID_DAYS)


def quote_create(*, tenant: Tenant, kind: str, memo: str = "", lines: list[LineInput] | None = None,
                 credit_amount: Decimal | int | str | None = None, today: date | None = None) -> Quote:
    """Save a quote dated `today` (default: the partner's today). *Products* quotes price `lines`
    against the contract valid that day (P-3) and store each line's prices; *Account credit*
    quotes are one amount above zero in the partner's currency. Refusals name the field
    (`kind`, `memo`, `lines`, `lines[i].<field>`, `credit_amount`); nothing is saved then."""
    if not tenant.can(Perm.QUOTES_MANAGE):
        raise Forbidden()
    partner = tenant.partner
    memo = _clean_memo(memo)
    today = today or local_today(partner.time_zone)
    if kind == QuoteKind.PRODUCTS:
        if credit_amount not in (None, ""):
            raise PortalError("credit_amount_not_allowed", _("A Products quote has no account-credit amount."),
                              field="credit_amount")
        lines = _check_lines(lines)
        priced, total = price_lines(partner=partner, on=today, lines=lines)
    elif kind == QuoteKind.ACCOUNT_CREDIT:
        if lines:
            raise PortalError("lines_not_allowed", _("An Account credit quote has no product lines; choose "
                                                     "Products to quote products."), field="lines")
        priced, total = [], _credit(credit_amount, partner.currency)
    else:
        raise PortalError("invalid_kind", _("Choose Products or Account credit."), field="kind")
    with transaction.atomic():
        quote = Quote.objects.create(partner=partner, kind=kind, memo=memo, currency=total.currency,
                                     total=total.amount, saved_on=today, expires_on=quote_expiry(today),
                                     created_by=tenant.user)
        QuoteLine.objects.bulk_create([
            QuoteLine(partner=partner, quote=quote, product=price.product, years=line.years, quantity=line.quantity,
                      fqdns=line.fqdns, wildcards=line.wildcards, unit_price=price.unit.amount,
                      line_price=price.total.amount, position=index)
            for index, (line, price) in enumerate(zip(lines or [], priced, strict=True))
        ])
        audit_record(action="quote.created", obj=quote, tenant=tenant, after={
            "kind": kind, "total": quote.total, "currency": quote.currency, "lines": len(priced),
            "saved_on": quote.saved_on, "expires_on": quote.expires_on})
    return quote


def _clean_memo(memo: str | None) -> str:
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise PortalError("memo_too_long", _("The internal description has at most 200 characters."),
                          field="memo")
    return memo


def _check_lines(lines: list[LineInput] | None) -> list[LineInput]:
    if not lines:
        raise PortalError("no_lines", _("Add at least one product."), field="lines")
    if len(lines) > MAX_LINES:
        raise PortalError("too_many_lines", _("A quote has at most 50 lines."), field="lines")
    return list(lines)


def _credit(amount: Decimal | int | str | None, currency: str) -> Money:
    """The account-credit amount, rounded in the currency's precision; above zero and storable."""
    if amount is None or amount == "":
        raise PortalError("credit_amount_required", _("Enter the account-credit amount."), field="credit_amount")
    if isinstance(amount, float):  # money is never a float (portal.money); read it as typed
        amount = str(amount)
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise PortalError("credit_amount_invalid", _("Enter the amount as a number."), field="credit_amount")
    if value >= MAX_CREDIT:  # checked before rounding, which a huge number would overflow
        raise PortalError("credit_amount_too_large", _("The amount is too large."), field="credit_amount")
    money = Money(value, currency) if value > 0 else None
    if money is None or money.amount <= 0:  # 0.4 yen rounds to nothing
        raise PortalError("credit_amount_not_positive", _("Enter an amount above zero."), field="credit_amount")
    return money


def _scoped(tenant: Tenant, quote: Quote, *, lock: bool = False) -> Quote:
    """`quote` reloaded through the tenant's scope: another partner's quote is not found."""
    queryset = Quote.objects.for_tenant(tenant)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=quote.pk).first()
    if found is None:
        raise NotFound()
    return found


def quote_delete(*, tenant: Tenant, quote: Quote) -> None:
    """Delete a quote and its lines permanently (B-9: a deleted quote cannot be restored)."""
    if not tenant.can(Perm.QUOTES_MANAGE):
        raise Forbidden()
    with transaction.atomic():
        quote = _scoped(tenant, quote, lock=True)
        audit_record(action="quote.deleted", obj=quote, tenant=tenant, before={
            "kind": quote.kind, "memo": quote.memo, "total": quote.total, "currency": quote.currency,
            "saved_on": quote.saved_on, "lines": quote.lines.count()})
        QuoteLine.objects.for_tenant(tenant).filter(quote=quote).delete()
        quote.delete()


def quote_email(*, tenant: Tenant, quote: Quote, to: str) -> None:
    """E-mail the quote's PDF to `to` (any single address), in the partner's language. The PDF
    is rendered and sent by a worker once the current transaction commits."""
    if not tenant.can(Perm.QUOTES_MANAGE):
        raise Forbidden()
    to = (to or "").strip()
    try:
        validate_email(to)
    except ValidationError:
        raise PortalError("invalid_email", _("Enter a valid e-mail address."), field="to") from None
    from ..tasks import send_quote_email  # the task module imports the services

    with transaction.atomic():
        quote = _scoped(tenant, quote)
        partner_limit("quote_email", tenant.partner.pk)  # e-mails to any address: a bounded number
        audit_record(action="quote.emailed", obj=quote, tenant=tenant, after={"to": to})
        outbox_enqueue(send_quote_email, quote.pk, to)


def quote_pdf_version(quote: Quote) -> str:
    """What the quote's PDF depends on besides the quote itself (which never changes once saved):
    the partner's language and billing contact as of now. A PDF made from the same version is
    handed out again; a new one is made after either changed."""
    from portal.tenancy.models import BillingContact

    contact = BillingContact.objects.for_partner(quote.partner).values_list("organisation", "contact_name").first()
    digest = hashlib.sha256(repr((quote.partner.name, contact)).encode()).hexdigest()[:16]
    return f"{quote.partner.language}:{digest}"


def quote_pdf_current(*, tenant: Tenant, quote: Quote) -> TaskProgress | None:
    """The job that made (or is making) this quote's PDF as it reads now, if any."""
    return progress_current(tenant=tenant, kind="quote_pdf", subject_id=quote.pk, version=quote_pdf_version(quote))


def quote_pdf_start(*, tenant: Tenant, quote: Quote) -> TaskProgress:
    """U-3: the quote's PDF is made by a worker (billing.tasks.build_quote_pdf), never in the
    request: a TaskProgress of one unit, its task enqueued once the current transaction commits.
    A job still running, or done from the same version with its file, is handed out again."""
    from ..tasks import build_quote_pdf  # the task module imports the services

    with transaction.atomic():
        quote = _scoped(tenant, quote)
        Partner.objects.select_for_update().filter(pk=quote.partner_id).first()  # one start at a time
        version = quote_pdf_version(quote)
        current = progress_current(tenant=tenant, kind="quote_pdf", subject_id=quote.pk, version=version)
        if current is not None:
            return current
        return progress_start(tenant=tenant, kind="quote_pdf", subject_id=quote.pk, total=1, task=build_quote_pdf,
                              version=version)


def quote_email_send(*, quote_id: int, to: str) -> int:
    """The worker's side of quote_email: render the PDF and send one message to `to`. Returns how
    many messages went out (0 when the quote was deleted meanwhile)."""
    from django.core.mail import EmailMessage
    from django.utils import translation

    from portal.mail import render_mail_subject, render_mail_text

    from .pdf import quote_number, quote_organisation, quote_pdf  # WeasyPrint: load it when needed

    quote = Quote.unscoped.select_related("partner").filter(pk=quote_id).first()
    if quote is None:
        return 0
    partner = quote.partner
    context = {"number": quote_number(quote), "organisation": quote_organisation(partner),
               "total": Money(quote.total, quote.currency), "saved_on": quote.saved_on,
               "expires_on": quote.expires_on}
    with translation.override(partner.language):
        subject = render_mail_subject("emails/quote_subject.txt", context)
        body = render_mail_text("emails/quote_body.txt", context)
    message = EmailMessage(subject, body, to=[to])
    message.attach(f"quote-{context['number']}.pdf", quote_pdf(quote), "application/pdf")
    return message.send()
