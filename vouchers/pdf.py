"""Voucher PDFs (V-6): one code on one A4 page, or a whole order with one voucher per page.

Both render `pdf/voucher.html` through portal.pdf.render_pdf, in the partner's language (not the
request's). A whole order is laid out in chunks of CHUNK vouchers, each chunk ONE WeasyPrint
document (a page rendered alone costs ~5x more than inside a longer document; a chunk bounds
memory and gives the task its progress steps), and the chunks are joined with pypdf.

Chunks render in WORKERS processes. Measured on the 2-core box (benchmarks/vouchers_pdf.py), a
1000-voucher order takes ~16 s in one process and ~9.5 s in two (the pypdf merge, ~1.2 s, runs
in the parent meanwhile); WeasyPrint is pure Python, so threads would not help. The pool forks
through billiard (Celery's fork of multiprocessing) because this runs inside Celery's prefork
children, which are daemonic, and the standard library refuses to start processes from those
("daemonic processes are not allowed to have children"). Children only lay out plain values (no
database access); a failure in one fails the whole call, which the task records as a failed job.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

import billiard
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, PdfWriter

from portal.catalogue.models import ProductKind
from portal.errors import PortalError
from portal.jobs.progress import progress_advance
from portal.pdf import render_pdf

from .models import CodeStatus, VoucherCode, VoucherOrder
from .selectors import order_codes, redemption_url, renewal_url

if TYPE_CHECKING:
    from collections.abc import Iterator


TEMPLATE = "pdf/voucher.html"
CHUNK = 100  # vouchers per WeasyPrint document: 10 progress steps for a 1000-code order
WORKERS = 2  # the box has 2 cores; more processes than cores would only add memory


def voucher_pdf(code: VoucherCode) -> bytes:
    """One A4 page for `code`, in its partner's language. The caller has already scoped `code`
    to the tenant; nothing here checks access. Only a code that can still be redeemed gets a
    voucher: a PDF of a used, expired or cancelled code would look valid and is not."""
    if code.status != CodeStatus.ACTIVE:
        raise PortalError("code_not_active", _("Only an Active code has a voucher PDF; this one is %(status)s.")
                          % {"status": code.get_status_display()}, status=409)
    return _render([_page(code)], language=code.partner.language)


def order_pdf(order: VoucherOrder, progress_id: int | None = None) -> bytes:
    """One PDF, one voucher per page, for every code of `order` as lists show them (Replaced
    codes left out), in Code ID order. With `progress_id`, each finished chunk advances that
    TaskProgress by its page count, in page order."""
    pages = [_page(code) for code in order_codes(order=order)]
    # An order always lists at least one code; were it empty, the PDF would be one blank page.
    chunks = [pages[start:start + CHUNK] for start in range(0, len(pages), CHUNK)] or [[]]
    writer = PdfWriter()
    for chunk, data in zip(chunks, _render_chunks(chunks, language=order.partner.language), strict=True):
        for page in PdfReader(io.BytesIO(data)).pages:  # add_page: ~20% faster than append (no outlines)
            writer.add_page(page)
        if progress_id is not None:
            progress_advance(progress_id, by=len(chunk))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(code: VoucherCode) -> dict:
    """What one page shows, as plain picklable values (pages travel to the rendering processes)."""
    line = code.line
    return {
        "code": code.value,
        "redemption_url": redemption_url(code),
        "renewal_url": renewal_url(code),
        "product_name": line.product.name,
        "kind": line.product.kind,
        "years": line.years,
        "fqdns": line.fqdns,
        "wildcards": line.wildcards,
        "expires_on": code.expires_on,
    }


def _render(pages: list[dict], *, language: str) -> bytes:
    """One WeasyPrint document of `pages`, one voucher per page. The product type stays a lazy
    label here so that render_pdf's translation.override translates it."""
    vouchers = [{**page, "product_kind": ProductKind(page["kind"]).label} for page in pages]
    return render_pdf(TEMPLATE, {"vouchers": vouchers, "language": language}, language=language)


def render_pool() -> ProcessPoolExecutor:
    """The processes that render an order's chunks: forked from this worker, and ending with it
    (a Celery pool child killed mid-render leaves no ~240 MB render process behind)."""
    return ProcessPoolExecutor(max_workers=WORKERS, mp_context=billiard.get_context("fork"),
                               initializer=_end_with_parent, initargs=(os.getpid(),))


def _end_with_parent(parent_pid: int) -> None:
    """Linux's PR_SET_PDEATHSIG: the kernel kills this process when the one that forked it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if os.getppid() != parent_pid:  # the parent died before the request was made
        os._exit(1)


def _render_chunks(chunks: list[list[dict]], *, language: str) -> Iterator[bytes]:
    """Each chunk's PDF, in chunk order; a single chunk renders here without starting processes."""
    render = partial(_render, language=language)
    if len(chunks) == 1:
        yield render(chunks[0])
        return
    pool = render_pool()
    try:
        yield from pool.map(render, chunks)
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, do not render the chunks still queued
