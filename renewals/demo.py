"""Demo renewals: licence prices in both contracts, a partner pool and a reseller pool with some
history, and customers in every R-2 colour and R-6 stage — Upcoming and Ready (made by the
customers demo), lapsed with inactive licences, already renewed (green) with its renewal in the
history, not started yet (blue), running, and a reseller's customer renewing from its pool."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from customers.models import Customer, InvitationStatus
from portal.catalogue.models import LicencePrice, LicenceProduct, PriceTable
from portal.dates import add_years, local_today
from portal.demo import DemoContext
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner, Reseller
from portal.tenancy.roles import Role

from .models import LicencePool
from .services import (
    RenewalLineInput,
    customer_renew,
    pool_allocate,
    pool_correct,
    pool_purchase,
    pool_take_back,
    subscription_add_licences,
    subscription_deactivate_lapsed,
)

TEAM, ACROBAT, ENTERPRISE = "65304520CA01A12", "65304522CA01A12", "65297750BA01A12"
# Price of one licence-year: (list price, discount %, offered) per currency.
LICENCE_PRICES = {
    "JPY": {TEAM: ("86400", "15", "73440"), ACROBAT: ("23760", "15", "20196"), ENTERPRISE: ("120000", "20", "96000")},
    "EUR": {TEAM: ("660.00", "15", "561.00"), ACROBAT: ("180.00", "15", "153.00"),
            ENTERPRISE: ("900.00", "20", "720.00")},
}


def seed(context: DemoContext) -> None:
    japan, france = context.partners["ja"], context.partners["fr"]
    if LicencePool.objects.for_partner(japan).exists():
        return
    for partner in (japan, france):
        _licence_prices(partner)
    _japan(context, japan)
    _france(context, france)


def _licence_prices(partner: Partner) -> None:
    table = PriceTable.objects.for_partner(partner).order_by("-valid_from").first()
    for position, (sku, (list_price, discount, offered)) in enumerate(LICENCE_PRICES[partner.currency].items()):
        LicencePrice.objects.for_partner(partner).get_or_create(
            table=table, product=LicenceProduct.objects.get(sku=sku),
            defaults={"partner": partner, "list_price": Decimal(list_price), "discount_rate": Decimal(discount),
                      "offered_price": Decimal(offered), "position": position})


def _customer(partner: Partner, name: str, email: str, anniversary, manager, *, reseller=None, admin=None,
              vip: str) -> Customer:
    """A customer of earlier years (made as an import of old data would be)."""
    return Customer.objects.create(
        partner=partner, reseller=reseller, vip_id=vip, name=name, market_segment="commercial", offer_type="team",
        region="Kanto" if partner.currency == "JPY" else "Île-de-France", address="3-3 Shibuya, Tokyo"
        if partner.currency == "JPY" else "8 rue du Bac, Paris", postal_code="150-0002"
        if partner.currency == "JPY" else "75007", contact_name="担当者" if partner.currency == "JPY" else "Contact",
        contact_email=email, anniversary=anniversary, account_manager=manager, admin_user=admin,
        invitation_status=InvitationStatus.ACCEPTED)


def _licences(customer: Customer, sku: str, licences: int, start) -> None:
    with transaction.atomic():
        subscription_add_licences(customer=customer, product_id=LicenceProduct.objects.get(sku=sku).pk,
                                  licences=licences, start=start)


def _japan(context: DemoContext, partner: Partner) -> None:
    today = local_today(partner.time_zone)
    manager = context.user("manager.ja@portal.example")
    finance = Tenant(partner=partner, role=Role.PARTNER_FINANCE, user=context.user("finance.ja@portal.example"))
    team = LicenceProduct.objects.get(sku=TEAM)
    pool_correct(actor=context.operator, partner=partner, product_id=team.pk, reseller_id=None, quantity=120,
                 reason="Opening balance carried over from the previous portal")
    pool_purchase(tenant=finance, product_id=team.pk, licence_years=10)
    pool_purchase(tenant=finance, product_id=LicenceProduct.objects.get(sku=ACROBAT).pk, licence_years=10)

    renewed = _customer(partner, "株式会社リニューアル済み", "renewed@customer.example", today + timedelta(days=20),
                        manager, vip="VIP8000000001")
    _licences(renewed, TEAM, 8, add_years(renewed.anniversary, -1))
    customer_renew(tenant=Tenant(partner=partner, role=Role.ACCOUNT_MANAGER, user=manager), customer=renewed,
                   years=1, lines=[RenewalLineInput(renewed.subscriptions.get().pk, 8)])

    grace = _customer(partner, "株式会社グレース", "grace@customer.example", today - timedelta(days=5), manager,
                      vip="VIP8000000002")
    _licences(grace, TEAM, 6, add_years(grace.anniversary, -1))
    lapsed = _customer(partner, "株式会社ラプス", "lapsed@customer.example", today - timedelta(days=40), manager,
                       vip="VIP8000000003")
    _licences(lapsed, ACROBAT, 4, add_years(lapsed.anniversary, -1))
    subscription_deactivate_lapsed(partner=partner, today=today)

    future = _customer(partner, "株式会社ブルー", "blue@customer.example", add_years(today, 1), manager,
                       vip="VIP8000000004")
    _licences(future, TEAM, 15, today + timedelta(days=14))  # deployment in two weeks: not started yet
    running = _customer(partner, "株式会社アクティブ", "running@customer.example", today + timedelta(days=200), manager,
                        vip="VIP8000000005")
    _licences(running, TEAM, 20, add_years(running.anniversary, -1))
    _licences(running, ACROBAT, 5, add_years(running.anniversary, -1))


def _france(context: DemoContext, partner: Partner) -> None:
    today = local_today(partner.time_zone)
    lyon = Reseller.objects.for_partner(partner).get(name="Sous-revendeur Lyon")
    admin = Tenant(partner=partner, role=Role.PARTNER_ADMIN, user=context.user("admin.fr@portal.example"))
    team = LicenceProduct.objects.get(sku=TEAM)
    pool_purchase(tenant=admin, product_id=team.pk, licence_years=10)
    pool_allocate(tenant=admin, product_id=team.pk, reseller_id=lyon.pk, licence_years=8)
    pool_take_back(tenant=admin, product_id=team.pk, reseller_id=lyon.pk, licence_years=2)
    customer = _customer(partner, "Boulangerie du Rhône", "contact@boulangerie-rhone.example",
                         today + timedelta(days=25), context.user("reseller.fr@portal.example"), reseller=lyon,
                         vip="VIP8000000006")
    _licences(customer, TEAM, 3, add_years(customer.anniversary, -1))
