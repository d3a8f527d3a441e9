"""Demo billing: the Japanese partner's last three months invoiced — one paid, one overdue, one
issued and open (B-1, B-8) — and two saved quotes (B-9)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from portal.catalogue.models import Product
from portal.catalogue.pricing import LineInput
from portal.dates import add_months, local_today, zone
from portal.demo import DemoContext
from portal.tenancy.context import Tenant
from portal.tenancy.roles import Role

from .models import Invoice, QuoteKind
from .quotes.services import quote_create
from .services import (
    BillableItem,
    invoice_flag_overdue,
    invoices_issue_month,
    ledger_post,
    payment_record,
)

MONTHLY = [("EV 1Y", 3, Decimal("30")), ("OV 2Y", 2, Decimal("40"))]


def seed(context: DemoContext) -> None:
    partner = context.partners["ja"]
    if Invoice.objects.for_partner(partner).exists():
        return
    today = local_today(partner.time_zone)
    months = [add_months(today.replace(day=1), -back) for back in (3, 2, 1)]
    with transaction.atomic():
        for index, first in enumerate(months):
            when = datetime.combine(first + timedelta(days=9), time(11), tzinfo=zone(partner.time_zone))
            items = [BillableItem(f"デジサート {name}", quantity, price * quantity)
                     for name, quantity, price in MONTHLY]
            ledger_post(partner=partner, entry_type="charge", amount=-sum(i.amount for i in items),
                        reference=f"VO-DEMO-{index + 1}", items=items, at=when, check_funds=False)
            invoices_issue_month(year=first.year, month=first.month, time_zone=partner.time_zone)
    oldest = Invoice.objects.for_partner(partner).order_by("period_start").first()
    payment_record(actor=context.operator, invoice=oldest, amount=oldest.total,
                   received_on=oldest.issue_date + timedelta(days=20), reference="振込 DEMO-1")
    invoice_flag_overdue(partner=partner, today=today)
    _quotes(context, partner)


def _quotes(context: DemoContext, partner) -> None:
    tenant = Tenant(partner=partner, role=Role.PARTNER_FINANCE, user=context.user("finance.ja@portal.example"))
    product = Product.objects.get(code="global-server-id")
    quote_create(tenant=tenant, kind=QuoteKind.PRODUCTS, memo="エンドユーザー向け見積り",
                 lines=[LineInput(product_id=product.pk, years=2, quantity=5, fqdns=3, wildcards=1)])
    quote_create(tenant=tenant, kind=QuoteKind.ACCOUNT_CREDIT, memo="デポジット", credit_amount=Decimal("500000"))
