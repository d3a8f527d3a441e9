"""Contract price tables as CSV (P-2, T-8): the export and the import have the same columns.

    kind,code,years,component,name,list_price,discount_rate,offered_price
    certificate,ssl-ov,1,base,SSL OV (1 y),1000,0.5,995
    certificate,ssl-ov,1,fqdn,SSL OV additional FQDN (1 y),1000,0.5,995
    licence,65304522CA01A12,,,Creative Cloud for teams,12000,10,10800

kind: certificate or licence. code: the certificate product's code or the licence product's SKU.
years (1–6) and component (base, fqdn, wildcard) for certificates only; a licence price is per
licence-year. name: the product name printed on the partner's price list (certificates; empty
gives the catalogue's name); informative for licences. Amounts: digits with a point before
decimals, in the table currency's precision (JPY whole yen); discount rate in percent.

The file is UTF-8, with or without BOM (the export writes one so spreadsheets read Japanese
names). Columns may come in any order; the header names them. Errors name the file's line
(the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from portal.money import quantize

from .models import LicencePrice, PriceEntry, PriceTable
from .services import MAX_ROWS, PriceRow, PriceRowsInvalid, RowError, RowKind

COLUMNS = ["kind", "code", "years", "component", "name", "list_price", "discount_rate", "offered_price"]
MAX_BYTES = 2 * 1024 * 1024
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")  # what portal.csvexport writes before such cells


def price_csv_rows(data: bytes) -> list[PriceRow]:
    """The rows of an uploaded file; raises PriceRowsInvalid for a file that cannot be read at all
    (encoding, header, shape). The rows' contents are checked by services.price_rows_check."""
    if len(data) > MAX_BYTES:
        raise PriceRowsInvalid([RowError(None, None, str(_("The file is larger than 2 MB.")))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise PriceRowsInvalid([RowError(line, None, str(_("The file is not UTF-8 text: save it as CSV UTF-8.")))]) \
            from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        columns = _columns(header)
        rows, errors = [], []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                errors.append(RowError(reader.line_num, None, str(
                    _("%(found)s cells where the header has %(expected)s.")
                    % {"found": len(cells), "expected": len(columns)})))
                continue
            values = {name: _cell(cell) for name, cell in zip(columns, cells, strict=True)}
            rows.append(PriceRow(line=reader.line_num, **values))
            if len(rows) > MAX_ROWS:
                raise PriceRowsInvalid([RowError(reader.line_num, None, str(
                    _("At most %(count)s prices in one table.") % {"count": MAX_ROWS}))])
    except csv.Error as error:
        raise PriceRowsInvalid([RowError(reader.line_num, None, str(
            _("The file is not valid CSV: %(error)s.") % {"error": error}))]) from None
    if errors:
        raise PriceRowsInvalid(errors)
    return rows


def _columns(header: list[str] | None) -> list[str]:
    if header is None:
        raise PriceRowsInvalid([RowError(None, None, str(_("The file is empty.")))])
    columns = [cell.strip().lower() for cell in header]
    missing = [name for name in COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    errors = [RowError(1, name, str(_("This column is missing."))) for name in missing]
    errors += [RowError(1, name or "?", str(_("Unknown column."))) for name in unknown]
    errors += [RowError(1, name, str(_("This column appears twice."))) for name in duplicated]
    if errors:
        raise PriceRowsInvalid(errors)
    return columns


def _cell(cell: str) -> str:
    return cell[1:] if cell.startswith(_NEUTRALISED) else cell


def price_csv_export_rows(table: PriceTable) -> Iterator[list]:
    """The table as rows of COLUMNS, certificates then licences, each in the table's order;
    amounts in the currency's precision, so the file imports back unchanged."""
    partner, currency = table.partner, table.currency
    for entry in PriceEntry.objects.for_partner(partner).filter(table=table).select_related("product"):
        yield [RowKind.CERTIFICATE, entry.product.code, entry.years, entry.component, entry.label,
               quantize(entry.list_price, currency), entry.discount_rate, quantize(entry.offered_price, currency)]
    for price in LicencePrice.objects.for_partner(partner).filter(table=table).select_related("product"):
        yield [RowKind.LICENCE, price.product.sku, "", "", price.product.name, quantize(price.list_price, currency),
               price.discount_rate, quantize(price.offered_price, currency)]
