"""Line prices (P-3) from a partner's contract price table (P-2).

unit price = base price for the validity
           + max(FQDNs − included, 0) × price per additional FQDN
           + wildcards × price per wildcard name
           + the code-signing add-on's price, when the line takes it (V-2; products that offer it)
line price = quantity × unit price, in the table's currency, rounded in its precision.

`PriceBook` loads a table's entries once (one query) and prices any number of lines from memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError
from portal.money import Money
from portal.tenancy.models import Partner

from .models import LicencePrice, LicenceProduct, PriceComponent, PriceEntry, PriceTable, Product

MAX_QUANTITY = 1000
MAX_NAMES = 250


@dataclass(frozen=True, slots=True)
class LineInput:
    product_id: int
    years: int
    quantity: int = 1
    fqdns: int = 0
    wildcards: int = 0
    code_signing_addon: bool = False


@dataclass(frozen=True, slots=True)
class LinePrice:
    product: Product
    unit: Money
    total: Money
    base: Money
    per_fqdn: Money | None
    per_wildcard: Money | None


def price_table_current(*, partner: Partner, on: date) -> PriceTable:
    table = (
        PriceTable.objects.for_partner(partner)
        .filter(valid_from__lte=on, valid_until__gte=on)
        .order_by("-valid_from")
        .first()
    )
    if table is None:
        raise PortalError("no_valid_contract", _("Your account has no contract price table valid today."),
                          field="lines")
    return table


class PriceBook:
    def __init__(self, table: PriceTable):
        self.table = table
        self.currency = table.currency
        entries = PriceEntry.objects.for_partner(table.partner).filter(table=table).select_related("product")
        self._prices: dict[tuple[int, int, str], Decimal] = {}
        self.products: dict[int, Product] = {}
        for entry in entries:
            self._prices[(entry.product_id, entry.years, entry.component)] = entry.offered_price
            self.products[entry.product_id] = entry.product

    def _price(self, product_id: int, years: int, component: str) -> Money | None:
        amount = self._prices.get((product_id, years, component))
        return None if amount is None else Money(amount, self.currency)

    def price(self, line: LineInput) -> LinePrice:
        product = self._check(line)
        base = self._price(product.id, line.years, PriceComponent.BASE)
        per_fqdn = self._price(product.id, line.years, PriceComponent.FQDN)
        per_wildcard = self._price(product.id, line.years, PriceComponent.WILDCARD)
        extra_fqdns = max(line.fqdns - product.included_fqdns, 0)
        if extra_fqdns and per_fqdn is None:
            raise PortalError("fqdns_not_priced", _("Your price table has no price for additional FQDNs of "
                                                    "this product and validity."), field="fqdns")
        if line.wildcards and per_wildcard is None:
            raise PortalError("wildcards_not_priced", _("Your price table has no price for wildcard names of "
                                                        "this product and validity."), field="wildcards")
        unit = base
        if line.code_signing_addon:
            unit += self._addon(product, line.years)
        if extra_fqdns:
            unit += per_fqdn * extra_fqdns
        if line.wildcards:
            unit += per_wildcard * line.wildcards
        return LinePrice(product, unit, unit * line.quantity, base, per_fqdn, per_wildcard)

    def _addon(self, product: Product, years: int) -> Money:
        if not product.offers_code_signing_addon:
            raise PortalError("addon_not_offered", _("This product has no code-signing add-on."),
                              field="code_signing_addon")
        price = self._price(product.id, years, PriceComponent.CODE_SIGNING_ADDON)
        if price is None:
            raise PortalError("addon_not_priced", _("Your price table has no price for the code-signing add-on of "
                                                    "this product and validity."), field="code_signing_addon")
        return price

    def _check(self, line: LineInput) -> Product:
        product = self.products.get(line.product_id)
        if product is None or not product.is_active:
            raise PortalError("product_not_in_contract", _("This product is not in your contract price table."),
                              field="product")
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise PortalError("quantity_out_of_range", _("Quantity must be between 1 and 1000."),
                              field="quantity")
        for name, value in (("fqdns", line.fqdns), ("wildcards", line.wildcards)):
            if not 0 <= value <= MAX_NAMES:
                raise PortalError(f"{name}_out_of_range", _("Must be between 0 and 250."), field=name)
        if line.years not in product.allowed_years or self._price(product.id, line.years, "base") is None:
            raise PortalError("validity_not_available", _("This validity is not available for this product."),
                              field="years")
        if line.fqdns and not product.takes_fqdns:
            raise PortalError("fqdns_not_allowed", _("This product takes no FQDNs."), field="fqdns")
        if line.wildcards and not product.takes_wildcards:
            raise PortalError("wildcards_not_allowed", _("This product takes no wildcard names."),
                              field="wildcards")
        if product.is_tls and line.fqdns + line.wildcards < 1:
            raise PortalError("name_required", _("A TLS certificate needs at least one name: an FQDN or a "
                                                 "wildcard."), field="fqdns")
        return product


def price_lines(*, partner: Partner, on: date, lines: list[LineInput]) -> tuple[list[LinePrice], Money]:
    """Price every line against the contract valid on `on`; returns the lines and their total."""
    book = PriceBook(price_table_current(partner=partner, on=on))
    priced = []
    for index, line in enumerate(lines):
        try:
            priced.append(book.price(line))
        except PortalError as error:
            error.field = f"lines[{index}].{error.field}"  # which line, for forms and API alike
            raise
    total = Money.zero(book.currency)
    for line in priced:
        total += line.total
    return priced, total


def licence_year_price(*, partner: Partner, product_id: int, on: date) -> tuple[LicenceProduct, Money]:
    """R-5: the contract price of one licence-year of a licence product, from the price table
    valid on `on`. Refused (field `product`) for a product the contract does not price."""
    table = price_table_current(partner=partner, on=on)
    price = (LicencePrice.objects.for_partner(partner).filter(table=table, product_id=product_id,
                                                             product__is_active=True)
             .select_related("product").first())
    if price is None:
        raise PortalError("licence_not_in_contract", _("Your contract price table has no price for this licence "
                                                       "product."), field="product")
    return price.product, Money(price.offered_price, table.currency)
