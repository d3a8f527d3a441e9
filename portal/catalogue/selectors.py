from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet

from portal.dates import local_today
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner

from .models import LicencePrice, PriceEntry, PriceTable, Product
from .pricing import price_table_current


@dataclass
class PriceTableView:
    table: PriceTable | None
    entries: list[PriceEntry]
    licence_prices: list[LicencePrice] = field(default_factory=list)


def price_table_for_display(*, tenant: Tenant, on: date) -> PriceTableView:
    """The contract valid on `on` (else the latest one, so an expired contract still shows)."""
    tables = PriceTable.objects.for_tenant(tenant)
    table = tables.filter(valid_from__lte=on, valid_until__gte=on).order_by("-valid_from").first()
    table = table or tables.order_by("-valid_until").first()
    if table is None:
        return PriceTableView(None, [])
    entries = list(PriceEntry.objects.for_tenant(tenant).filter(table=table).select_related("product"))
    licences = list(LicencePrice.objects.for_tenant(tenant).filter(table=table).select_related("product"))
    return PriceTableView(table, entries, licences)


def price_tables_of(*, partner: Partner) -> list[PriceTable]:
    """The partner's price tables, latest first, each with `price_count` (operator console)."""
    return list(PriceTable.objects.for_partner(partner).annotate(
        price_count=Count("entries", distinct=True) + Count("licence_prices", distinct=True)).order_by("-valid_from"))


def price_table_rows(*, table: PriceTable) -> tuple[list[PriceEntry], list[LicencePrice]]:
    """Every price of one table, in its order (operator console)."""
    entries = PriceEntry.objects.for_partner(table.partner).filter(table=table).select_related("product")
    licences = LicencePrice.objects.for_partner(table.partner).filter(table=table).select_related("product")
    return list(entries), list(licences)


def contract_products_today(*, tenant: Tenant) -> tuple[QuerySet[Product], PriceTable]:
    """The active products of the contract valid today in the partner's calendar, by name: the
    only ones a product line may offer (P-2); and that contract's table, which prices them.
    Raises PortalError `no_valid_contract` (field `lines`) when no contract is valid today."""
    table = price_table_current(partner=tenant.partner, on=local_today(tenant.partner.time_zone))
    ids = PriceEntry.objects.for_tenant(tenant).filter(table=table).values("product_id")
    return Product.objects.filter(pk__in=ids, is_active=True).order_by("name"), table
