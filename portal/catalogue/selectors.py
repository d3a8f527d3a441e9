from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.tenancy.context import Tenant

from .models import PriceEntry, PriceTable


@dataclass
class PriceTableView:
    table: PriceTable | None
    entries: list[PriceEntry]


def price_table_for_display(*, tenant: Tenant, on: date) -> PriceTableView:
    """The contract valid on `on` (else the latest one, so an expired contract still shows)."""
    tables = PriceTable.objects.for_tenant(tenant)
    table = tables.filter(valid_from__lte=on, valid_until__gte=on).order_by("-valid_from").first()
    table = table or tables.order_by("-valid_until").first()
    if table is None:
        return PriceTableView(None, [])
    entries = list(PriceEntry.objects.for_tenant(tenant).filter(table=table).select_related("product"))
    return PriceTableView(table, entries)
