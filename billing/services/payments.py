"""Bank-transfer payments against invoices (B-8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.errors import Forbidden, PortalError
from portal.money import quantize
from portal.tenancy.models import User
from portal.transitions import transition_apply

from ..models import INVOICE_MOVES, EntryType, Invoice, InvoiceKind, InvoiceStatus, Payment
from .ledger import ledger_post


@transaction.atomic
def payment_record(*, actor: User, invoice: Invoice, amount: Decimal, received_on: date,
                   reference: str = "") -> Payment:
    """Operator finance records a full or partial payment: the invoice is Paid once nothing is due,
    and the balance is credited with the amount."""
    if not actor.is_operator:
        raise Forbidden(_("Only operator finance records payments."))
    invoice = Invoice.unscoped.select_for_update().select_related("partner").get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise PortalError("not_an_invoice", _("Payments are recorded against invoices."), status=409)
    amount = quantize(amount, invoice.currency)
    if amount <= 0:
        raise PortalError("amount_not_positive", _("Enter an amount above zero."), field="amount")
    if amount > invoice.amount_due:
        raise PortalError("overpayment", _("The amount is more than the %(due)s still due.")
                          % {"due": invoice.amount_due}, field="amount")
    payment = Payment.objects.create(partner=invoice.partner, invoice=invoice, amount=amount,
                                     received_on=received_on, reference=reference.strip(), recorded_by=actor)
    before = {"amount_paid": invoice.amount_paid, "status": invoice.status}
    invoice.amount_paid += amount
    invoice.save(update_fields=["amount_paid"])
    ledger_post(partner=invoice.partner, entry_type=EntryType.PAYMENT, amount=amount, reference=invoice.number,
                description=reference.strip(), actor=actor, check_funds=False)
    if invoice.amount_paid == invoice.total:
        transition_apply(obj=invoice, to=InvoiceStatus.PAID, moves=INVOICE_MOVES, action="invoice.paid", actor=actor)
    audit_record(action="invoice.payment_recorded", obj=invoice, actor=actor, partner=invoice.partner,
                 before=before, after={"amount_paid": invoice.amount_paid, "status": invoice.status, "payment": amount})
    return payment
