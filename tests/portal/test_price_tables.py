"""P-2, T-8: contract price tables in the operator console: created with a validity period,
prices entered in a form or imported from CSV (the export's columns; every bad row reported by
line and column, nothing imported on any error), periods never overlap, and the partner sees new
prices from the first valid day in its time zone. T-5: every price change is audited."""

import csv
import io
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.catalogue import services
from portal.catalogue.models import LicencePrice, PriceEntry, PriceTable
from portal.catalogue.pricing import LineInput, price_lines
from portal.errors import PortalError
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import (
    LicencePriceFactory,
    LicenceProductFactory,
    OperatorFactory,
    PartnerFactory,
    PriceEntryFactory,
    PriceTableFactory,
    ProductFactory,
)

HEADER = "kind,code,years,component,name,list_price,discount_rate,offered_price\r\n"


@pytest.fixture
def operator_client(operator):
    return client_for(operator)


@pytest.fixture
def catalogue(db):
    ssl = ProductFactory(code="ssl-ov", name="SSL OV", max_years=2, takes_wildcards=True)
    cc = LicenceProductFactory(sku="65304522CA01A12", name="Creative Cloud for teams")
    return ssl, cc


GOOD_CSV = HEADER + (
    "certificate,ssl-ov,1,base,SSL OV（1年間有効）,1000,0.5,995\r\n"
    "certificate,ssl-ov,1,fqdn,SSL OV 追加FQDN（1年間有効）,1000,0.5,995\r\n"
    "certificate,ssl-ov,2,base,,2000,5,1900\r\n"
    "licence,65304522CA01A12,,,Creative Cloud for teams,12000,10,10800\r\n"
)


def _upload(text: str, *, bom: bool = True, name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (("\ufeff" if bom else "") + text).encode("utf-8"), content_type="text/csv")


def _new_table(client, partner, text=GOOD_CSV, *, bom=True, start="2027-01-01", end="2027-12-31"):
    data = {"valid_from": start, "valid_until": end}
    if text is not None:
        data["csv_file"] = _upload(text, bom=bom)
    return client.post(reverse("operator_price_table_new", args=[partner.pk]), data)


def _prices(table):
    certificates = sorted((e.product.code, e.years, e.component, e.label, e.list_price, e.discount_rate,
                           e.offered_price) for e in PriceEntry.objects.for_partner(table.partner).filter(table=table))
    licences = sorted((p.product.sku, p.list_price, p.discount_rate, p.offered_price)
                      for p in LicencePrice.objects.for_partner(table.partner).filter(table=table))
    return certificates, licences


@pytest.mark.parametrize("bom", [True, False])
def test_p2_operator_creates_a_price_table_from_a_csv_file_with_or_without_bom(operator_client, operator, partner,
                                                                               catalogue, bom):
    response = _new_table(operator_client, partner, bom=bom)
    table = PriceTable.objects.for_partner(partner).get()
    assert response.status_code == 302 and response.url == reverse("operator_price_table", args=[table.pk])
    assert (table.currency, table.valid_from, table.valid_until) == ("JPY", date(2027, 1, 1), date(2027, 12, 31))
    assert _prices(table) == (
        [("ssl-ov", 1, "base", "SSL OV（1年間有効）", Decimal("1000"), Decimal("0.5"), Decimal("995")),
         ("ssl-ov", 1, "fqdn", "SSL OV 追加FQDN（1年間有効）", Decimal("1000"), Decimal("0.5"), Decimal("995")),
         ("ssl-ov", 2, "base", "SSL OV (2 y, Base price)", Decimal("2000"), Decimal("5"), Decimal("1900"))],
        [("65304522CA01A12", Decimal("12000"), Decimal("10"), Decimal("10800"))])
    actions = list(AuditEntry.objects.for_partner(partner).values_list("action", flat=True))
    assert sorted(actions) == ["price.created"] * 4 + ["price_table.created", "price_table.prices_saved"]
    assert AuditEntry.objects.for_partner(partner).get(action="price_table.prices_saved").after == {
        "source": "csv:prices.csv", "created": 4, "updated": 0, "unchanged": 0, "deleted": 0}
    assert operator_client.get(response.url).status_code == 200


