"""B-4 in a real browser: the Japanese demo partner's finance user opens last month's invoice,
previews it and downloads the invoice and the statement PDFs."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from billing.models import Invoice
from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_b4_finance_opens_previews_and_downloads_last_months_invoice(live_server, new_page):
    call_command("seed_demo", stdout=io.StringIO())
    latest = Invoice.unscoped.filter(partner__account_number="JP-0001").order_by("-period_start").first()
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/billing/invoices/")
    page.fill("input[name=username]", "finance.ja@portal.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.click(f"a:text-is('{latest.number}')")
    page.wait_for_selector("object.pdf-preview")
    preview = page.request.get(live_server.url + page.locator("object.pdf-preview").get_attribute("data"))
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith("inline")
    for link, expected in (("a.button:not(.secondary)", "invoice"), ("a.button.secondary", "statement")):
        with page.expect_download() as download:
            page.click(link)
        path = download.value.path()
        assert download.value.suggested_filename == f"{latest.number}-{expected}.pdf"
        text = "".join(p.extract_text() for p in PdfReader(path).pages)
        assert latest.number in text or "JP-0001" in text
