"""Billing writes: the ledger (B-7), invoices (B-1…B-6), payments (B-8). Quotes (B-9): billing.quotes."""

from ..tax import tax_amount
from .documents import DOCUMENT_KINDS, invoice_document_start
from .invoices import (
    due_date,
    invoice_credit,
    invoice_flag_overdue,
    invoices_issue_month,
    invoices_not_mailed,
    qualified_invoice_number_valid,
)
from .ledger import (
    BillableItem,
    Funds,
    balance_account_lock,
    balance_charge,
    balance_funds,
    balance_notify_low,
    balance_refund,
    balance_track_low,
    ledger_post,
    tax_reserved,
)
from .payments import payment_record

__all__ = [
    "BillableItem", "Funds", "balance_account_lock", "balance_charge", "balance_funds", "balance_notify_low",
    "balance_refund", "balance_track_low", "tax_reserved",
    "DOCUMENT_KINDS", "due_date", "invoice_credit", "invoice_document_start", "invoice_flag_overdue",
    "invoices_issue_month",
    "invoices_not_mailed", "ledger_post",
    "payment_record", "qualified_invoice_number_valid", "tax_amount",
]
