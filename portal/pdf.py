"""PDF rendering with WeasyPrint, fetching nothing but the app's own static files and data: URIs.

Templates are Django templates (autoescaped). Reference static files with the `pdf_static` tag
(portal_tags), which yields a file: URL inside a static directory; any other URL (file paths
elsewhere, http(s) including cloud metadata addresses) is refused without a request being made.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
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
    with translation.override(language):
        html = render_to_string(template_name, context)
    base_url = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher()).write_pdf()
