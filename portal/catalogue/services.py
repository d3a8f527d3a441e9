"""Catalogue writes: contract price tables (P-2, T-8) and the PA exclusion rule (P-4).

A price table's rows come from the operator console's form or from a CSV file
(portal/catalogue/pricecsv.py); both are checked here by one rule set (`price_rows_check`), and
every row is reported with where it came from (a line of the file, a row of the form). Nothing is
written while any row is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.errors import Conflict, Forbidden, PortalError
from portal.money import CURRENCY_DECIMALS
from portal.tenancy.models import Partner, User

from .models import LicencePrice, LicenceProduct, PriceComponent, PriceEntry, PriceTable, Product

MAX_PRICE = Decimal("1000000000000")
MAX_ROWS = 5000


class RowKind:
    CERTIFICATE = "certificate"
    LICENCE = "licence"
    ALL = (CERTIFICATE, LICENCE)


def licence_product_check_pa_allowed(*, product: LicenceProduct) -> None:
    """P-4: some licence products can only be bought from the vendor directly."""
    if product.not_available_through_pa:
        raise PortalError(
            "product_not_available_through_pa",
            _("%(product)s cannot be put on a purchase authorization: order this product directly from "
              "the vendor.") % {"product": product.name},
            field="product",
        )


# --- price rows --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PriceRow:
    """One price as entered: text from a CSV cell or a form field. `line` says where it came from
    (the file's line number, or the form's row number)."""

    line: int
    kind: str
    code: str
    years: str = ""
    component: str = ""
    name: str = ""
    list_price: str = ""
    discount_rate: str = ""
    offered_price: str = ""


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str | None
    message: str


class PriceRowsInvalid(PortalError):
    """Every wrong row and column at once; nothing was written."""

    def __init__(self, errors: list[RowError]):
        summary = "; ".join(describe_row_error(error) for error in errors[:3])
        super().__init__("price_rows_invalid", summary, field="rows")
        self.errors = errors


def describe_row_error(error: RowError) -> str:
    if error.line is None:
        return error.message
    if error.column is None:
        return str(_("line %(line)s: %(message)s") % {"line": error.line, "message": error.message})
    return str(_("line %(line)s, column %(column)s: %(message)s")
               % {"line": error.line, "column": error.column, "message": error.message})


@dataclass
class CheckedPrices:
    certificates: dict[tuple[int, int, str], dict] = field(default_factory=dict)
    licences: dict[int, dict] = field(default_factory=dict)


class _RowChecker:
    def __init__(self, currency: str):
        self.currency = currency
        self.places = CURRENCY_DECIMALS[currency]
        self.errors: list[RowError] = []
        self.products = {p.code: p for p in Product.objects.all()}
        self.licence_products = {p.sku: p for p in LicenceProduct.objects.all()}
        self.seen: dict[tuple, int] = {}
        self.result = CheckedPrices()

    def error(self, row: PriceRow, column: str | None, message) -> None:
        self.errors.append(RowError(row.line, column, str(message)))

    def amount(self, row: PriceRow, column: str, *, places: int, maximum: Decimal) -> Decimal | None:
        text = getattr(row, column).strip()
        if not text:
            self.error(row, column, _("Enter an amount."))
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(row, column, _("%(value)s is not a number: write it without thousands separators, with a "
                                      "point before decimals (1234.50).") % {"value": text})
            return None
        if not value.is_finite() or not Decimal(0) <= value <= maximum:
            self.error(row, column, _("Must be between 0 and %(maximum)s.") % {"maximum": maximum})
            return None
        if value != value.quantize(Decimal(1).scaleb(-places)):
            self.error(row, column, _("At most %(places)s decimal places.") % {"places": places})
            return None
        return value.quantize(Decimal(1).scaleb(-places))

    def prices(self, row: PriceRow) -> dict | None:
        values = {
            "list_price": self.amount(row, "list_price", places=self.places, maximum=MAX_PRICE),
            "discount_rate": self.amount(row, "discount_rate", places=2, maximum=Decimal(100)),
            "offered_price": self.amount(row, "offered_price", places=self.places, maximum=MAX_PRICE),
        }
        return None if None in values.values() else values

    def duplicate(self, row: PriceRow, key: tuple) -> bool:
        if key in self.seen:
            self.error(row, "code", _("The same price as line %(line)s.") % {"line": self.seen[key]})
            return True
        self.seen[key] = row.line
        return False

    def check(self, row: PriceRow, position: int) -> None:
        kind = row.kind.strip().lower()
        if kind == RowKind.CERTIFICATE:
            self.certificate(row, position)
        elif kind == RowKind.LICENCE:
            self.licence(row, position)
        else:
            self.error(row, "kind", _("Use certificate or licence."))

    def certificate(self, row: PriceRow, position: int) -> None:
        product = self.products.get(row.code.strip())
        if product is None:
            self.error(row, "code", _("No certificate product has the code %(code)s.") % {"code": row.code.strip()})
        years = self.years(row, product)
        component = row.component.strip().lower()
        if component not in PriceComponent.values:
            self.error(row, "component", _("Use base, fqdn or wildcard."))
            component = None
        elif product and component == PriceComponent.FQDN and not product.takes_fqdns:
            self.error(row, "component", _("This product takes no FQDNs."))
            component = None
        elif product and component == PriceComponent.WILDCARD and not product.takes_wildcards:
            self.error(row, "component", _("This product takes no wildcard names."))
            component = None
        name = row.name.strip()
        if len(name) > 200:
            self.error(row, "name", _("At most 200 characters."))
        prices = self.prices(row)
        if product is None or years is None or component is None or prices is None:
            return
        key = (product.pk, years, component)
        if self.duplicate(row, (RowKind.CERTIFICATE, *key)):
            return
        label = name or f"{product.name} ({years} y, {PriceComponent(component).label})"
        self.result.certificates[key] = {"product": product, "years": years, "component": component,
                                         "label": label[:200], "position": position, "line": row.line, **prices}

    def years(self, row: PriceRow, product: Product | None) -> int | None:
        text = row.years.strip()
        if not text.isdigit() or not 1 <= int(text) <= 6:
            self.error(row, "years", _("Enter a whole number of years from 1 to 6."))
            return None
        if product is not None and int(text) not in product.allowed_years:
            self.error(row, "years", _("%(product)s is sold for %(low)s to %(high)s years.")
                       % {"product": product.name, "low": product.min_years, "high": product.max_years})
            return None
        return int(text)

    def licence(self, row: PriceRow, position: int) -> None:
        product = self.licence_products.get(row.code.strip())
        if product is None:
            self.error(row, "code", _("No licence product has the SKU %(code)s.") % {"code": row.code.strip()})
        for column in ("years", "component"):
            if getattr(row, column).strip():
                self.error(row, column, _("Leave this empty for a licence: its price is per licence-year."))
        prices = self.prices(row)
        if product is None or prices is None or self.duplicate(row, (RowKind.LICENCE, product.pk)):
            return
        self.result.licences[product.pk] = {"product": product, "position": position, "line": row.line, **prices}

    def bases_present(self) -> None:
        """An FQDN or wildcard price needs the base price of its product and validity (P-3)."""
        for (product_id, years, component), row in self.result.certificates.items():
            if component != PriceComponent.BASE and (product_id, years, PriceComponent.BASE) not in \
                    self.result.certificates:
                self.errors.append(RowError(row["line"], "component", str(
                    _("No base price for %(product)s for %(years)s years: add one.")
                    % {"product": row["product"].name, "years": years})))


def price_rows_check(*, rows: list[PriceRow], currency: str) -> CheckedPrices:
    """Check every row (P-1, P-2, P-3 rules, the currency's precision); raises PriceRowsInvalid
    naming each wrong line and column."""
    if len(rows) > MAX_ROWS:
        raise PriceRowsInvalid([RowError(None, None, str(_("At most %(count)s prices in one table.")
                                                         % {"count": MAX_ROWS}))])
    checker = _RowChecker(currency)
    for position, row in enumerate(rows):
        checker.check(row, position)
    checker.bases_present()
    if checker.errors:
        raise PriceRowsInvalid(sorted(checker.errors, key=lambda e: (e.line or 0, e.column or "")))
    return checker.result


# --- price tables ------------------------------------------------------------------------------

def _require_operator(actor: User) -> None:
    if not actor.is_operator:
        raise Forbidden()


def _check_period(*, partner: Partner, valid_from: date, valid_until: date, table_id: int | None) -> None:
    if valid_from > valid_until:
        raise PortalError("period_reversed", _("The validity cannot end before it starts."), field="valid_until")
    other = (PriceTable.objects.for_partner(partner).filter(valid_from__lte=valid_until, valid_until__gte=valid_from)
             .exclude(pk=table_id).order_by("valid_from").first())
    if other is not None:
        raise _overlap(other)


def _overlap(other: PriceTable | None) -> Conflict:
    if other is None:
        return Conflict("price_table_overlap", _("This validity period overlaps another price table of the "
                                                 "partner."), field="valid_from")
    return Conflict("price_table_overlap",
                    _("This validity period overlaps the price table valid from %(start)s to %(end)s: a partner "
                      "has one price table on any day.") % {"start": other.valid_from, "end": other.valid_until},
                    field="valid_from")


@transaction.atomic
def price_table_create(*, actor: User, partner: Partner, valid_from: date, valid_until: date,
                       rows: list[PriceRow] | None = None, source: str = "form") -> PriceTable:
    """T-8, P-2: a contract price table for `partner` in its account currency; its period may not
    overlap another of the partner's (also a database constraint). With `rows`, its prices too,
    all or nothing. The partner sees it from `valid_from` in its own time zone."""
    _require_operator(actor)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)  # one table change per partner at a time
    _check_period(partner=partner, valid_from=valid_from, valid_until=valid_until, table_id=None)
    checked = price_rows_check(rows=rows or [], currency=partner.currency)
    try:
        with transaction.atomic():
            table = PriceTable.objects.create(partner=partner, currency=partner.currency, valid_from=valid_from,
                                              valid_until=valid_until)
    except IntegrityError:
        raise _overlap(None) from None
    audit_record(action="price_table.created", obj=table, actor=actor, partner=partner,
                 after={"valid_from": valid_from, "valid_until": valid_until, "currency": table.currency})
    if rows:
        _write_prices(actor=actor, table=table, checked=checked, source=source)
    return table


@transaction.atomic
def price_table_update(*, actor: User, table: PriceTable, valid_from: date, valid_until: date,
                       rows: list[PriceRow] | None = None, source: str = "form") -> PriceTable:
    """Change a table's validity and, with `rows`, replace its prices (rows missing from `rows`
    are removed). Every changed price is audited with its before and after."""
    _require_operator(actor)
    partner = Partner.objects.select_for_update().get(pk=table.partner_id)
    table = PriceTable.objects.for_partner(partner).select_for_update().get(pk=table.pk)
    checked = price_rows_check(rows=rows, currency=table.currency) if rows is not None else None
    if (valid_from, valid_until) != (table.valid_from, table.valid_until):
        _check_period(partner=partner, valid_from=valid_from, valid_until=valid_until, table_id=table.pk)
        before = {"valid_from": table.valid_from, "valid_until": table.valid_until}
        table.valid_from, table.valid_until = valid_from, valid_until
        try:
            with transaction.atomic():
                table.save(update_fields=["valid_from", "valid_until"])
        except IntegrityError:
            raise _overlap(None) from None
        audit_record(action="price_table.validity_changed", obj=table, actor=actor, partner=partner, before=before,
                     after={"valid_from": valid_from, "valid_until": valid_until})
    if checked is not None:
        _write_prices(actor=actor, table=table, checked=checked, source=source)
    return table


@transaction.atomic
def price_table_import(*, actor: User, table: PriceTable, rows: list[PriceRow], source: str) -> PriceTable:
    """A CSV file replaces the table's prices: every row checked first, nothing written on any error."""
    return price_table_update(actor=actor, table=table, valid_from=table.valid_from, valid_until=table.valid_until,
                              rows=rows, source=source)


