"""PDF rendering with WeasyPrint, fetching nothing but the app's own static files and data: URIs.

Templates are Django templates (autoescaped). Reference static files with the `pdf_static` tag
(portal_tags), which yields a file: URL inside a static directory; any other URL (file paths
elsewhere, http(s) including cloud metadata addresses) is refused without a request being made.

Documents of many similar pages are not laid out page by page: `render_document` lays a template
out once, `slots` tells where its empty placeholder boxes landed, and `stamp` writes the short
per-page texts (codes, URLs) into those boxes on copies of the laid-out pages with
ReportLab, each copy drawing the shared page as one Form XObject (pikepdf).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetchingError

logger = logging.getLogger(__name__)


def static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticOnlyFetcher(URLFetcher):
    """Deny by default: data: URIs and files under the static directories only."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and self._is_static(Path(unquote(parts.path))):
            return super().fetch(url, headers)
        logger.warning("PDF rendering refused to fetch %s", url)
        raise URLFetchingError(f"refused: {url}")

    @staticmethod
    def _is_static(path: Path) -> bool:
        resolved = path.resolve()
        return resolved.is_file() and any(resolved.is_relative_to(root) for root in static_roots())


def render_pdf(template_name: str, context: dict, *, language: str) -> bytes:
    """Render a template to PDF bytes in `language` (e-mails, PDFs and tasks speak the
    partner's language, not the request's)."""
    return render_document(template_name, context, language=language).write_pdf()


def render_document(template_name: str, context: dict, *, language: str) -> Document:
    """The laid-out WeasyPrint document of a template in `language` (write_pdf() gives its bytes;
    its pages tell where `slots` landed)."""
    with translation.override(language):
        html = render_to_string(template_name, context)
    base_url = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher()).render()


# --- Stamping per-page texts onto copies of laid-out pages -------------------------------------

PX = 0.75  # PDF points per CSS pixel
LEADING = 1.2  # stamped lines' spacing, in font sizes
STAMP_FONT = "PortalStamp"  # Bitstream Vera Sans, shipped with ReportLab (embedded, ASCII and Latin-1)


@dataclass(frozen=True)
class Slot:
    """An empty box left in a laid-out page for stamped text: its content box in PDF points from
    the page's bottom-left corner, its font size and colour (from the box's own CSS)."""

    x: float
    top: float
    width: float
    height: float
    font_size: float
    color: tuple[float, float, float]


@dataclass(frozen=True)
class Stamp:
    """Text to write into a slot, optionally a link (a URI annotation over the text)."""

    slot: str
    text: str
    link: str = ""


def slots(document: Document, prefix: str = "slot-") -> list[dict[str, Slot]]:
    """Each page's placeholder boxes by name: elements with the id `prefix` + NAME + "-" + a
    number that keeps ids unique in the document (NAME without dashes)."""
    found = []
    for page in document.pages:
        height = page.height * PX
        boxes = {}
        for box in page._page_box.descendants():  # weasyprint==70 layout tree (pinned)
            element_id = box.element.get("id", "") if getattr(box, "element", None) is not None else ""
            name = element_id[len(prefix):].split("-", 1)[0]
            if element_id.startswith(prefix) and name not in boxes:
                color = box.style["color"]
                boxes[name] = Slot(
                    x=box.content_box_x() * PX, top=height - box.content_box_y() * PX, width=box.width * PX,
                    height=box.height * PX, font_size=box.style["font_size"] * PX,
                    color=tuple(color.to("srgb").coordinates))
        found.append(boxes)
    return found


@cache
def _stamp_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(STAMP_FONT, "Vera.ttf"))  # found in ReportLab's own fonts folder
    return STAMP_FONT


@cache
def _char_width(char: str) -> float:
    """A character's advance in the stamp font, in points at size 1."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(char, _stamp_font(), 1000) / 1000


def _wrapped(text: str, slot: Slot) -> tuple[list[str], float]:
    """`text` in lines that fit the slot's width (breaking anywhere, as URLs and codes have no
    spaces to break at), and the font size that fits those lines into the slot's height."""
    widths = [_char_width(char) for char in text]
    size = slot.font_size
    while True:
        lines, start, used = [], 0, 0.0
        for at, width in enumerate(widths):
            if at > start and (used + width) * size > slot.width:
                lines.append(text[start:at])
                start, used = at, 0.0
            used += width
        lines.append(text[start:])
        if len(lines) * size * LEADING <= slot.height + 0.5 or size <= 5:
            return lines, size
        size *= 0.9


def stamp(pages_pdf: bytes, page_sizes: Sequence[tuple[float, float]], page_slots: Sequence[dict[str, Slot]],
          copies: Iterable[tuple[int, Sequence[Stamp]]], *, progress=None, every: int = 100) -> bytes:
    """One PDF page per entry of `copies` (page index into `pages_pdf`, stamps): that laid-out
    page, shared by every copy as one Form XObject, under the stamps written in the slots
    `page_slots[index]` describes. The stamped text is real, embedded-font text (selectable,
    extractable) and a stamp with a link gets a URI annotation over its text. `progress(n)` is
    called after every `every` pages and at the end with the pages done since the last call."""
    import pikepdf
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    copies = list(copies)
    font = _stamp_font()
    overlay = io.BytesIO()
    rl_config.useA85 = 0  # plain binary streams: ASCII85 (pure Python here) would double the time
    canvas = Canvas(overlay, pageCompression=1, invariant=1)
    for done, (index, stamps) in enumerate(copies, start=1):
        canvas.setPageSize(page_sizes[index])
        for item in stamps:
            slot = page_slots[index][item.slot]
            lines, size = _wrapped(item.text, slot)
            canvas.setFont(font, size, leading=size * LEADING)
            canvas.setFillColorRGB(*slot.color)
            baseline = slot.top - size  # the slot is 1.3 em high: half its leading and Vera's 0.928 em ascent
            text = canvas.beginText(slot.x, baseline)
            text.textLines(lines)
            canvas.drawText(text)
            if item.link:
                canvas.linkURL(item.link, (slot.x, baseline - size * LEADING * (len(lines) - 1) - size * 0.24,
                                           slot.x + slot.width, slot.top), relative=0, thickness=0)
        canvas.showPage()
        if progress and (done % every == 0 or done == len(copies)):
            progress(done % every or every)
    canvas.save()

    with pikepdf.open(io.BytesIO(overlay.getvalue())) as stamped, pikepdf.open(io.BytesIO(pages_pdf)) as shared:
        forms = {}
        for page, (index, _stamps) in zip(stamped.pages, copies, strict=True):
            if index not in forms:  # each laid-out page goes into the file once
                forms[index] = stamped.copy_foreign(shared.pages[index].as_form_xobject())
            page.add_underlay(forms[index])
        out = io.BytesIO()
        stamped.save(out)
    return out.getvalue()
