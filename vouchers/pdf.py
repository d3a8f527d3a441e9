"""Voucher PDFs (V-6): one code on one A4 page, or a whole order with one voucher per page.

Vouchers are not laid out one by one: they differ only in the code and the two links made of it,
so each distinct design (product, type, years, FQDNs, wildcards, expiry date, language) is laid
out once from `pdf/voucher.html` by WeasyPrint in the partner's language (not the request's),
with empty boxes where the code and the links go, and every voucher is a copy of its design's
page with those three stamped in (portal.pdf.stamp: ReportLab text in an embedded font,
selectable, with URI link annotations). All translated labels stay in the laid-out design; only
ASCII (code, URLs) is stamped. A 1,000-voucher order takes a fraction of one plain 1,000-page
WeasyPrint document; a single voucher of a design already laid out (kept in the cache) is a
stamp only, cheap enough for the request (benchmarks/vouchers_pdf.py).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import ProductKind
from portal.errors import PortalError
from portal.jobs.progress import progress_advance
from portal.pdf import PX, Slot, Stamp, render_document, slots, stamp

from .models import CodeStatus, VoucherCode, VoucherOrder
from .selectors import order_codes, redemption_url, renewal_url

TEMPLATE = "pdf/voucher.html"
PROGRESS_STEPS = 50  # U-3: the waiting page's count moves in about this many steps, whatever the size
DESIGN_CACHE_SECONDS = 24 * 3600


def voucher_pdf(code: VoucherCode) -> bytes:
    """One A4 page for `code`, in its partner's language. The caller has already scoped `code`
    to the tenant; nothing here checks access. Only a code that can still be redeemed gets a
    voucher: a PDF of a used, expired or cancelled code would look valid and is not."""
    if code.status != CodeStatus.ACTIVE:
        raise PortalError("code_not_active", _("Only an Active code has a voucher PDF; this one is %(status)s.")
                          % {"status": code.get_status_display()}, status=409)
    design, size, page_slots = _cached_design(_design(code), language=code.partner.language)
    return stamp(design, [size], [page_slots], [(0, _stamps(code))])


def order_pdf(order: VoucherOrder, progress_id: int | None = None) -> bytes:
    """One PDF, one voucher per page, for every code of `order` as lists show them (Replaced
    codes left out), in Code ID order. With `progress_id`, that TaskProgress advances by every
    few pages made (about PROGRESS_STEPS steps in all; every page for a small order), in page order."""
    designs: dict[tuple, int] = {}
    copies = []
    for code in order_codes(order=order):
        design = _design(code)
        index = designs.setdefault(tuple(design.items()), len(designs))
        copies.append((index, _stamps(code)))
    language = order.partner.language
    # Every design in one WeasyPrint document, one page each (a page laid out alone costs more).
    document = render_document(TEMPLATE, {"vouchers": [_labelled(dict(key)) for key in designs],
                                          "language": language}, language=language)
    sizes = [(page.width * PX, page.height * PX) for page in document.pages]
    advance = (lambda done: progress_advance(progress_id, by=done)) if progress_id is not None else None
    # An order always lists at least one code; were it empty, the PDF would be its one blank page.
    return stamp(document.write_pdf(), sizes, slots(document), copies, progress=advance,
                 every=max(1, len(copies) // PROGRESS_STEPS))


def _stamps(code: VoucherCode) -> list[Stamp]:
    return [Stamp("code", code.value), Stamp("redeem", redemption_url(code), link=redemption_url(code)),
            Stamp("renew", renewal_url(code), link=renewal_url(code))]


def _cached_design(design: dict, *, language: str) -> tuple[bytes, tuple[float, float], dict[str, Slot]]:
    """One design laid out alone: its PDF, page size and slots, kept in the cache for a day (keyed
    by the design, the language and this deployment's template, styles and translations)."""
    key = "vouchers:design:" + hashlib.sha256(
        repr((_layout_version(language), language, sorted(design.items()))).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        document = render_document(TEMPLATE, {"vouchers": [_labelled(design)], "language": language},
                                   language=language)
        page = document.pages[0]
        found = (document.write_pdf(), (page.width * PX, page.height * PX), slots(document)[0])
        cache.set(key, found, DESIGN_CACHE_SECONDS)
    return found


@functools.cache
def _layout_version(language: str) -> str:
    """A digest of what a design's layout is made from besides its values: the template, the
    styles and the language's translations (a deployment that changes one lays designs out anew)."""
    root = Path(settings.BASE_DIR)
    files = [root / "templates" / TEMPLATE, root / "static/pdf/pdf.css", root / "static/pdf/voucher.css",
             root / "locale" / language / "LC_MESSAGES/django.mo"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


def _design(code: VoucherCode) -> dict:
    """What a voucher page shows apart from the code and its links, as plain values."""
    line = code.line
    return {
        "product_name": line.product.name,
        "kind": line.product.kind,
        "years": line.years,
        "fqdns": line.fqdns,
        "wildcards": line.wildcards,
        "expires_on": code.expires_on,
    }


def _labelled(page: dict) -> dict:
    """The product type stays a lazy label here so that render_pdf's translation.override
    translates it."""
    return {**page, "product_kind": ProductKind(page["kind"]).label}
