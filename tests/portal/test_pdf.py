import io

import pytest
from django.template import engines
from pypdf import PdfReader

from portal import pdf
from portal.pdf import StaticOnlyFetcher, render_pdf


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for, and whether it was served."""
    calls = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except Exception:
            calls.append((url, False))
            raise
        calls.append((url, True))
        return response

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    return calls


def _render(html: str, language="en") -> bytes:
    template = engines["django"].from_string(html)
    return pdf.HTML(string=template.render({}), base_url="file:///", url_fetcher=StaticOnlyFetcher()).write_pdf()


def test_pdf_fetcher_refuses_local_files_and_metadata_urls(fetched):
    data = _render('<p>Invoice</p><img src="file:///etc/passwd"><img src="http://169.254.169.254/latest/meta-data/">'
                   '<link rel="stylesheet" href="http://169.254.169.254/x.css">')
    assert "Invoice" in pdf_text(data)
    assert "root:" not in pdf_text(data)
    refused = {url for url, served in fetched if not served}
    assert "file:///etc/passwd" in refused
    assert any(url.startswith("http://169.254.169.254/") for url in refused)
    assert not any(served for url, served in fetched if not url.startswith("data:"))


def test_pdf_fetcher_serves_own_static_files_and_data_uris(fetched):
    data = _render('{% load portal %}<link rel="stylesheet" href="{% pdf_static "pdf/pdf.css" %}">'
                   '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'
                   '+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="><p>Styled</p>')
    assert "Styled" in pdf_text(data)
    served = [url for url, ok in fetched if ok]
    assert any(url.endswith("/static/pdf/pdf.css") for url in served)
    assert any(url.startswith("data:image/png") for url in served)


def test_pdf_templates_are_autoescaped(tmp_path, settings):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "t.html").write_text("<p>{{ name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    text = pdf_text(render_pdf("pdf/t.html", {"name": "<b>A&B</b>"}, language="en"))
    assert "<b>A&B</b>" in text


def test_pdf_renders_japanese_with_real_cjk_glyphs():
    data = _render('{% load portal %}<link rel="stylesheet" href="{% pdf_static "pdf/pdf.css" %}">'
                   "<p>請求書 株式会社サンプル販売</p>")
    assert "請求書 株式会社サンプル販売" in pdf_text(data)
    fonts = {str(font.get("/BaseFont")) for page in PdfReader(io.BytesIO(data)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("CJK" in name for name in fonts), fonts
