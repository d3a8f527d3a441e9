"""Demo customers: one in every list filter (C-3), a reseller's customer, and a customer whose
admin is the demo end customer (console)."""

from __future__ import annotations

from datetime import timedelta

from portal.catalogue.models import LicenceProduct
from portal.dates import add_years, local_today
from portal.demo import DemoContext
from portal.tenancy.context import Tenant
from portal.tenancy.models import Reseller
from portal.tenancy.roles import Role

from .models import Customer, InvitationStatus, PurchaseAuthorization
from .services import CustomerInput, PALineInput, customer_add, pa_create, pa_flag_overdue, pa_order


def _data(name: str, email: str, **extra) -> CustomerInput:
    return CustomerInput(name=name, market_segment="commercial", offer_type="team", region="Kanto",
                         address="1-1 Chiyoda, Tokyo", postal_code="100-0001", contact_name="担当者",
                         contact_email=email, **extra)


def seed(context: DemoContext) -> None:
    partner = context.partners["ja"]
    if Customer.objects.for_partner(partner).exists():
        return
    manager = context.user("manager.ja@portal.example")
    tenant = Tenant(partner=partner, role=Role.ACCOUNT_MANAGER, user=manager)
    today = local_today(partner.time_zone)
    team = LicenceProduct.objects.get(sku="65304520CA01A12")
    acrobat = LicenceProduct.objects.get(sku="65304522CA01A12")

    customer_add(tenant=tenant, data=_data("株式会社ノープロダクト", "no-products@customer.example"))
    pending = customer_add(tenant=tenant, data=_data("株式会社ペンディング", "pending@customer.example"))
    pa_create(tenant=tenant, customer=pending, actor=manager, licence_type="team",
              lines=[PALineInput(team.pk, 10)], deployment_date=today)
    overdue = customer_add(tenant=tenant, data=_data("株式会社オーバーデュー", "overdue@customer.example"))
    late_pa = pa_create(tenant=tenant, customer=overdue, actor=manager, licence_type="team",
                        lines=[PALineInput(acrobat.pk, 3)], deployment_date=today)
    PurchaseAuthorization.objects.for_partner(partner).filter(pk=late_pa.pk).update(
        created_on=today - timedelta(days=20))
    pa_flag_overdue(partner=partner, today=today)
    # Customers of last year, whose anniversaries are now near (made as the import of old data would).
    for name, email, days in (("株式会社アップカミング", "upcoming@customer.example", 60),
                              ("株式会社レディ", "ready@customer.example", 10)):
        customer = Customer.objects.create(
            partner=partner, vip_id=f"VIP9{days:09d}", name=name, market_segment="commercial", offer_type="team",
            region="Kanto", address="2-2 Minato, Tokyo", postal_code="105-0001", contact_name="担当者",
            contact_email=email, anniversary=today + timedelta(days=days), account_manager=manager,
            invitation_status=InvitationStatus.ACCEPTED,
            admin_user=context.customer if days == 10 else None)
        pa = pa_create(tenant=tenant, customer=customer, actor=manager, licence_type="team",
                       lines=[PALineInput(team.pk, 25)], deployment_date=today)
        pa_order(tenant=tenant, pa=pa, vendor_order_number=f"VO-DEMO-{days}")
    _reseller_customer(context)


def _reseller_customer(context: DemoContext) -> None:
    partner = context.partners["fr"]
    lyon = Reseller.objects.for_partner(partner).get(name="Sous-revendeur Lyon")
    user = context.user("reseller.fr@portal.example")
    tenant = Tenant(partner=partner, role=Role.RESELLER_USER, user=user, reseller=lyon)
    today = local_today(partner.time_zone)
    customer_add(tenant=tenant, data=CustomerInput(
        name="Atelier Lumière SARL", market_segment="education", offer_type="enterprise", region="Auvergne-Rhône-Alpes",
        address="5 quai Saint-Antoine, Lyon", postal_code="69002", contact_name="Julie Garnier",
        contact_email="julie@atelier-lumiere.example", anniversary=add_years(today, 1) + timedelta(days=120)))
