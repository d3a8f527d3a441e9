"""CSV downloads: streamed, UTF-8 with BOM, RFC 4180 quoting, formula injection neutralised.

Spreadsheet programs execute a cell that starts with = + - @ (or tab/CR, which they strip first)
as a formula. Text cells that start with one of those get a leading apostrophe, which the
spreadsheet shows as text. Numbers (int, Decimal) are written as they are: "-100" is an amount.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Func, TextField
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse

BOM = "\ufeff"
CHUNK_BYTES = 64 * 1024
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_DANGEROUS_FIRST):
        return "'" + text
    return text


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield the encoded CSV document line by line: BOM + header first."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def _download(filename: str, chunks: Iterable[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A streaming download: memory stays flat whatever the row count (pass an iterator)."""
    return _download(filename, (line.encode("utf-8") for line in csv_lines(header, rows)))


# --- large exports straight from PostgreSQL ----------------------------------------------------

def sql_text(expression: str) -> str:
    """SQL for a text cell neutralised as `neutralise()` does (an apostrophe before = + - @ tab CR)."""
    return (f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
            f"THEN '''' || {expression} ELSE {expression} END")


def copy_csv_chunks(header: Sequence[str], select_sql: str, params: Sequence) -> Iterator[bytes]:
    """The CSV document of `select_sql`, made by PostgreSQL (COPY … TO STDOUT) and passed on in
    the chunks it arrives in: several times faster than building rows in Python, and memory stays
    flat. Text columns must be wrapped in `sql_text()` by the caller; line ends become CRLF."""
    yield next(csv_lines(header, [])).encode("utf-8")
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
        for chunk in copy:  # PostgreSQL sends about a row per chunk: pass them on 64 KiB at a time
            buffer += chunk
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer).replace(b"\n", b"\r\n")
                buffer.clear()
    if buffer:
        yield bytes(buffer).replace(b"\n", b"\r\n")


def copy_csv_response(filename: str, header: Sequence[str], select_sql: str, params: Sequence
                      ) -> StreamingHttpResponse:
    return _download(filename, copy_csv_chunks(header, select_sql, params))


class CsvText(Func):
    """A text column of a queryset exported with `copy_queryset_response`, neutralised by
    PostgreSQL exactly as `sql_text()` does."""

    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(Cast(expression, TextField()), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return sql_text(f"({sql})"), [*params, *params, *params]  # sql_text() repeats the expression thrice


def copy_queryset_response(filename: str, header: Sequence[str], queryset) -> StreamingHttpResponse:
    """Stream a `values_list()` queryset as CSV through COPY: the ORM builds the (scoped, filtered)
    query, PostgreSQL writes the file. Wrap text columns in `CsvText`."""
    select_sql, params = queryset.query.sql_with_params()
    return copy_csv_response(filename, header, select_sql, params)