def test_p2_export_and_import_are_the_same_format(operator_client, partner, catalogue):
    _new_table(operator_client, partner)
    table = PriceTable.objects.for_partner(partner).get()
    response = operator_client.get(reverse("operator_price_table_export", args=[table.pk]))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1] == ["certificate", "ssl-ov", "1", "base", "SSL OV（1年間有効）", "1000", "0.50", "995"]
    assert rows[4] == ["licence", "65304522CA01A12", "", "", "Creative Cloud for teams", "12000", "10.00", "10800"]
    before = _prices(table)
    response = operator_client.post(reverse("operator_price_table_import", args=[table.pk]),
                                    {"csv_file": SimpleUploadedFile("export.csv", body)})
    assert response.status_code == 302
    assert _prices(table) == before
    assert AuditEntry.objects.for_partner(partner).filter(action__in=["price.updated", "price.deleted"]).count() == 0


def test_p2_every_bad_row_is_reported_by_line_and_column_and_nothing_is_imported(operator_client, partner,
                                                                                 catalogue):
    _new_table(operator_client, partner)
    table = PriceTable.objects.for_partner(partner).get()
    before, audited = _prices(table), AuditEntry.objects.for_partner(partner).count()
    bad = HEADER + (
        "certificate,ssl-ov,1,base,SSL OV,1000,0,995\r\n"            # line 2: good
        "certificate,nope,1,base,X,1000,0,995\r\n"                   # 3: unknown code
        "certificate,ssl-ov,3,base,X,1000,0,995\r\n"                 # 4: years not sold
        "certificate,ssl-ov,1,gold,X,1000,0,995\r\n"                 # 5: component
        "certificate,ssl-ov,2,base,X,\"1,000\",0,995.5\r\n"          # 6: thousands separator; yen decimals
        "certificate,ssl-ov,1,wildcard,X,1000,150,995\r\n"           # 7: discount over 100
        "certificate,ssl-ov,1,base,SSL OV,1000,0,995\r\n"            # 8: same as line 2
        "licence,65304522CA01A12,1,,CC,12000,10,10800\r\n"           # 9: licence with years
        "bundle,ssl-ov,1,base,X,1,0,1\r\n"                           # 10: kind
        "certificate,ssl-ov,1\r\n"                                   # 11: short row
    )
    response = operator_client.post(reverse("operator_price_table_import", args=[table.pk]),
                                    {"csv_file": _upload(bad)})
    assert response.status_code == 400
    assert response.context["row_errors"] == ["line 11: 3 cells where the header has 8."]
    bad = bad.replace("certificate,ssl-ov,1\r\n", "")
    response = operator_client.post(reverse("operator_price_table_import", args=[table.pk]),
                                    {"csv_file": _upload(bad)})
    assert response.status_code == 400
    assert response.context["row_errors"] == [
        "line 3, column code: No certificate product has the code nope.",
        "line 4, column years: SSL OV is sold for 1 to 2 years.",
        "line 5, column component: Use base, fqdn or wildcard.",
        "line 6, column list_price: 1,000 is not a number: write it without thousands separators, with a point "
        "before decimals (1234.50).",
        "line 6, column offered_price: At most 0 decimal places.",
        "line 7, column discount_rate: Must be between 0 and 100.",
        "line 8, column code: The same price as line 2.",
        "line 9, column years: Leave this empty for a licence: its price is per licence-year.",
        "line 10, column kind: Use certificate or licence.",
    ]
    assert "Nothing was imported" in response.content.decode()
    assert _prices(table) == before
    assert AuditEntry.objects.for_partner(partner).count() == audited


def test_p2_an_empty_file_is_refused(operator_client, partner):
    from portal.catalogue.pricecsv import price_csv_rows

    response = operator_client.post(reverse("operator_price_table_new", args=[partner.pk]), {
        "valid_from": "2027-01-01", "valid_until": "2027-12-31", "csv_file": SimpleUploadedFile("p.csv", b"")})
    assert response.context["form"].errors["csv_file"] == ["The submitted file is empty."]
    with pytest.raises(services.PriceRowsInvalid, match="The file is empty"):
        price_csv_rows(b"\xef\xbb\xbf")
    assert not PriceTable.objects.for_partner(partner).exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"kind,code,years\r\n", "line 1, column component: This column is missing."),
    (b"kind,code,years,component,name,list_price,discount_rate,offered_price,colour\r\n",
     "line 1, column colour: Unknown column."),
    ((HEADER + "certificate,ssl-ov,1,base,SSL OV,1000,0,995\r\n").encode("shift_jis").replace(b"SSL OV", b"\x83\x54"),
     "line 2: The file is not UTF-8 text: save it as CSV UTF-8."),
])
def test_p2_unreadable_files_are_refused_with_a_clear_message(operator_client, partner, catalogue, content,
                                                              message):
    response = operator_client.post(reverse("operator_price_table_new", args=[partner.pk]), {
        "valid_from": "2027-01-01", "valid_until": "2027-12-31", "csv_file": SimpleUploadedFile("p.csv", content)})
    assert response.status_code == 200
    assert message in response.context["row_errors"]
    assert not PriceTable.objects.for_partner(partner).exists()


