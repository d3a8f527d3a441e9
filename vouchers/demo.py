"""Demo vouchers: orders and codes in every state (V-5), loaded by `manage.py seed_demo`."""

from __future__ import annotations

from datetime import timedelta

from portal.catalogue.models import Product
from portal.dates import local_today
from portal.demo import DemoContext
from portal.tenancy.context import Tenant
from portal.tenancy.models import User
from portal.tenancy.roles import Role

from .models import CodeStatus, VoucherCode, VoucherOrder
from .services import (
    CertificateRequestInput,
    LineRequest,
    certificate_request_approve,
    voucher_code_reissue,
    voucher_expire_due,
    voucher_order_cancel,
    voucher_order_create,
    voucher_redeem,
)


def seed(context: DemoContext) -> None:
    """The Japanese partner gets: a completed order with Active, Used (one certificate issued, one
    pending review) and Replaced codes; a cancelled order; last year's order, Expired."""
    partner = context.partners["ja"]
    if VoucherOrder.objects.for_partner(partner).exists():
        return
    tenant = Tenant(partner=partner, role=Role.PARTNER_FINANCE, user=context.user("finance.ja@portal.example"))
    ev = Product.objects.get(code="global-server-id-ev")
    ov = Product.objects.get(code="global-server-id")
    main = voucher_order_create(tenant=tenant, customer_name="株式会社エンドユーザー", notes="請求書 2026-101", lines=[
        LineRequest(product_id=ev.pk, years=1, quantity=5, fqdns=1),
        LineRequest(product_id=ov.pk, years=2, quantity=3, fqdns=3, wildcards=1)])
    codes = list(VoucherCode.objects.for_partner(partner).filter(order=main).order_by("id"))
    issued = _redeem(codes[0], context.customer, "www.example.co.jp")
    certificate_request_approve(actor=context.operator, certificate_request=issued)
    _redeem(codes[1], context.customer, "shop.example.co.jp")
    voucher_code_reissue(tenant=tenant, code=codes[2])
    cancelled = voucher_order_create(tenant=tenant, customer_name="キャンセル例", lines=[
        LineRequest(product_id=ov.pk, years=1, quantity=2, fqdns=1)])
    voucher_order_cancel(tenant=tenant, order=cancelled)
    old = voucher_order_create(tenant=tenant, customer_name="昨年の注文", lines=[
        LineRequest(product_id=ov.pk, years=1, quantity=2, fqdns=1)])
    last_year = old.order_date - timedelta(days=400)
    expiry = last_year + timedelta(days=364)
    VoucherOrder.objects.for_partner(partner).filter(pk=old.pk).update(order_date=last_year, expires_on=expiry)
    VoucherCode.objects.for_partner(partner).filter(order=old).update(expires_on=expiry)
    voucher_expire_due(partner=partner, today=local_today(partner.time_zone))
    assert VoucherCode.objects.for_partner(partner).filter(status=CodeStatus.EXPIRED).count() == 2


def _redeem(code: VoucherCode, customer: User, name: str):
    return voucher_redeem(value=code.value, requester=customer,
                          data=CertificateRequestInput(common_name=name, organisation="株式会社エンドユーザー"))
