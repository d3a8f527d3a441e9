"""Voucher reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError
from portal.tenancy.context import Tenant
from portal.tenancy.services import billing_contact_require_complete

from .models import CodeStatus, OrderStatus, VoucherCode, VoucherOrder

CANCEL_WITHIN_DAYS = 30


def voucher_order_refusal(*, tenant: Tenant) -> PortalError | None:
    """V-1 and T-6: why this partner cannot order vouchers now, or None. The one place the rule
    lives: the order service raises it, the pages show it."""
    if not tenant.partner.vouchers_enabled:
        return PortalError("vouchers_not_enabled", _("Vouchers are not enabled for your account. Ask the operator "
                                                     "to enable them."), status=403)
    try:
        billing_contact_require_complete(partner=tenant.partner)
    except PortalError as error:
        return error
    return None


def order_codes(*, order: VoucherOrder):
    """The order's codes that can still be redeemed (Active), by Code ID: the vouchers worth
    handing out. Scoped by the order's own partner, so it needs no request Tenant (tasks have none)."""
    return (VoucherCode.objects.for_partner(order.partner).filter(order=order, status=CodeStatus.ACTIVE)
            .select_related("line__product").order_by("id"))


def redemption_url(code: VoucherCode) -> str:
    """V-8: the code's public redemption URL (the code itself is the secret in it)."""
    return f"{settings.PORTAL_SITE_URL}/redeem/{code.value}/"


def renewal_url(code: VoucherCode) -> str:
    """V-8: the same voucher used to renew an expiring certificate."""
    return f"{settings.PORTAL_SITE_URL}/redeem/{code.value}/renew/"


def voucher_orders(*, tenant: Tenant, status: str = "", code_status: str = "", date_from=None, date_to=None,
                   search: str = ""):
    """The order list, newest first; `search` matches the customer, the notes, the receipt, the
    order number, or the start of one of its codes (at least 5 characters, as lists mask them)."""
    qs = VoucherOrder.objects.for_tenant(tenant).order_by("-created_at", "-id")
    if search:
        match = Q(customer_name__icontains=search) | Q(notes__icontains=search) | Q(receipt_id__iexact=search)
        number = search.removeprefix("VO-")
        if number.isdigit() and len(number) < 12:
            match |= Q(pk=int(number))
        if len(search) >= 5:
            match |= Q(Exists(VoucherCode.objects.for_tenant(tenant).filter(
                order=OuterRef("pk"), value__startswith=search.upper().rstrip("*"))))
        qs = qs.filter(match)
    if status:
        qs = qs.filter(status=status)
    if code_status:
        qs = qs.filter(codes__status=code_status).distinct()
    if date_from:
        qs = qs.filter(order_date__gte=date_from)
    if date_to:
        qs = qs.filter(order_date__lte=date_to)
    return qs


def voucher_codes(*, tenant: Tenant, order: VoucherOrder | None = None, search: str = ""):
    """Codes as lists show them: Replaced codes are hidden (V-5, V-11). `search`: a Code ID or the
    start of a code (at least 5 characters)."""
    qs = VoucherCode.objects.for_tenant(tenant).exclude(status=CodeStatus.REPLACED).select_related("line__product")
    if search:
        match = Q(pk=int(search)) if search.isdigit() and len(search) < 12 else Q(pk__in=[])
        if len(search) >= 5:
            match |= Q(value__startswith=search.upper().rstrip("*"))
        qs = qs.filter(match)
    return qs.filter(order=order) if order is not None else qs


def codes_expiring(*, tenant: Tenant, today, until) -> int:
    """R-3's tile: Active codes whose last usable day falls between today and `until`."""
    return VoucherCode.objects.for_tenant(tenant).filter(status=CodeStatus.ACTIVE,
                                                         expires_on__range=(today, until)).count()


def voucher_order_cancel_refusal(*, order: VoucherOrder, today: date,
                                 code_statuses: Iterable[str]) -> PortalError | None:
    """V-10's rule in one place: why this order cannot be cancelled today (the partner's date; day
    30 after the order date is still allowed), or None. The cancel service asks it under its locks;
    the order page asks it to offer the button only where it works and to say why not."""
    if order.status != OrderStatus.COMPLETED:
        return PortalError("order_not_cancellable", _("This order is already cancelled."), status=409)
    if (today - order.order_date).days > CANCEL_WITHIN_DAYS:
        return PortalError("cancel_window_passed", _("An order can be cancelled only within 30 days of its "
                                                     "creation."), status=409)
    if any(status != CodeStatus.ACTIVE for status in code_statuses):
        return PortalError("codes_not_all_active", _("An order can be cancelled only while all its codes are "
                                                     "Active; this one has used, expired or cancelled codes."),
                           status=409)
    return None