def test_p2_a_fqdn_price_needs_its_base_price(operator_client, partner, catalogue):
    response = _new_table(operator_client, partner, HEADER + "certificate,ssl-ov,2,fqdn,,1000,0,995\r\n")
    assert response.context["row_errors"] == [
        "line 2, column component: No base price for SSL OV for 2 years: add one."]


# --- validity periods --------------------------------------------------------------------------

def test_p2_overlapping_validity_periods_are_refused_adjacent_ones_are_not(operator_client, partner, catalogue):
    assert _new_table(operator_client, partner, None, start="2027-01-01", end="2027-06-30").status_code == 302
    response = _new_table(operator_client, partner, None, start="2027-06-30", end="2027-12-31")
    assert response.status_code == 200
    assert response.context["form"].errors["valid_from"] == [
        "This validity period overlaps the price table valid from 2027-01-01 to 2027-06-30: a partner has one price "
        "table on any day."]
    assert _new_table(operator_client, partner, None, start="2027-07-01", end="2027-12-31").status_code == 302
    assert PriceTable.objects.for_partner(partner).count() == 2


def test_p2_another_partners_table_never_overlaps(operator, partner, other_partner):
    PriceTableFactory(partner=other_partner, valid_from=date(2027, 1, 1), valid_until=date(2027, 12, 31))
    services.price_table_create(actor=operator, partner=partner, valid_from=date(2027, 1, 1),
                                valid_until=date(2027, 12, 31))
    assert PriceTable.objects.for_partner(partner).count() == 1


def test_p2_validity_change_into_another_table_is_refused(operator, partner):
    first = services.price_table_create(actor=operator, partner=partner, valid_from=date(2027, 1, 1),
                                        valid_until=date(2027, 6, 30))
    second = services.price_table_create(actor=operator, partner=partner, valid_from=date(2027, 7, 1),
                                         valid_until=date(2027, 12, 31))
    with pytest.raises(PortalError) as refused:
        services.price_table_update(actor=operator, table=first, valid_from=date(2027, 1, 1),
                                    valid_until=date(2027, 7, 1))
    assert refused.value.code == "price_table_overlap"
    first.refresh_from_db()
    assert first.valid_until == date(2027, 6, 30) and second.valid_from == date(2027, 7, 1)


@pytest.mark.django_db(transaction=True)
def test_p2_two_operators_creating_overlapping_tables_at_once_create_one():
    partner, operators = PartnerFactory(), [OperatorFactory(), OperatorFactory()]
    barrier, outcomes = threading.Barrier(2), []

    def create(actor):
        try:
            barrier.wait()
            services.price_table_create(actor=actor, partner=partner, valid_from=date(2027, 1, 1),
                                        valid_until=date(2027, 12, 31))
            outcomes.append("created")
        except PortalError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(actor,)) for actor in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "price_table_overlap"]
    assert PriceTable.objects.for_partner(partner).count() == 1