_PRICE_FIELDS = ("list_price", "discount_rate", "offered_price")


def _write_prices(*, actor: User, table: PriceTable, checked: CheckedPrices, source: str) -> None:
    partner = table.partner
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    existing = {(e.product_id, e.years, e.component): e
                for e in PriceEntry.objects.for_partner(partner).filter(table=table).select_related("product")}
    for key, row in checked.certificates.items():
        values = {name: row[name] for name in (*_PRICE_FIELDS, "label", "position")}
        counts[_upsert(actor, existing.pop(key, None), values,
                       lambda values=values, row=row: PriceEntry(partner=partner, table=table, product=row["product"],
                                                                 years=row["years"], component=row["component"],
                                                                 **values))] += 1
    for entry in existing.values():
        _delete(actor, entry)
        counts["deleted"] += 1
    licences = {e.product_id: e for e in LicencePrice.objects.for_partner(partner).filter(table=table)
                .select_related("product")}
    for product_id, row in checked.licences.items():
        values = {name: row[name] for name in (*_PRICE_FIELDS, "position")}
        counts[_upsert(actor, licences.pop(product_id, None), values,
                       lambda values=values, row=row: LicencePrice(partner=partner, table=table,
                                                                   product=row["product"], **values))] += 1
    for price in licences.values():
        _delete(actor, price)
        counts["deleted"] += 1
    audit_record(action="price_table.prices_saved", obj=table, actor=actor, partner=partner,
                 after={"source": source, **counts})


def _upsert(actor: User, current, values: dict, make) -> str:
    """Create or change one price row; audited only when a price or its name changed."""
    if current is None:
        row = make()
        row.save()
        audit_record(action="price.created", obj=row, actor=actor, partner=row.partner,
                     after={name: getattr(row, name) for name in _PRICE_FIELDS})
        return "created"
    before = {name: getattr(current, name) for name in values if getattr(current, name) != values[name]}
    if not before:
        return "unchanged"
    for name, value in values.items():
        setattr(current, name, value)
    current.save(update_fields=list(values))
    if set(before) - {"position"}:
        audit_record(action="price.updated", obj=current, actor=actor, partner=current.partner,
                     before={k: v for k, v in before.items() if k != "position"},
                     after={k: values[k] for k in before if k != "position"})
    return "updated" if set(before) - {"position"} else "unchanged"


def _delete(actor: User, row) -> None:
    audit_record(action="price.deleted", obj=row, actor=actor, partner=row.partner,
                 before={name: getattr(row, name) for name in _PRICE_FIELDS})
    row.delete()
