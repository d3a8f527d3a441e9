"""P-1 products, P-2 contract price tables, P-3 line prices, P-4 exclusions."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from portal.catalogue.models import PriceEntry, ProductKind
from portal.catalogue.pricing import LineInput, PriceBook, price_lines, price_table_current
from portal.catalogue.services import licence_product_check_pa_allowed
from portal.errors import PortalError
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import LicenceProductFactory, PriceEntryFactory, PriceTableFactory, ProductFactory

TODAY = date(2026, 11, 21)


def _product(price_table):
    return PriceEntry.objects.for_partner(price_table.partner).filter(table=price_table).first().product


def test_p1_product_validity_is_limited_to_1_to_6_years(db):
    with pytest.raises(IntegrityError):
        ProductFactory(min_years=1, max_years=7)


def test_p1_certificate_product_fields(db):
    product = ProductFactory(kind=ProductKind.EV, min_years=1, max_years=6, takes_wildcards=False)
    assert list(product.allowed_years) == [1, 2, 3, 4, 5, 6]
    assert product.is_tls


@pytest.mark.parametrize(("line", "code"), [
    ({"years": 4}, "validity_not_available"),  # outside the product's 1–3 years
    ({"fqdns": 1}, "fqdns_not_allowed"),  # takes no FQDNs
    ({"wildcards": 1}, "wildcards_not_allowed"),  # takes no wildcard names
    ({"code_signing_addon": True}, "addon_not_offered"),
])
def test_p1_product_settings_govern_what_a_line_may_take(price_table, line, code):
    """P-1's product fields are rules, not only columns: validity years, FQDNs, wildcards and the
    add-on a product offers decide what an order line may ask for."""
    product = ProductFactory(code="cs", kind=ProductKind.CODE_SIGNING, min_years=1, max_years=3, takes_fqdns=False,
                             takes_wildcards=False)
    for years in (1, 2, 3, 4):
        PriceEntryFactory(table=price_table, product=product, years=years, offered_price=Decimal("72000"))
    book = PriceBook(price_table)
    assert book.price(LineInput(product_id=product.pk, years=3)).unit.amount == Decimal("72000")
    with pytest.raises(PortalError) as refused:
        book.price(LineInput(product_id=product.pk, **{"years": 1, **line}))
    assert refused.value.code == code
    assert product.requests_organisation and not product.is_tls


def test_p2_contract_valid_today_is_used_and_expired_one_is_not(partner):
    PriceTableFactory(partner=partner, valid_from=date(2020, 1, 1), valid_until=date(2021, 6, 16))
    with pytest.raises(PortalError) as refused:
        price_table_current(partner=partner, on=TODAY)
    assert refused.value.code == "no_valid_contract"
    current = PriceTableFactory(partner=partner, valid_from=date(2026, 1, 1), valid_until=date(2027, 6, 16))
    assert price_table_current(partner=partner, on=TODAY) == current


def test_p2_partner_sees_its_own_table_only(partner, other_partner, price_table):
    other_table = PriceTableFactory(partner=other_partner)
    PriceEntryFactory(table=other_table, label="Secret foreign product")
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    page = client.get(reverse("account_prices"))
    assert page.status_code == 200
    assert "Your account has a valid contract ending" in page.content.decode()
    assert len(page.context["entries"]) == 6
    assert b"Secret foreign product" not in page.content


def test_p2_partner_cannot_order_a_product_outside_its_table(partner, other_partner, price_table):
    foreign = PriceEntryFactory(table=PriceTableFactory(partner=other_partner)).product
    with pytest.raises(PortalError) as refused:
        price_lines(partner=partner, on=TODAY, lines=[LineInput(product_id=foreign.pk, years=1, fqdns=1)])
    assert (refused.value.code, refused.value.field) == ("product_not_in_contract", "lines[0].product")


def test_p3_one_fqdn_costs_the_base_price(price_table):
    line = PriceBook(price_table).price(LineInput(product_id=_product(price_table).pk, years=1, fqdns=1))
    assert line.unit.amount == Decimal("995")


def test_p3_five_fqdns_cost_4975_yen(price_table):
    line = PriceBook(price_table).price(LineInput(product_id=_product(price_table).pk, years=1, fqdns=5))
    assert (line.unit.amount, line.unit.currency) == (Decimal("4975"), "JPY")


def test_p3_zero_fqdns_and_one_wildcard_cost_base_plus_wildcard(price_table):
    line = PriceBook(price_table).price(LineInput(product_id=_product(price_table).pk, years=1, wildcards=1))
    assert line.unit.amount == Decimal("995") + Decimal("5000")


def test_p3_line_price_is_quantity_times_unit_price(price_table):
    priced, total = price_lines(partner=price_table.partner, on=TODAY, lines=[
        LineInput(product_id=_product(price_table).pk, years=2, fqdns=3, wildcards=1, quantity=7),
        LineInput(product_id=_product(price_table).pk, years=1, fqdns=1, quantity=2),
    ])
    unit = Decimal("1990") + 2 * Decimal("1990") + Decimal("10000")
    assert [p.total.amount for p in priced] == [unit * 7, Decimal("1990")]
    assert total.amount == unit * 7 + Decimal("1990")


def test_p3_tls_product_needs_at_least_one_name(price_table):
    with pytest.raises(PortalError) as refused:
        PriceBook(price_table).price(LineInput(product_id=_product(price_table).pk, years=1))
    assert (refused.value.code, refused.value.field) == ("name_required", "fqdns")


@pytest.mark.parametrize(("changes", "field"), [
    ({"quantity": 0}, "quantity"), ({"quantity": 1001}, "quantity"), ({"fqdns": 251}, "fqdns"),
    ({"wildcards": -1}, "wildcards"), ({"years": 3}, "years"),
])
def test_p3_out_of_range_input_names_the_field(price_table, changes, field):
    line = LineInput(**{"product_id": _product(price_table).pk, "years": 1, "fqdns": 1, **changes})
    with pytest.raises(PortalError) as refused:
        PriceBook(price_table).price(line)
    assert refused.value.field == field


def test_p3_eur_prices_keep_cents(other_partner):
    table = PriceTableFactory(partner=other_partner, currency="EUR")
    entry = PriceEntryFactory(table=table, offered_price=Decimal("62.55"))
    line = PriceBook(table).price(LineInput(product_id=entry.product_id, years=1, fqdns=1, quantity=3))
    assert (line.total.amount, line.total.currency) == (Decimal("187.65"), "EUR")


def test_p4_excluded_licence_product_refused_with_vendor_message(db):
    excluded = LicenceProductFactory(name="Acrobat Pro — device licence", not_available_through_pa=True)
    with pytest.raises(PortalError) as refused:
        licence_product_check_pa_allowed(product=excluded)
    assert refused.value.code == "product_not_available_through_pa"
    assert "order this product directly from the vendor" in str(refused.value.message)
    licence_product_check_pa_allowed(product=LicenceProductFactory())  # allowed: no error