def test_p2_the_database_refuses_overlapping_periods_too(partner):
    from django.db import IntegrityError, transaction

    PriceTableFactory(partner=partner, valid_from=date(2027, 1, 1), valid_until=date(2027, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceTableFactory(partner=partner, valid_from=date(2027, 12, 31), valid_until=date(2028, 12, 31))


# --- the partner sees the new prices from the first valid day, in its time zone -----------------

def test_p2_partner_sees_new_prices_from_the_first_valid_day_in_its_time_zone(partner, operator, monkeypatch,
                                                                               catalogue):
    ssl, _cc = catalogue
    old = PriceTableFactory(partner=partner, valid_from=date(2026, 1, 1), valid_until=date(2026, 11, 30))
    PriceEntryFactory(table=old, product=ssl, offered_price=Decimal("995"))
    services.price_table_create(actor=operator, partner=partner, valid_from=date(2026, 12, 1),
                                valid_until=date(2027, 11, 30), rows=[
                                    services.PriceRow(line=1, kind="certificate", code="ssl-ov", years="1",
                                                      component="base", list_price="1500", discount_rate="20",
                                                      offered_price="1200")])
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    line = [LineInput(product_id=ssl.pk, years=1, fqdns=1)]
    for moment, price in ((datetime(2026, 11, 30, 14, 59, 59, tzinfo=UTC), Decimal("995")),  # 23:59:59 in Tokyo
                          (datetime(2026, 11, 30, 15, 0, 0, tzinfo=UTC), Decimal("1200"))):  # 1 December
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        from portal.dates import local_today

        _lines, total = price_lines(partner=partner, on=local_today(partner.time_zone), lines=line)
        assert total.amount == price
        page = client.get(reverse("account_prices"))
        assert [e.offered_price for e in page.context["entries"]] == [price]


def test_p2_account_prices_page_shows_licence_prices(partner, catalogue):
    table = PriceTableFactory(partner=partner)
    LicencePriceFactory(table=table, product=catalogue[1], offered_price=Decimal("10800"))
    page = client_for(member(partner, Role.PARTNER_FINANCE)).get(reverse("account_prices"))
    assert "Creative Cloud for teams" in page.content.decode() and "¥10,800" in page.content.decode()


# --- the prices form ---------------------------------------------------------------------------

def _form_data(client, table):
    from tests.portal.admin_sweep import field_data

    page = client.get(reverse("operator_price_table", args=[table.pk]))
    data = {}
    for form in (page.context["form"],):
        for bound in form:
            data |= field_data(bound)
    for formset in (page.context["certificates"], page.context["licences"]):
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for form in formset.forms:
            for bound in form:
                data |= field_data(bound)
    return data


def test_p2_t5_operator_edits_prices_in_the_form_and_each_change_is_audited(operator_client, partner, catalogue):
    _new_table(operator_client, partner)
    table = PriceTable.objects.for_partner(partner).get()
    data = _form_data(operator_client, table)
    rows = {data[f"certificates-{i}-component"] + data[f"certificates-{i}-years"]: i for i in range(3)}
    data[f"certificates-{rows['base1']}-offered_price"] = "980"
    data[f"certificates-{rows['base2']}-DELETE"] = "on"
    data |= {"certificates-3-product": "ssl-ov", "certificates-3-years": "1", "certificates-3-component": "wildcard",
             "certificates-3-list_price": "6000", "certificates-3-discount_rate": "", "certificates-3-offered_price":
             "5000", "valid_until": "2027-06-30"}
    response = operator_client.post(reverse("operator_price_table", args=[table.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    table.refresh_from_db()
    assert table.valid_until == date(2027, 6, 30)
    certificates, _licences = _prices(table)
    assert [(code, years, component, offered) for code, years, component, _l, _ll, _d, offered in certificates] == [
        ("ssl-ov", 1, "base", Decimal("980")), ("ssl-ov", 1, "fqdn", Decimal("995")),
        ("ssl-ov", 1, "wildcard", Decimal("5000"))]
    audit = AuditEntry.objects.for_partner(partner)
    updated = audit.get(action="price.updated")
    assert (updated.before, updated.after) == ({"offered_price": "995.00"}, {"offered_price": "980"})
    assert audit.filter(action="price.deleted").count() == 1
    assert audit.get(action="price_table.validity_changed").after == {"valid_from": "2027-01-01",
                                                                       "valid_until": "2027-06-30"}


def test_p2_a_bad_price_in_the_form_lands_on_its_row_and_nothing_changes(operator_client, partner, catalogue):
    _new_table(operator_client, partner)
    table = PriceTable.objects.for_partner(partner).get()
    before = _prices(table)
    data = _form_data(operator_client, table)
    data["certificates-1-offered_price"] = "abc"
    data["licences-0-list_price"] = "-5"
    response = operator_client.post(reverse("operator_price_table", args=[table.pk]), data)
    assert response.status_code == 400
    assert response.context["certificates"].forms[1].errors["offered_price"] == [
        "abc is not a number: write it without thousands separators, with a point before decimals (1234.50)."]
    assert response.context["licences"].forms[0].errors["list_price"] == ["Must be between 0 and 1000000000000."]
    assert _prices(table) == before


def test_t3_partner_users_cannot_reach_price_table_pages(admin_client, partner, catalogue):
    table = PriceTableFactory(partner=partner)
    for url in (reverse("operator_price_table", args=[table.pk]),
                reverse("operator_price_table_import", args=[table.pk]),
                reverse("operator_price_table_export", args=[table.pk]),
                reverse("operator_price_table_new", args=[partner.pk])):
        assert admin_client.get(url).status_code == 403
