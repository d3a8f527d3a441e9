"""Floors for the PDF rows: the same number of pages or table rows laid out by WeasyPrint the
plainest way (the portal's fonts, nothing else), timed in the same run as the row they are the
floor of."""

import time
from html import escape

from portal.pdf import HTML

PLAIN_STYLE = """<style>@page { size: A4; margin: 18mm 16mm; }
html { font-family: "Noto Sans CJK JP", "Noto Sans", "DejaVu Sans", sans-serif; font-size: %s; }
table { width: 100%%; }</style>"""


def _timed(html: str) -> float:
    start = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - start


def plain_pages(texts: list[str]) -> float:
    """Seconds for one WeasyPrint document of one short paragraph per page, `texts` pages."""
    body = "".join(f'<p style="page-break-after: always">{escape(text)}</p>' for text in texts)
    return _timed(f"<!doctype html><html><head>{PLAIN_STYLE % '10pt'}</head><body>{body}</body></html>")


def plain_table(rows: list[tuple]) -> float:
    """Seconds for one WeasyPrint document of one plain table, one <tr> per row of `rows`."""
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return _timed(f"<!doctype html><html><head>{PLAIN_STYLE % '9pt'}</head><body><table>{body}</table></body></html>")
