"""B-9 Quotes: create (Products priced from the contract, or Account credit), the 30-day validity,
the list and quick view, preview / PDF (memo never printed), e-mail with the PDF attached, delete,
no "Create purchase order", permissions, bad input (U-4), the API (SPEC A) and isolation (T-2)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from billing.models import Quote, QuoteKind, QuoteLine
from billing.quotes.services import quote_create, quote_delete, quote_email, quote_expiry
from portal.api.services import api_key_create
from portal.audit.models import AuditEntry
from portal.catalogue.pricing import LineInput
from portal.dates import local_today
from portal.errors import Forbidden, PortalError
from portal.jobs.models import ProgressStatus, TaskProgress
from portal.tenancy.models import BillingContact, Partner
from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for
from tests.factories import QuoteFactory, QuoteLineFactory
from tests.portal.sweep import id_routes

SAVED = date(2020, 12, 7)
MEMO = "202012_Maru-Batsu KK internal note"
QUOTES_API = "/api/v1/quotes/"


# --- fixtures and helpers ------------------------------------------------------------------------

@pytest.fixture
def ssl(price_table):
    """P-3's product: 995 base (1 FQDN), 995 per extra FQDN, 5,000 per wildcard; prices × years."""
    return price_table.entries.first().product


@pytest.fixture
def reader_client(partner):
    return client_for(member(partner, Role.READ_ONLY))


@pytest.fixture
def english(partner):
    Partner.objects.filter(pk=partner.pk).update(language="en")
    partner.language = "en"


def _lines(ssl):
    """3 × (1 year, 5 FQDNs) = 3 × 4,975; 1 × (2 years, 0 FQDNs, 1 wildcard) = 1,990 + 10,000."""
    return [LineInput(product_id=ssl.pk, years=1, quantity=3, fqdns=5),
            LineInput(product_id=ssl.pk, years=2, quantity=1, fqdns=0, wildcards=1)]


def _products_quote(finance, ssl, **kwargs):
    return quote_create(tenant=finance, kind=QuoteKind.PRODUCTS, memo=MEMO, lines=_lines(ssl), **kwargs)


def _quotes(partner):
    return Quote.objects.for_partner(partner)


