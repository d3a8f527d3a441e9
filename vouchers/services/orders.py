"""Voucher orders: create (V-2, with B-7's charge), cancel (V-10), the expiry rule (V-4).

Concurrency: the partner's balance row (billing.services.ledger_post) is the last lock every
order operation takes. Creation takes no lock before it, so two orders of one partner are
serialised there and can never together exceed the funds; cancellation locks the order and its
codes first, then the balance. Creation is one transaction: order, lines, every code, the ledger
charge and the audit entry, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import services as billing
from portal.audit.services import audit_record
from portal.catalogue.models import ProductKind
from portal.catalogue.pricing import LineInput, price_lines
from portal.dates import anniversary, local_today
from portal.errors import Forbidden, PortalError
from portal.outbox import outbox_enqueue
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner
from portal.tenancy.roles import Perm
from portal.transitions import transition_apply, transition_apply_many

from ..codes import new_codes
from ..models import (
    CODE_MOVES,
    ORDER_MOVES,
    CodeStatus,
    OrderStatus,
    ShippingMethod,
    VoucherCode,
    VoucherOrder,
    VoucherOrderLine,
)
from ..selectors import voucher_order_cancel_refusal, voucher_order_refusal

MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class LineRequest(LineInput):
    """An order line: a priced product line plus how an EV code-signing token ships."""

    shipping_method: str = ""


def _item_name(product_name: str, years: int) -> str:
    """How an order line reads on the itemised statement (language-neutral)."""
    return f"{product_name} ({years}Y)"


def voucher_expiry(order_date: date) -> date:
    """V-4: usable until the end of the day one year after the order date, minus one day
    (2020-07-28 → 2021-07-27; 2024-02-29 → 2025-02-28)."""
    return anniversary(order_date, 1) - timedelta(days=1)


def voucher_order_create(*, tenant: Tenant, lines: list[LineRequest], customer_name: str = "",
                         notes: str = "") -> VoucherOrder:
    partner = tenant.partner
    _check_can_order(tenant, lines)
    today = local_today(partner.time_zone)
    priced, total = price_lines(partner=partner, on=today, lines=lines)
    for index, (line, price) in enumerate(zip(lines, priced, strict=True)):
        _check_shipping(line, price.product.kind, f"lines[{index}].shipping_method")
    with transaction.atomic():
        order = VoucherOrder.objects.create(
            partner=partner, customer_name=customer_name.strip(), notes=notes.strip(), currency=total.currency,
            total=total.amount, order_date=today, expires_on=voucher_expiry(today), created_by=tenant.user,
            delegated=tenant.delegated)
        items = [billing.BillableItem(_item_name(price.product.name, line.years), line.quantity, price.total.amount)
                 for line, price in zip(lines, priced, strict=True)]
        entry = billing.balance_charge(partner=partner, amount=total.amount, reference=f"VO-{order.pk}",
                                       description=order.customer_name, actor=tenant.user, items=items)
        order.receipt_id = f"R{entry.pk:08d}"
        order.save(update_fields=["receipt_id"])
        order_lines = VoucherOrderLine.objects.bulk_create([
            VoucherOrderLine(partner=partner, order=order, product_id=line.product_id, years=line.years,
                             quantity=line.quantity, fqdns=line.fqdns, wildcards=line.wildcards,
                             shipping_method=line.shipping_method, code_signing_addon=line.code_signing_addon,
                             unit_price=price.unit.amount,
                             line_price=price.total.amount, position=index)
            for index, (line, price) in enumerate(zip(lines, priced, strict=True))
        ])
        _insert_codes(order, order_lines)
        if not partner.currency_locked:
            Partner.objects.filter(pk=partner.pk).update(currency_locked=True)
        audit_record(action="voucher_order.created", obj=order, tenant=tenant, after={
            "total": order.total, "currency": order.currency, "codes": sum(line.quantity for line in lines),
            "receipt": order.receipt_id})
        if tenant.delegated:
            from ..tasks import send_vouchers_delivered_email

            outbox_enqueue(send_vouchers_delivered_email, order.pk)
    return order


def _check_can_order(tenant: Tenant, lines: list[LineRequest]) -> None:
    if not tenant.can(Perm.VOUCHERS_MANAGE):
        raise Forbidden()
    if (refusal := voucher_order_refusal(tenant=tenant)) is not None:
        raise refusal
    if not lines:
        raise PortalError("no_lines", _("Add at least one product."), field="lines")
    if len(lines) > MAX_LINES:
        raise PortalError("too_many_lines", _("An order has at most 50 lines."), field="lines")


def _check_shipping(line: LineRequest, kind: str, field: str) -> None:
    needs_token = kind == ProductKind.EV_CODE_SIGNING
    if needs_token and line.shipping_method not in (ShippingMethod.STANDARD, ShippingMethod.EXPRESS):
        raise PortalError("shipping_required", _("Choose how the hardware token is shipped."),
                          field=field)
    if not needs_token and line.shipping_method:
        raise PortalError("shipping_not_allowed", _("Only EV code signing ships a hardware token."), field=field)


def _insert_codes(order: VoucherOrder, lines: list[VoucherOrderLine]) -> None:
    """All codes of the order in one INSERT from arrays (a 10 × 1000 order is 10,000 rows: no
    INSERT per code; COPY FROM is refused on a table under row-level security). A duplicate value
    (160 random bits: never in practice) fails the unique index and with it the whole order."""
    line_ids, values = [], []
    for line in lines:
        codes = new_codes(line.quantity)
        values.extend(codes)
        line_ids.extend([line.pk] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO vouchers_vouchercode (partner_id, order_id, line_id, value, status, expires_on, created_at) "
            "SELECT %s, %s, line_id, value, %s, %s, %s FROM unnest(%s::bigint[], %s::varchar[]) AS c(line_id, value)",
            [order.partner_id, order.pk, CodeStatus.ACTIVE, order.expires_on, timezone.now(), line_ids, values])


def voucher_order_cancel(*, tenant: Tenant, order: VoucherOrder) -> VoucherOrder:
    """V-10: the whole order, within 30 days of its creation (partner's calendar: day 30 is still
    allowed), only while every code is Active. Refunds the full price to the balance."""
    if not tenant.can(Perm.VOUCHERS_MANAGE):
        raise Forbidden()
    with transaction.atomic():
        order = VoucherOrder.objects.for_tenant(tenant).select_for_update().get(pk=order.pk)
        live = VoucherCode.objects.for_tenant(tenant).filter(order=order).exclude(status=CodeStatus.REPLACED)
        codes = list(live.select_for_update().values_list("status", flat=True))
        refusal = voucher_order_cancel_refusal(order=order, today=local_today(tenant.partner.time_zone),
                                               code_statuses=codes)
        if refusal is not None:
            raise refusal
        cancelled = transition_apply_many(queryset=live, to=CodeStatus.CANCELLED, moves=CODE_MOVES,
                                          action="voucher_codes.cancelled")
        items = [billing.BillableItem(_item_name(line.product.name, line.years), -line.quantity, -line.line_price)
                 for line in order.lines.select_related("product")]
        billing.balance_refund(partner=tenant.partner, amount=order.total, reference=f"VO-{order.pk}",
                               description=order.customer_name, actor=tenant.user, items=items)
        transition_apply(obj=order, to=OrderStatus.CANCELLED, moves=ORDER_MOVES, action="voucher_order.cancelled",
                         tenant=tenant, changes={"cancelled_at": timezone.now()},
                         audit_after={"codes_cancelled": cancelled, "refund": order.total})
    return order
