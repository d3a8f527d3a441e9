"""V-6: the voucher PDF of one code, the whole-order PDF, and the task that builds it (U-3)."""

import io
import multiprocessing
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from portal.catalogue.models import ProductKind
from portal.jobs.models import ProgressStatus, TaskProgress
from portal.tenancy.models import Partner
from tests.factories import PriceEntryFactory, ProductFactory, TaskProgressFactory, voucher_code_for
from vouchers import pdf
from vouchers.models import CodeStatus, VoucherCode
from vouchers.selectors import redemption_url, renewal_url
from vouchers.services import LineRequest, voucher_code_reissue, voucher_order_create, voucher_order_pdf_start
from vouchers.tasks import build_order_pdf

EXPIRY = date(2027, 10, 31)


def pages_text(data: bytes) -> list[str]:
    """Each page's text, line breaks read as spaces (a sentence may wrap)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def link_targets(data: bytes) -> list[str]:
    return [annot.get_object()["/A"]["/URI"] for page in PdfReader(io.BytesIO(data)).pages
            for annot in page.get("/Annots", [])]


def codes_of(order) -> list[VoucherCode]:
    codes = VoucherCode.objects.for_partner(order.partner).filter(order=order).order_by("id")
    codes.update(expires_on=EXPIRY)  # a fixed date instead of "a year from today"
    return list(codes)


@pytest.fixture
def english(partner):
    Partner.objects.filter(pk=partner.pk).update(language="en")


@pytest.fixture
def small_chunks(monkeypatch):
    """Two progress steps in all, so a five-code order reports steps of two vouchers."""
    monkeypatch.setattr(pdf, "PROGRESS_STEPS", 2)


def test_v6_voucher_pdf_shows_code_product_expiry_and_links(english, make_order):
    code = codes_of(make_order(quantity=1, fqdns=3, wildcards=1, years=2))[0]

    data = pdf.voucher_pdf(code)

    [text] = pages_text(data)
    for expected in [code.value, redemption_url(code), renewal_url(code), "Product: SSL OV",
                     "Product type: OV certificate", "Certificate validity: 2 years", "FQDNs: 3",
                     "Wildcard names: 1", "Usable until: Oct. 31, 2027",
                     "Open the redemption link, or the renewal-redemption link",
                     "Sign in, or create an account if you do not have one yet.",
                     "Submit your certificate request.",
                     "Valid once, for the product above, until the expiry date.",
                     "The certificate's validity starts on issuance."]:
        assert expected in text
    assert link_targets(data) == [redemption_url(code), renewal_url(code)]


def test_v6_voucher_pdf_speaks_japanese_with_cjk_fonts(partner, price_table, finance):
    product = ProductFactory(code="gs-id", name="デジサート グローバル・サーバID", kind=ProductKind.OV, max_years=1)
    PriceEntryFactory(table=price_table, product=product, years=1, component="base", offered_price=Decimal("995"))
    order = voucher_order_create(tenant=finance, customer_name="株式会社サンプル販売",
                                 lines=[LineRequest(product_id=product.pk, years=1, fqdns=1)])
    code = codes_of(order)[0]

    data = pdf.voucher_pdf(code)

    [text] = pages_text(data)
    assert "デジサート グローバル・サーバID" in text
    assert "2027年10月31日" in text  # Japanese DATE_FORMAT
    assert "OV証明書" in text  # the product type, translated
    reader = PdfReader(io.BytesIO(data))
    [form] = reader.pages[0]["/Resources"]["/XObject"].values()  # the laid-out design
    design = form["/Resources"]["/Font"]
    assert all("Noto-Sans-CJK-JP" in str(font["/BaseFont"]) for font in design.values())
    stamped = {str(font["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any(name.endswith("+BitstreamVeraSans-Roman") for name in stamped), stamped  # embedded subset


def test_v6_a_voucher_of_a_design_already_laid_out_is_stamped_without_weasyprint(english, make_order,
                                                                                monkeypatch):
    first, second = codes_of(make_order(quantity=2))
    pdf.voucher_pdf(first)  # lays the design out once (kept in the cache)

    def no_layout(*args, **kwargs):
        raise AssertionError("laid out again")

    monkeypatch.setattr(pdf, "render_document", no_layout)
    [text] = pages_text(pdf.voucher_pdf(second))

    assert second.value in text and redemption_url(second) in text and first.value not in text


def test_v6_voucher_pdf_uses_the_partners_language_not_the_active_one(other_partner):
    code = voucher_code_for(other_partner, expires_on=EXPIRY)

    with translation.override("sv"):
        [text] = pages_text(pdf.voucher_pdf(code))

    assert "31 octobre 2027" in text
    assert "okt" not in text


def test_v6_order_pdf_has_one_page_per_listed_code_in_code_id_order(make_order, finance, small_chunks):
    order = make_order(quantity=5)
    replaced = codes_of(order)[1]
    voucher_code_reissue(tenant=finance, code=replaced)
    listed = [code for code in codes_of(order) if code.status != CodeStatus.REPLACED]

    texts = pages_text(pdf.order_pdf(order))

    assert len(listed) == 5
    assert len(texts) == 5
    assert [code.value in text for code, text in zip(listed, texts, strict=True)] == [True] * 5
    assert not any(replaced.value in text for text in texts)


def test_v6_order_pdf_stamps_each_code_and_its_links_on_its_own_page_of_its_design(english, ssl, finance):
    # Two designs (years, FQDNs, wildcards), laid out once each; every page is a copy of its
    # design with its own code and links stamped in, as selectable text and as link annotations.
    order = voucher_order_create(tenant=finance, lines=[
        LineRequest(product_id=ssl.pk, years=2, quantity=3, fqdns=3, wildcards=1),
        LineRequest(product_id=ssl.pk, years=1, quantity=2, fqdns=1)])
    order.partner.refresh_from_db()  # in English
    codes = codes_of(order)

    data = pdf.order_pdf(order)

    texts = pages_text(data)
    assert len(texts) == len(codes) == 5
    for code, text in zip(codes, texts, strict=True):
        assert [code.value in text, redemption_url(code) in text, renewal_url(code) in text] == [True] * 3
        assert sum(other.value in text for other in codes) == 1  # no other code on this page
        assert "Usable until: Oct. 31, 2027" in text and "Valid once, for the product above" in text
    assert all("Product: SSL OV" in text and "Certificate validity: 2 years" in text and "FQDNs: 3" in text
               for text in texts[:3])
    assert all("Certificate validity: 1 year" in text and "FQDNs: 1" in text and "Wildcard names: 0" in text
               for text in texts[3:])
    assert link_targets(data) == [url for code in codes for url in (redemption_url(code), renewal_url(code))]
    pages = PdfReader(io.BytesIO(data)).pages
    designs = {page["/Resources"]["/XObject"][name].indirect_reference.idnum for page in pages
               for name in page["/Resources"]["/XObject"]}
    assert len(designs) == 2  # each design is in the file once, drawn by every copy of it


def test_v6_order_pdf_in_japanese_keeps_translated_labels_and_stamps_the_codes(partner, price_table, finance):
    product = ProductFactory(code="gs-id", name="デジサート グローバル・サーバID", kind=ProductKind.OV, max_years=1)
    PriceEntryFactory(table=price_table, product=product, years=1, component="base", offered_price=Decimal("995"))
    order = voucher_order_create(tenant=finance, customer_name="株式会社サンプル販売",
                                 lines=[LineRequest(product_id=product.pk, years=1, fqdns=1, quantity=2)])
    codes = codes_of(order)

    texts = pages_text(pdf.order_pdf(order))

    assert len(texts) == 2
    for code, text in zip(codes, texts, strict=True):
        assert "デジサート グローバル・サーバID" in text and "2027年10月31日" in text and "OV証明書" in text
        assert code.value in text and redemption_url(code) in text and renewal_url(code) in text


def test_v6_order_pdf_renders_inside_a_daemonic_celery_worker_process(make_order, small_chunks, monkeypatch):
    # Celery's prefork children are daemonic, and the standard library refuses to start processes
    # from a daemonic one; rendering must not depend on starting any.
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    order = make_order(quantity=3)

    assert len(pages_text(pdf.order_pdf(order))) == 3


def test_u3_progress_of_a_100_code_order_pdf_moves_in_small_steps(make_order, monkeypatch):
    # A 100-code order used to go from 0 / 100 to done in one step.
    order = make_order(quantity=100)
    advanced = []
    monkeypatch.setattr(pdf, "progress_advance", lambda progress_id, *, by: advanced.append(by))

    pdf.order_pdf(order, progress_id=0)

    assert advanced == [2] * 50


def test_v6_order_pdf_task_stores_the_file_and_reports_progress(make_order, finance, small_chunks, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    order = make_order(quantity=5)
    advanced = []
    original_advance = pdf.progress_advance

    def advance(progress_id, *, by):
        advanced.append(by)
        original_advance(progress_id, by=by)

    monkeypatch.setattr(pdf, "progress_advance", advance)

    with django_capture_on_commit_callbacks(execute=True):
        progress = voucher_order_pdf_start(tenant=finance, order=order)
        assert TaskProgress.objects.for_tenant(finance).get().status == ProgressStatus.QUEUED

    progress.refresh_from_db()
    assert (progress.kind, progress.subject_id, progress.status) == ("voucher_order_pdf", str(order.pk),
                                                                     ProgressStatus.DONE)
    assert (progress.done, progress.total) == (5, 5)
    assert advanced == [2, 2, 1]
    assert progress.filename == f"vouchers-order-{order.pk}.pdf"
    with progress.file.open("rb") as stored:
        texts = pages_text(stored.read())
    assert [code.value in text for code, text in zip(codes_of(order), texts, strict=True)] == [True] * 5


def test_v6_order_pdf_task_records_a_failure_and_is_a_no_op_once_done(make_order, finance, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    order = make_order(quantity=1)

    def broken(order, progress_id=None):
        raise OSError("disk")

    monkeypatch.setattr(pdf, "order_pdf", broken)

    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        progress = voucher_order_pdf_start(tenant=finance, order=order)

    progress.refresh_from_db()
    assert (progress.status, progress.error, progress.filename) == (ProgressStatus.FAILED, "OSError: disk", "")
    TaskProgress.objects.for_tenant(finance).filter(pk=progress.pk).update(status=ProgressStatus.DONE)
    build_order_pdf.delay(progress.pk)  # would raise if it rendered again
    progress.refresh_from_db()
    assert progress.status == ProgressStatus.DONE


def test_t2_order_pdf_task_never_renders_another_partners_order(partner, other_partner):
    foreign = voucher_code_for(other_partner)
    progress = TaskProgressFactory(partner=partner, kind="voucher_order_pdf", subject_id=str(foreign.order_id),
                                   total=1)

    with pytest.raises(foreign.order.DoesNotExist):
        build_order_pdf.delay(progress.pk)

    progress.refresh_from_db()
    assert (progress.status, progress.filename, bool(progress.file)) == (ProgressStatus.FAILED, "", False)


def test_v6_only_active_codes_get_voucher_pdfs(make_order, partner, finance):
    import pytest as _pytest

    from portal.errors import PortalError
    from vouchers.models import CodeStatus, VoucherCode
    from vouchers.pdf import voucher_pdf
    from vouchers.selectors import order_codes

    order = make_order(quantity=3)
    used, *_active = VoucherCode.objects.for_partner(partner).filter(order=order).order_by("id")
    VoucherCode.objects.for_partner(partner).filter(pk=used.pk).update(status=CodeStatus.USED)
    used.refresh_from_db()
    with _pytest.raises(PortalError) as refused:
        voucher_pdf(used)
    assert (refused.value.code, refused.value.status) == ("code_not_active", 409)
    assert [c.pk for c in order_codes(order=order)] == [c.pk for c in _active]


def test_v6_a_whole_order_pdf_is_rendered_by_the_one_worker_that_takes_it(make_order, finance,
                                                                          django_capture_on_commit_callbacks):
    from portal.jobs.models import DocumentRender

    order = make_order(quantity=2)
    with django_capture_on_commit_callbacks(execute=False):
        progress = voucher_order_pdf_start(tenant=finance, order=order)
    TaskProgress.objects.for_tenant(finance).filter(pk=progress.pk).update(status=ProgressStatus.RUNNING)
    build_order_pdf.delay(progress.pk)  # taken by another worker: this one renders nothing
    progress.refresh_from_db()
    assert (progress.status, bool(progress.file), DocumentRender.objects.count()) == (ProgressStatus.RUNNING, False, 0)

    TaskProgress.objects.for_tenant(finance).filter(pk=progress.pk).update(status=ProgressStatus.QUEUED)
    build_order_pdf.delay(progress.pk)
    build_order_pdf.delay(progress.pk)  # redelivered: done already
    progress.refresh_from_db()
    assert progress.status == ProgressStatus.DONE
    assert list(DocumentRender.objects.values_list("kind", "subject_id")) == [("voucher_order_pdf", str(order.pk))]