def _nothing_saved(partner):
    return (_quotes(partner).count(), QuoteLine.objects.for_partner(partner).count(),
            AuditEntry.objects.for_partner(partner).filter(action__startswith="quote.").count()) == (0, 0, 0)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def _form(ssl, lines, **fields):
    data = {"kind": "products", "memo": MEMO, "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "50", **fields}
    for i, line in enumerate(lines):
        values = {"product": ssl.pk, "years": 1, "quantity": 1, "fqdns": 1, "wildcards": 0, **line}
        data.update({f"lines-{i}-{key}": value for key, value in values.items()})
    return data


def _api(tenant, role) -> Client:
    _key, raw = api_key_create(tenant=tenant, name=f"{role} key", role=role)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


# --- services: create ----------------------------------------------------------------------------

def test_b9_products_quote_prices_each_line_from_the_contract_and_stores_the_total(finance, ssl, partner):
    quote = _products_quote(finance, ssl)

    quote.refresh_from_db()
    assert (quote.kind, quote.memo, quote.currency, quote.total) == ("products", MEMO, "JPY", Decimal("26915"))
    assert quote.created_by == finance.user
    lines = list(quote.lines.order_by("position").values_list(
        "product_id", "years", "quantity", "fqdns", "wildcards", "unit_price", "line_price", "position"))
    assert lines == [(ssl.pk, 1, 3, 5, 0, Decimal("4975"), Decimal("14925"), 0),
                     (ssl.pk, 2, 1, 0, 1, Decimal("11990"), Decimal("11990"), 1)]
    entry = AuditEntry.objects.for_partner(partner).get(action="quote.created")
    assert (entry.object_id, entry.actor, entry.after["total"], entry.after["lines"]) == (
        str(quote.pk), finance.user, "26915", 2)


def test_b9_account_credit_quote_is_one_amount_in_the_partners_currency(finance, partner):
    quote = quote_create(tenant=finance, kind=QuoteKind.ACCOUNT_CREDIT, memo=" top-up ",
                         credit_amount=Decimal("438000.4"))

    quote.refresh_from_db()
    assert (quote.kind, quote.memo, quote.currency, quote.total) == ("account_credit", "top-up", "JPY",
                                                                     Decimal("438000"))
    assert quote.lines.count() == 0


def test_b9_account_credit_is_rounded_in_the_currency_precision(other_partner, other_admin):
    tenant = tenant_for(other_admin, other_partner)
    quote = quote_create(tenant=tenant, kind=QuoteKind.ACCOUNT_CREDIT, credit_amount="1234.565")
    assert (quote.currency, quote.total) == ("EUR", Decimal("1234.57"))


def test_b9_quote_saved_07_dec_2020_is_valid_until_06_jan_2021(finance, ssl):
    quote = _products_quote(finance, ssl, today=SAVED)
    assert (quote.saved_on, quote.expires_on) == (date(2020, 12, 7), date(2021, 1, 6))
    assert quote_expiry(date(2020, 12, 7)) == date(2021, 1, 6)


def test_b9_saved_date_is_the_partners_today(finance, partner, monkeypatch):
    import billing.quotes.services as quotes_module

    seen = []
    monkeypatch.setattr(quotes_module, "local_today", lambda zone: seen.append(zone) or SAVED)
    quote = quote_create(tenant=finance, kind=QuoteKind.ACCOUNT_CREDIT, credit_amount=Decimal("1000"))
    assert seen == ["Asia/Tokyo"]
    assert (quote.saved_on, quote.expires_on) == (SAVED, date(2021, 1, 6))


def _line(ssl, **fields):
    return LineInput(**({"product_id": ssl.pk, "years": 1, "quantity": 1, "fqdns": 1} | fields))


@pytest.mark.parametrize(("arguments", "field", "code"), [
    (lambda ssl: {"kind": "purchase_order", "credit_amount": Decimal("1")}, "kind", "invalid_kind"),
    (lambda ssl: {"kind": "products", "lines": []}, "lines", "no_lines"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl)] * 51}, "lines", "too_many_lines"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl, fqdns=0)]}, "lines[0].fqdns", "name_required"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl), _line(ssl, quantity=0)]}, "lines[1].quantity",
     "quantity_out_of_range"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl), _line(ssl, years=3)]}, "lines[1].years",
     "validity_not_available"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl, product_id=ssl.pk + 999)]}, "lines[0].product",
     "product_not_in_contract"),
    (lambda ssl: {"kind": "products", "lines": [_line(ssl)], "credit_amount": Decimal("5")}, "credit_amount",
     "credit_amount_not_allowed"),
    (lambda ssl: {"kind": "account_credit"}, "credit_amount", "credit_amount_required"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": Decimal("0")}, "credit_amount",
     "credit_amount_not_positive"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": Decimal("0.4")}, "credit_amount",
     "credit_amount_not_positive"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": "-5"}, "credit_amount", "credit_amount_not_positive"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": "lots"}, "credit_amount", "credit_amount_invalid"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": "NaN"}, "credit_amount", "credit_amount_invalid"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": "1e40"}, "credit_amount", "credit_amount_too_large"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": Decimal("5"), "lines": [_line(ssl)]}, "lines",
     "lines_not_allowed"),
    (lambda ssl: {"kind": "account_credit", "credit_amount": Decimal("5"), "memo": "x" * 201}, "memo",
     "memo_too_long"),
])
def test_b9_bad_input_names_the_field_and_saves_nothing(finance, ssl, partner, arguments, field, code):
    with pytest.raises(PortalError) as refused:
        quote_create(tenant=finance, **arguments(ssl))
    assert (refused.value.field, refused.value.code, refused.value.status) == (field, code, 400)
    assert _nothing_saved(partner)


def test_b9_products_quote_needs_a_contract_valid_today(finance, partner):
    with pytest.raises(PortalError) as refused:
        quote_create(tenant=finance, kind=QuoteKind.PRODUCTS, lines=[LineInput(product_id=1, years=1, fqdns=1)])
    assert (refused.value.field, refused.value.code) == ("lines", "no_valid_contract")
    assert _nothing_saved(partner)


def test_b9_services_refuse_roles_without_quotes_manage(partner, ssl):
    quote = QuoteFactory(partner=partner)
    for role in (Role.READ_ONLY, Role.ACCOUNT_MANAGER):
        tenant = tenant_for(member(partner, role), partner)
        with pytest.raises(Forbidden):
            quote_create(tenant=tenant, kind=QuoteKind.ACCOUNT_CREDIT, credit_amount=Decimal("1"))
        with pytest.raises(Forbidden):
            quote_delete(tenant=tenant, quote=quote)
        with pytest.raises(Forbidden):
            quote_email(tenant=tenant, quote=quote, to="a@example.com")
    assert _quotes(partner).count() == 1


# --- services: delete, e-mail ------------------------------------------------------------------

