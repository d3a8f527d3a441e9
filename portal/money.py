"""Money: `Decimal` amount + ISO currency, quantised in the currency's precision in one place."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# Minor-unit digits per currency (ISO 4217).
CURRENCY_DECIMALS: dict[str, int] = {"JPY": 0, "EUR": 2, "USD": 2, "SEK": 2, "GBP": 2}
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_DECIMALS]
_SYMBOLS = {"JPY": "¥", "EUR": "€", "USD": "$", "GBP": "£", "SEK": "kr"}


class CurrencyMismatch(ValueError):
    pass


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round `amount` to the currency's precision with the configured rounding mode."""
    if isinstance(amount, float):
        raise TypeError("money amounts are never floats")
    exponent = Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])
    rounding = getattr(decimal, settings.PORTAL_MONEY_ROUNDING)
    return Decimal(amount).quantize(exponent, rounding=rounding)


# PORTAL_MONEY_ROUNDING written in SQL (PostgreSQL's round(numeric) is half away from zero, as
# ROUND_HALF_UP); {x} is the amount, {n} the number of decimals. The powers of ten are numeric:
# `10 ^ n` alone would be double precision and bring binary fractions into money.
_SQL_ROUNDING = {
    "ROUND_HALF_UP": "round({x}, {n})",
    "ROUND_DOWN": "trunc({x}, {n})",
    "ROUND_FLOOR": "round(floor({x} * 10::numeric ^ {n}) / 10::numeric ^ {n}, {n})",
    "ROUND_CEILING": "round(ceil({x} * 10::numeric ^ {n}) / 10::numeric ^ {n}, {n})",
}


def currency_places_sql(currency: str) -> str:
    """SQL for the number of decimals of the currency in the SQL expression `currency`
    (CURRENCY_DECIMALS as a CASE)."""
    cases = " ".join(f"WHEN '{code}' THEN {digits}" for code, digits in CURRENCY_DECIMALS.items())
    return f"(CASE {currency} {cases} END)"


def quantize_sql(amount: str, currency: str) -> str:
    """`quantize` as SQL: the SQL expression `amount` rounded in the precision of the currency
    in the SQL expression `currency`, with the configured rounding mode. Generated from the same
    settings as `quantize`, so Python and SQL round alike."""
    return _SQL_ROUNDING[settings.PORTAL_MONEY_ROUNDING].format(x=f"({amount})", n=currency_places_sql(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCY_DECIMALS:
            raise ValueError(f"unknown currency {self.currency!r}")
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float | Money):
            raise TypeError("multiply Money by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return format_money(self, "en")


# Per language: (group separator, decimal separator, symbol before the number?).
# French and Swedish group with a narrow no-break space and put the symbol after the number;
# English and Japanese put it before: "¥1,270,680" (never "1 270 680 ¥" in Japanese).
_LOCALE_FORMS = {
    "en": (",", ".", True),
    "ja": (",", ".", True),
    "fr": ("\u202f", ",", False),
    "sv": ("\u00a0", ",", False),
}


def format_money(money: Money, language: str) -> str:
    group, point, symbol_first = _LOCALE_FORMS.get(language.split("-")[0], _LOCALE_FORMS["en"])
    places = CURRENCY_DECIMALS[money.currency]
    sign = "-" if money.amount < 0 else ""
    whole, _, fraction = f"{abs(money.amount):.{places}f}".partition(".")
    digits = f"{int(whole):,}".replace(",", group)
    number = digits + (point + fraction if places else "")
    symbol = _SYMBOLS.get(money.currency, money.currency)
    if symbol_first:
        if symbol.isalpha():  # "kr" reads badly glued in front: "SEK 1,234.00"
            return f"{sign}{money.currency}\u00a0{number}"
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}\u00a0{symbol}"
