from decimal import Decimal

import pytest

from portal.money import CurrencyMismatch, Money, format_money, quantize


def test_money_jpy_rounds_to_whole_yen_half_up():
    assert quantize(Decimal("1270680.5"), "JPY") == Decimal("1270681")
    assert Money(Decimal("99.4"), "JPY").amount == Decimal("99")


def test_money_eur_keeps_two_decimals():
    assert Money(Decimal("10.005"), "EUR").amount == Decimal("10.01")
    assert Money(Decimal("3"), "EUR").amount == Decimal("3.00")


def test_money_refuses_to_add_two_currencies():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal("1"), "JPY") + Money(Decimal("1"), "EUR")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(0.1, "EUR")
    with pytest.raises(TypeError):
        Money(Decimal("1"), "EUR") * 1.5


def test_money_multiplies_by_quantity_exactly():
    assert (Money(Decimal("0.10"), "EUR") * 3).amount == Decimal("0.30")


@pytest.mark.parametrize(("amount", "currency", "language", "expected"), [
    ("1270680", "JPY", "ja", "¥1,270,680"),
    ("1270680", "JPY", "en", "¥1,270,680"),
    ("1234.5", "EUR", "en", "€1,234.50"),
    ("1234.5", "EUR", "fr", "1\u202f234,50\u00a0€"),
    ("1234.5", "SEK", "sv", "1\u00a0234,50\u00a0kr"),
    ("-995", "JPY", "ja", "-¥995"),
])
def test_u2_money_formatted_per_language_and_currency(amount, currency, language, expected):
    assert format_money(Money(Decimal(amount), currency), language) == expected


def test_u2_jpy_in_japanese_is_never_suffixed():
    assert not format_money(Money(Decimal("1270680"), "JPY"), "ja").endswith("¥")


@pytest.mark.parametrize(("currency", "places"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("SEK", 2), ("GBP", 2)])
def test_money_every_currency_rounds_in_its_own_precision(currency, places):
    assert quantize(Decimal("1.23456"), currency) == Decimal("1.23456").quantize(Decimal(1).scaleb(-places))


def test_money_compares_and_negates_within_one_currency():
    one, two = Money(Decimal("1"), "JPY"), Money(Decimal("2"), "JPY")
    assert (one <= two, two <= one, one <= one, one < two, two < one) == (True, False, True, True, False)
    negative = -two
    assert (negative.amount, (-negative).amount) == (Decimal("-2"), Decimal("2"))
    assert (two - one, one - two) == (one, Money(Decimal("-1"), "JPY"))
    with pytest.raises(CurrencyMismatch):
        assert one <= Money(Decimal("1"), "EUR")


@pytest.mark.parametrize(("rounding", "expected"), [("ROUND_HALF_UP", ["1", "-1", "2"]),
                                                    ("ROUND_DOWN", ["0", "0", "1"]),
                                                    ("ROUND_FLOOR", ["0", "-1", "1"]),
                                                    ("ROUND_CEILING", ["1", "0", "2"])])
def test_b2_sql_rounding_is_generated_from_the_python_rounding(rounding, expected, settings, db):
    """quantize_sql rounds in PostgreSQL exactly as quantize does in Python, in every mode."""
    from django.db import connection

    from portal.money import quantize_sql

    settings.PORTAL_MONEY_ROUNDING = rounding
    amounts = ["0.5", "-0.5", "1.5"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(quantize_sql(f"{a}::numeric", "'JPY'") for a in amounts))
        in_sql = list(cursor.fetchone())
    in_python = [quantize(Decimal(a), "JPY") for a in amounts]
    assert in_sql == in_python == [Decimal(value) for value in expected]


@pytest.mark.parametrize(("amount", "currency", "language", "expected"), [
    ("0", "JPY", "ja", "¥0"),  # zero has no sign
    ("-0.50", "EUR", "en", "-€0.50"),  # less than one unit is still negative
    ("1234.5", "EUR", "fr-FR", "1\u202f234,50\u00a0€"),  # a regional language code uses its language's form
])
def test_u2_money_sign_and_regional_language_codes(amount, currency, language, expected):
    assert format_money(Money(Decimal(amount), currency), language) == expected


def test_money_is_immutable():
    """A Money value is never changed in place (a stored total stays what it was)."""
    from dataclasses import FrozenInstanceError

    price = Money(Decimal("995"), "JPY")
    with pytest.raises(FrozenInstanceError):
        price.amount = Decimal("0")
    assert not hasattr(price, "__dict__")  # slots: no stray attributes either