def test_b9_delete_is_permanent_with_the_lines_and_audited(finance, ssl, partner):
    quote = _products_quote(finance, ssl)
    keep = quote_create(tenant=finance, kind=QuoteKind.ACCOUNT_CREDIT, credit_amount=Decimal("1"))

    quote_delete(tenant=finance, quote=quote)

    assert list(Quote.unscoped.filter(partner=partner)) == [keep]
    assert QuoteLine.unscoped.filter(partner=partner).count() == 0
    entry = AuditEntry.objects.for_partner(partner).get(action="quote.deleted")
    assert (entry.object_id, entry.before["total"], entry.before["memo"], entry.before["lines"]) == (
        str(quote.pk), "26915.00", MEMO, 2)


def test_b9_another_partners_quote_cannot_be_deleted_or_emailed(finance, other_partner, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    foreign = QuoteFactory(partner=other_partner)
    with django_capture_on_commit_callbacks(execute=True):
        for call in (lambda: quote_delete(tenant=finance, quote=foreign),
                     lambda: quote_email(tenant=finance, quote=foreign, to="a@example.com")):
            with pytest.raises(PortalError) as refused:
                call()
            assert refused.value.status == 404
    assert Quote.unscoped.filter(pk=foreign.pk).exists()
    assert mailoutbox == []


def test_b9_email_sends_the_pdf_to_the_given_address_in_the_partners_language(
        finance, ssl, partner, mailoutbox, django_capture_on_commit_callbacks):
    quote = _products_quote(finance, ssl, today=SAVED)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        quote_email(tenant=finance, quote=quote, to=" buyer@customer.example ")
        assert mailoutbox == []  # only once the transaction commits

    assert len(callbacks) == 1
    [message] = mailoutbox
    assert message.to == ["buyer@customer.example"]
    assert f"Q{quote.pk}" in message.subject and "Alpha KK KK" in message.subject
    assert "2021年1月6日" in message.body  # the partner's language (ja), not the request's
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == (f"quote-Q{quote.pk}.pdf", "application/pdf")
    text = pdf_text(content)
    assert "¥26,915" in text and "2021年1月6日" in text and MEMO not in text
    entry = AuditEntry.objects.for_partner(partner).get(action="quote.emailed")
    assert entry.after == {"to": "buyer@customer.example"}


def test_b9_email_of_a_quote_deleted_before_the_worker_runs_sends_nothing(finance, partner, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quote_email(tenant=finance, quote=quote, to="buyer@customer.example")
    quote_delete(tenant=finance, quote=quote)
    for callback in callbacks:
        callback()
    assert mailoutbox == []


def test_b9_email_refuses_a_bad_address(finance, partner, mailoutbox, django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)
    for address in ("", "not-an-address", "a@example.com, b@example.com", "a@example.com\nBcc: c@example.com"):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(PortalError) as refused:
            quote_email(tenant=finance, quote=quote, to=address)
        assert (refused.value.field, refused.value.code) == ("to", "invalid_email")
    assert mailoutbox == []
    assert not AuditEntry.objects.for_partner(partner).filter(action="quote.emailed").exists()


# --- PDF -----------------------------------------------------------------------------------------

def test_b9_pdf_shows_number_partner_dates_lines_and_total_but_never_the_memo(english, finance, ssl, partner):
    from billing.quotes.pdf import quote_pdf

    quote = _products_quote(finance, ssl, today=SAVED)

    text = pdf_text(quote_pdf(quote))

    for expected in [f"Quote Q{quote.pk}", "Alpha KK KK", partner.account_number, "Saved: Dec. 7, 2020",
                     "Valid until: Jan. 6, 2021", "SSL OV", "1 year", "2 years", "¥4,975", "¥14,925", "¥11,990",
                     "Total (JPY) ¥26,915"]:
        assert expected in text
    assert MEMO not in text and "internal note" not in text


def test_b9_account_credit_pdf_shows_the_amount_and_no_memo(english, finance):
    from billing.quotes.pdf import quote_pdf

    quote = quote_create(tenant=finance, kind=QuoteKind.ACCOUNT_CREDIT, memo=MEMO, credit_amount=Decimal("438000"),
                         today=SAVED)

    text = pdf_text(quote_pdf(quote))

    assert "Account credit ¥438,000" in text and "Total (JPY) ¥438,000" in text
    assert "Valid until: Jan. 6, 2021" in text and MEMO not in text


# --- pages ---------------------------------------------------------------------------------------

def test_b9_list_shows_saved_date_memo_price_and_status(finance_client, finance_user, partner,
                                                        django_assert_max_num_queries):
    today = local_today(partner.time_zone)
    rows = [
        QuoteFactory(partner=partner, memo="fresh", total=Decimal("438000"), saved_on=today,
                     expires_on=quote_expiry(today), created_by=finance_user),
        QuoteFactory(partner=partner, memo="last day", saved_on=today - timedelta(days=30), expires_on=today,
                     created_by=finance_user),
        QuoteFactory(partner=partner, memo="stale", saved_on=today - timedelta(days=31),
                     expires_on=today - timedelta(days=1), created_by=finance_user),
    ]
    for _ in range(5):
        QuoteLineFactory(quote=QuoteFactory(partner=partner, kind="products", created_by=finance_user))

    with django_assert_max_num_queries(12):
        response = finance_client.get(reverse("quotes"))

    assert response.status_code == 200
    listed = {quote.memo: quote.is_valid for quote in response.context["page"].object_list}
    assert {memo: listed[memo] for memo in ("fresh", "last day", "stale")} == {
        "fresh": True, "last day": True, "stale": False}
    page = response.content.decode()
    assert "¥438,000" in page and "fresh" in page and "Valid" in page and "Expired" in page
    assert reverse("quote", args=[rows[0].pk]) in page
    assert "purchase order" not in page.lower()


def test_b9_quick_view_shows_price_memo_saved_and_expiry_dates(finance_client, partner):
    quote = QuoteFactory(partner=partner, memo="202012_Maru-Batsu", total=Decimal("438000"), saved_on=SAVED,
                         expires_on=date(2021, 1, 6))

    page = finance_client.get(reverse("quote", args=[quote.pk])).content.decode()

    for expected in ["¥438,000 (JPY)", "202012_Maru-Batsu", "Dec. 7, 2020", "Jan. 6, 2021", "Expired",
                     reverse("quote_pdf", args=[quote.pk]), reverse("quote_preview", args=[quote.pk]),
                     reverse("quote_email", args=[quote.pk]), reverse("quote_delete", args=[quote.pk])]:
        assert expected in page
    assert "Create purchase order" not in page and "purchase order" not in page.lower()


def test_b9_preview_is_inline_and_download_is_an_attachment(english, finance_client, finance, ssl,
                                                            django_capture_on_commit_callbacks):
    quote = _products_quote(finance, ssl, today=SAVED)
    with django_capture_on_commit_callbacks(execute=True):
        finance_client.get(reverse("quote_pdf", args=[quote.pk]))  # made by a worker (U-3)

    preview = finance_client.get(reverse("quote_preview", args=[quote.pk]))
    download = finance_client.get(reverse("quote_pdf", args=[quote.pk]))

    assert preview["Content-Type"] == download["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"] == f'inline; filename="quote-Q{quote.pk}.pdf"'
    assert download["Content-Disposition"] == f'attachment; filename="quote-Q{quote.pk}.pdf"'
    for response in (preview, download):
        text = pdf_text(response.content)
        assert "Total (JPY) ¥26,915" in text and "Valid until: Jan. 6, 2021" in text and MEMO not in text


def test_u3_quote_pdf_is_made_by_a_worker_not_in_the_request_and_again_after_the_contact_changed(
        english, partner, finance_client, finance, ssl, django_capture_on_commit_callbacks):
    quote = _products_quote(finance, ssl, today=SAVED)
    url = reverse("quote_preview", args=[quote.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = finance_client.get(url)
        again = finance_client.get(reverse("quote_pdf", args=[quote.pk]))  # while queued: the same job
        assert TaskProgress.objects.for_partner(partner).get().status == ProgressStatus.QUEUED  # not made here
    assert len(callbacks) == 1
    job = TaskProgress.objects.for_partner(partner).get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("task_progress", args=[job.pk])
    assert (job.kind, job.status, job.filename) == ("quote_pdf", ProgressStatus.DONE, f"quote-Q{quote.pk}.pdf")
    page = finance_client.get(first["Location"]).content.decode()
    assert "Back to the quote" in page and reverse("quote", args=[quote.pk]) in page
    shown = finance_client.get(url)
    assert shown.status_code == 200 and "Alpha KK KK" in pdf_text(shown.content)

    BillingContact.objects.for_partner(partner).update(organisation="Renamed Ltd")  # what the PDF shows changed
    with django_capture_on_commit_callbacks(execute=True):
        assert finance_client.get(url).status_code == 302  # made again, by a worker
    assert "Renamed Ltd" in pdf_text(finance_client.get(url).content)
    assert TaskProgress.objects.for_partner(partner).filter(kind="quote_pdf").count() == 2


def test_u3_api_quote_pdf_answers_202_with_a_task_then_the_pdf(english, finance, ssl, admin_tenant,
                                                                django_capture_on_commit_callbacks):
    quote = _products_quote(finance, ssl, today=SAVED)
    _key, raw = api_key_create(tenant=admin_tenant, name="erp", role="partner_finance")
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    with django_capture_on_commit_callbacks(execute=True):
        queued = api.get(f"/api/v1/quotes/{quote.pk}/pdf/")
        assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert api.get(queued["Location"]).json()["status"] == "done"
    made = api.get(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert made.status_code == 200 and made.content.startswith(b"%PDF-")


def test_b9_new_quote_page_offers_both_types_without_javascript(finance_client, ssl):
    products = finance_client.get(reverse("quote_new"))
    credit = finance_client.get(reverse("quote_new"), {"kind": "account_credit"})

    assert products.status_code == credit.status_code == 200
    assert len(products.context["lines"].forms) == 1 and "Add another product" in products.content.decode()
    assert credit.context["lines"] is None and 'name="credit_amount"' in credit.content.decode()
    for response in (products, credit):
        assert "purchase order" not in response.content.decode().lower()


def test_b9_add_another_product_and_show_prices_without_javascript(finance_client, ssl, partner):
    added = finance_client.post(reverse("quote_new"), _form(ssl, [{}]) | {"add_line": "1"})
    shown = finance_client.post(reverse("quote_new"), _form(ssl, [{"quantity": 3, "fqdns": 5}]) | {"preview": "1"})

    assert len(added.context["lines"].forms) == 2
    assert shown.context["prices"]["total"] == Decimal("14925")
    assert "¥14,925" in shown.content.decode()
    assert _nothing_saved(partner)


def test_b9_new_products_quote_is_saved_and_shown(finance_client, ssl, partner):
    response = finance_client.post(reverse("quote_new"), _form(ssl, [
        {"quantity": 3, "fqdns": 5}, {"years": 2, "fqdns": 0, "wildcards": 1}]) | {"submit": "1"})

    quote = _quotes(partner).get()
    assert response.status_code == 302 and response.url == reverse("quote", args=[quote.pk])
    assert (quote.kind, quote.memo, quote.total, quote.lines.count()) == ("products", MEMO, Decimal("26915"), 2)
    page = finance_client.get(response.url).content.decode()
    assert "¥26,915" in page and "¥11,990" in page


def test_b9_new_account_credit_quote_is_saved(finance_client, partner):
    response = finance_client.post(reverse("quote_new"), {"kind": "account_credit", "memo": "top-up",
                                                          "credit_amount": "438000", "submit": "1"})
    quote = _quotes(partner).get()
    assert response.url == reverse("quote", args=[quote.pk])
    assert (quote.kind, quote.total, quote.lines.count()) == ("account_credit", Decimal("438000"), 0)


def test_b9_new_quote_refusals_name_the_field_and_save_nothing(finance_client, ssl, partner):
    bad_line = finance_client.post(reverse("quote_new"), _form(ssl, [{}, {"fqdns": 0}]) | {"submit": "1"})
    zero = finance_client.post(reverse("quote_new"), {"kind": "account_credit", "credit_amount": "0"})
    no_type = finance_client.post(reverse("quote_new"), {"kind": "purchase_order", "credit_amount": "5"})

    assert bad_line.status_code == zero.status_code == no_type.status_code == 200
    assert bad_line.context["lines"].forms[1].errors["fqdns"] == [
        "A TLS certificate needs at least one name: an FQDN or a wildcard."]
    assert zero.context["credit"].errors["credit_amount"] == ["Enter an amount above zero."]
    assert no_type.context["form"].errors["kind"] == ["Choose the quote type: Products or Account credit."]
    assert _nothing_saved(partner)


def test_b9_live_prices_endpoint(finance_client, ssl):
    response = finance_client.post(reverse("quote_prices"), _form(ssl, [{"quantity": 3, "fqdns": 5},
                                                                        {"quantity": 0}]))
    body = response.json()
    assert body["lines"][0] == {"unit": "¥4,975", "total": "¥14,925"}
    assert "error" in body["lines"][1]
    assert body["total"] == "¥14,925"


def test_b9_email_form_sends_the_pdf(finance_client, partner, mailoutbox, django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_client.post(reverse("quote_email", args=[quote.pk]), {"to": "buyer@customer.example"})
    assert response.status_code == 302 and response.url == reverse("quote", args=[quote.pk])
    [message] = mailoutbox
    assert message.to == ["buyer@customer.example"]
    assert message.attachments[0][0] == f"quote-Q{quote.pk}.pdf"


def test_b9_email_form_names_a_bad_address(finance_client, partner, mailoutbox, django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_client.post(reverse("quote_email", args=[quote.pk]), {"to": "buyer at customer"})
    assert response.status_code == 200
    assert response.context["email_form"].errors["to"] == ["Enter a valid email address."]
    assert mailoutbox == []


def test_b9_delete_asks_for_confirmation_then_deletes_permanently(finance_client, partner):
    quote = QuoteLineFactory(quote=QuoteFactory(partner=partner, kind="products")).quote

    confirm = finance_client.get(reverse("quote_delete", args=[quote.pk]))
    assert confirm.status_code == 200 and "cannot be restored" in confirm.content.decode()
    assert _quotes(partner).filter(pk=quote.pk).exists()

    response = finance_client.post(reverse("quote_delete", args=[quote.pk]))

    assert response.status_code == 302 and response.url == reverse("quotes")
    assert not Quote.unscoped.filter(pk=quote.pk).exists()
    assert not QuoteLine.unscoped.filter(quote_id=quote.pk).exists()
    assert finance_client.get(reverse("quote", args=[quote.pk])).status_code == 404


def test_b9_navigation_links_quotes_for_roles_that_may_see_them(finance_client, partner):
    assert reverse("quotes") in finance_client.get(reverse("dashboard")).content.decode()
    manager = client_for(member(partner, Role.ACCOUNT_MANAGER))
    assert reverse("quotes") not in manager.get(reverse("dashboard")).content.decode()


def test_b9_account_manager_cannot_see_quotes(partner):
    quote = QuoteFactory(partner=partner)
    manager = client_for(member(partner, Role.ACCOUNT_MANAGER))
    for name, args in [("quotes", []), ("quote_new", []), ("quote", [quote.pk]), ("quote_pdf", [quote.pk]),
                       ("quote_preview", [quote.pk]), ("quote_delete", [quote.pk])]:
        assert manager.get(reverse(name, args=args)).status_code == 403
    assert manager.post(reverse("quote_delete", args=[quote.pk])).status_code == 403
    assert _quotes(partner).count() == 1


def test_b9_read_only_can_view_but_not_create_email_or_delete(reader_client, partner, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)

    assert reader_client.get(reverse("quotes")).status_code == 200
    detail = reader_client.get(reverse("quote", args=[quote.pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert reverse("quote_delete", args=[quote.pk]) not in page and reverse("quote_new") not in page
    assert reader_client.get(reverse("quote_pdf", args=[quote.pk])).status_code == 302  # to its progress (U-3)
    with django_capture_on_commit_callbacks(execute=True):
        refused = [
            reader_client.get(reverse("quote_new")),
            reader_client.post(reverse("quote_new"), {"kind": "account_credit", "credit_amount": "5"}),
            reader_client.post(reverse("quote_email", args=[quote.pk]), {"to": "a@example.com"}),
            reader_client.post(reverse("quote_delete", args=[quote.pk])),
        ]
    assert [response.status_code for response in refused] == [403] * 4
    assert list(_quotes(partner)) == [quote] and mailoutbox == []


def test_t2_another_partners_quote_pages_are_404(other_partner, partner):
    quote = QuoteFactory(partner=partner)
    intruder = client_for(member(other_partner, Role.PARTNER_ADMIN))
    for name in ("quote", "quote_pdf", "quote_preview", "quote_delete"):
        assert intruder.get(reverse(name, args=[quote.pk])).status_code == 404
    for name in ("quote_email", "quote_delete"):
        assert intruder.post(reverse(name, args=[quote.pk]), {"to": "a@example.com"}).status_code == 404
    assert Quote.unscoped.filter(pk=quote.pk).exists()


def test_t2_the_cross_tenant_sweep_covers_every_quote_route():
    names = {route.name for route in id_routes()}
    assert {"quote", "quote_pdf", "quote_preview", "quote_email", "quote_delete", "quote-detail", "quote-pdf",
            "quote-email"} <= names


# --- API -----------------------------------------------------------------------------------------

@pytest.fixture
def finance_api(admin_tenant):
    return _api(admin_tenant, Role.PARTNER_FINANCE)


@pytest.fixture
def readonly_api(admin_tenant):
    return _api(admin_tenant, Role.READ_ONLY)


def _api_line(product, **fields):
    return {"product": product.pk, "years": 1, "quantity": 1, "fqdns": 1, "wildcards": 0} | fields


def _expected(quote) -> dict:
    from rest_framework import serializers

    quote.refresh_from_db()
    today = local_today(quote.partner.time_zone)
    return {
        "id": quote.pk, "number": f"Q{quote.pk}", "kind": quote.kind, "memo": quote.memo, "currency": quote.currency,
        "total": f"{quote.total:.2f}", "saved_on": quote.saved_on.isoformat(),
        "expires_on": quote.expires_on.isoformat(), "status": "valid" if today <= quote.expires_on else "expired",
        "created_at": serializers.DateTimeField().to_representation(quote.created_at),
        "lines": [{"id": line.pk, "product": line.product_id, "product_code": line.product.code,
                   "product_name": line.product.name, "years": line.years, "quantity": line.quantity,
                   "fqdns": line.fqdns, "wildcards": line.wildcards, "unit_price": f"{line.unit_price:.2f}",
                   "line_price": f"{line.line_price:.2f}"} for line in quote.lines.order_by("position")],
    }


def test_b9_api_create_products_quote(finance_api, ssl, partner):
    response = _post(finance_api, QUOTES_API, {"kind": "products", "memo": MEMO, "lines": [
        _api_line(ssl, quantity=3, fqdns=5), _api_line(ssl, years=2, fqdns=0, wildcards=1)]})

    assert response.status_code == 201
    quote = _quotes(partner).get()
    body = response.json()
    assert body == _expected(quote)
    assert (body["total"], body["status"], [line["line_price"] for line in body["lines"]]) == (
        "26915.00", "valid", ["14925.00", "11990.00"])
    assert body["expires_on"] == quote_expiry(local_today("Asia/Tokyo")).isoformat()


def test_b9_api_create_account_credit_quote(finance_api, partner):
    response = _post(finance_api, QUOTES_API, {"kind": "account_credit", "credit_amount": "438000"})
    assert response.status_code == 201
    quote = _quotes(partner).get()
    assert response.json() == _expected(quote)
    assert (response.json()["total"], response.json()["lines"]) == ("438000.00", [])


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "quotation", "credit_amount": "5"}, "kind"),
    ({"credit_amount": "5"}, "kind"),
    ({"kind": "products"}, "lines"),
    ({"kind": "products", "lines": "many"}, "lines"),
    ({"kind": "products", "lines": [{"years": 1}]}, "lines[0].product"),
    ({"kind": "products", "lines": ["line"]}, "lines"),
    ({"kind": "account_credit", "credit_amount": "0"}, "credit_amount"),
    ({"kind": "account_credit", "credit_amount": "ten"}, "credit_amount"),
    ({"kind": "account_credit"}, "credit_amount"),
    ({"kind": "account_credit", "credit_amount": "5", "memo": "x" * 201}, "memo"),
])
def test_b9_api_bad_input_is_400_naming_the_field(finance_api, ssl, partner, body, field):
    response = _post(finance_api, QUOTES_API, body)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert _nothing_saved(partner)


def test_b9_api_line_errors_name_the_line(finance_api, ssl, partner):
    schema_error = _post(finance_api, QUOTES_API, {"kind": "products", "lines": [
        _api_line(ssl), _api_line(ssl, quantity=0)]})
    rule_error = _post(finance_api, QUOTES_API, {"kind": "products", "lines": [
        _api_line(ssl), _api_line(ssl, fqdns=0)]})

    assert [e["field"] for e in schema_error.json()["errors"]] == ["lines[1].quantity"]
    assert rule_error.json()["errors"] == [{"field": "lines[1].fqdns", "code": "name_required",
                                            "message": "A TLS certificate needs at least one name: an FQDN or a "
                                                       "wildcard."}]
    assert _nothing_saved(partner)


def test_b9_api_list_and_retrieve_with_lines(finance_api, finance, ssl, django_assert_max_num_queries):
    quote = _products_quote(finance, ssl, today=SAVED)
    credit = quote_create(tenant=finance, kind=QuoteKind.ACCOUNT_CREDIT, credit_amount=Decimal("5"))

    with django_assert_max_num_queries(10):
        listed = finance_api.get(QUOTES_API)
    retrieved = finance_api.get(f"{QUOTES_API}{quote.pk}/")

    assert listed.status_code == retrieved.status_code == 200
    assert listed.json()["results"] == [_expected(credit), _expected(quote)]
    assert retrieved.json() == _expected(quote)
    assert retrieved.json()["status"] == "expired"


def test_b9_api_list_filters_by_type_and_status(finance_api, partner):
    today = local_today(partner.time_zone)
    valid = QuoteFactory(partner=partner, saved_on=today, expires_on=today)
    expired = QuoteFactory(partner=partner, kind="products", saved_on=today - timedelta(days=31),
                           expires_on=today - timedelta(days=1))

    def ids(**params):
        response = finance_api.get(QUOTES_API, params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="valid") == [valid.pk]
    assert ids(status="expired") == [expired.pk]
    assert ids(kind="products") == [expired.pk]
    assert ids(kind="account_credit", status="expired") == []
    bad = finance_api.get(QUOTES_API, {"status": "soon"})
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["status"]


def test_b9_api_delete_is_permanent(finance_api, finance, ssl, partner):
    quote = _products_quote(finance, ssl)

    response = finance_api.delete(f"{QUOTES_API}{quote.pk}/")

    assert response.status_code == 204
    assert not Quote.unscoped.filter(pk=quote.pk).exists() and not QuoteLine.unscoped.filter(partner=partner).exists()
    assert finance_api.get(f"{QUOTES_API}{quote.pk}/").status_code == 404


def test_b9_api_pdf(english, finance_api, finance, ssl, django_capture_on_commit_callbacks):
    quote = _products_quote(finance, ssl, today=SAVED)
    with django_capture_on_commit_callbacks(execute=True):
        queued = finance_api.get(f"{QUOTES_API}{quote.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert queued.status_code == 202  # made by a worker (U-3), then:

    response = finance_api.get(f"{QUOTES_API}{quote.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Total (JPY) ¥26,915" in text and "Valid until: Jan. 6, 2021" in text and MEMO not in text


def test_b9_api_email(finance_api, partner, mailoutbox, django_capture_on_commit_callbacks):
    quote = QuoteFactory(partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(finance_api, f"{QUOTES_API}{quote.pk}/email/", {"to": "buyer@customer.example"})
        refused = _post(finance_api, f"{QUOTES_API}{quote.pk}/email/", {"to": "buyer"})

    assert (sent.status_code, sent.json()) == (202, {"to": "buyer@customer.example"})
    assert refused.status_code == 400 and [e["field"] for e in refused.json()["errors"]] == ["to"]
    [message] = mailoutbox
    assert message.to == ["buyer@customer.example"] and message.attachments[0][2] == "application/pdf"


def test_b9_api_create_honours_the_idempotency_key(finance_api, partner):
    body = {"kind": "account_credit", "credit_amount": "5"}
    first = _post(finance_api, QUOTES_API, body, HTTP_IDEMPOTENCY_KEY="quote-1")
    again = _post(finance_api, QUOTES_API, body, HTTP_IDEMPOTENCY_KEY="quote-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert _quotes(partner).count() == 1


def test_b9_api_read_only_key_can_read_but_not_change(readonly_api, partner, mailoutbox):
    quote = QuoteFactory(partner=partner)

    assert readonly_api.get(QUOTES_API).status_code == 200
    assert readonly_api.get(f"{QUOTES_API}{quote.pk}/").status_code == 200
    assert _post(readonly_api, QUOTES_API, {"kind": "account_credit", "credit_amount": "5"}).status_code == 403
    assert readonly_api.delete(f"{QUOTES_API}{quote.pk}/").status_code == 403
    assert _post(readonly_api, f"{QUOTES_API}{quote.pk}/email/", {"to": "a@example.com"}).status_code == 403
    assert list(_quotes(partner)) == [quote] and mailoutbox == []


def test_b9_api_account_manager_key_gets_403(admin_tenant, partner):
    manager_api = _api(admin_tenant, Role.ACCOUNT_MANAGER)
    quote = QuoteFactory(partner=partner)
    assert manager_api.get(QUOTES_API).status_code == 403
    assert manager_api.get(f"{QUOTES_API}{quote.pk}/").status_code == 403


def test_t2_api_another_partners_quote_is_404(partner, other_partner, other_admin, mailoutbox):
    quote = QuoteFactory(partner=partner)
    intruder = _api(tenant_for(other_admin, other_partner), Role.PARTNER_ADMIN)

    assert intruder.get(QUOTES_API).json()["results"] == []
    assert intruder.get(f"{QUOTES_API}{quote.pk}/").status_code == 404
    assert intruder.get(f"{QUOTES_API}{quote.pk}/pdf/").status_code == 404
    assert _post(intruder, f"{QUOTES_API}{quote.pk}/email/", {"to": "a@example.com"}).status_code == 404
    assert intruder.delete(f"{QUOTES_API}{quote.pk}/").status_code == 404
    assert Quote.unscoped.filter(pk=quote.pk).exists() and mailoutbox == []
