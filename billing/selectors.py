"""Billing reads."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from portal.dates import end_of_day, start_of_day
from portal.tenancy.context import Tenant

from .models import LedgerEntry


def ledger_entries(*, tenant: Tenant, entry_type: str = "", date_from: date | None = None,
                   date_to: date | None = None):
    """B-7: the ledger in the order it was posted, latest first, filtered by type and by the
    partner's calendar dates. Posting order, not the entry's date: each entry's balance after was
    computed when it was posted, so only this order makes the column read as a running balance
    (a back-dated entry keeps its date and its place)."""
    qs = LedgerEntry.objects.for_tenant(tenant).order_by("-id")
    time_zone = tenant.partner.time_zone
    if entry_type:
        qs = qs.filter(entry_type=entry_type)
    if date_from:
        qs = qs.filter(created_at__gte=start_of_day(date_from, time_zone))
    if date_to:
        qs = qs.filter(created_at__lte=end_of_day(date_to, time_zone))
    return qs


def invoices_unpaid(*, tenant: Tenant) -> dict:
    """R-3's tile: unpaid invoices (issued or overdue), how many are overdue, and the amount due;
    one query."""
    from django.db.models import Count, F, Q, Sum

    from .models import Invoice, InvoiceKind, InvoiceStatus

    unpaid = Q(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE])
    return Invoice.objects.for_tenant(tenant).filter(kind=InvoiceKind.INVOICE).aggregate(
        unpaid=Count("pk", filter=unpaid), overdue=Count("pk", filter=Q(status=InvoiceStatus.OVERDUE)),
        due=Sum(F("total") - F("amount_paid"), filter=unpaid, default=0))


def balance_available(*, tenant: Tenant) -> dict:
    """R-3's tile: balance, credit limit and funds available (B-7) in one query (the partner row is
    the request's)."""
    from .models import BalanceAccount

    partner = tenant.partner
    balance = BalanceAccount.objects.for_partner(partner).values_list("balance", flat=True).first() or 0
    return {"currency": partner.currency, "balance": balance, "credit_limit": partner.credit_limit,
            "available": balance + partner.credit_limit}


# Descriptions the portal itself writes on ledger entries, stored in English as stable keys and
# shown in the viewer's language (U-2); a person's own description is shown as written.
LEDGER_DESCRIPTIONS = {"Consumption tax": _("Consumption tax")}


def ledger_reference_links(*, tenant: Tenant, entries) -> None:
    """One page of the ledger: `entry.link` for references to an order (`VO-12`) or an invoice
    (its number), in one query for the invoices whatever the page's size, and
    `entry.description_shown` in the viewer's language."""
    from django.urls import reverse

    from .models import Invoice

    numbers = {entry.reference for entry in entries}
    invoices = dict(Invoice.objects.for_tenant(tenant).filter(number__in=numbers).values_list("number", "pk"))
    order_url, invoice_url = reverse("voucher_order", args=[0]), reverse("invoice", args=[0])
    for entry in entries:
        entry.description_shown = LEDGER_DESCRIPTIONS.get(entry.description, entry.description)
        entry.link = ""
        order = entry.reference.removeprefix("VO-")
        if entry.reference.startswith("VO-") and order.isdigit():
            entry.link = order_url.replace("/0/", f"/{order}/")
        elif entry.reference in invoices:
            entry.link = invoice_url.replace("/0/", f"/{invoices[entry.reference]}/")
