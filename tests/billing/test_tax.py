"""B-2 tax in one place: the partner's rate (its own, else the standard rate) and the rounding,
the same in Python and in the SQL generated from it."""

import random
from decimal import Decimal

import pytest
from django.db import connection

from billing.tax import standard_tax_rate, tax_amount, tax_amount_sql, tax_rate, tax_rate_sql
from portal.tenancy.models import Partner


def test_b2_partner_rate_is_its_own_else_the_standard_rate(partner, settings):
    settings.PORTAL_TAX_RATE = "0.10"
    assert tax_rate(partner) == standard_tax_rate() == Decimal("0.10")
    Partner.objects.filter(pk=partner.pk).update(tax_rate=Decimal("0.08"))
    partner.refresh_from_db()
    assert tax_rate(partner) == Decimal("0.08")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tax_rate_sql('p')} FROM tenancy_partner p WHERE p.id = %s", [partner.pk])
        assert cursor.fetchone()[0] == Decimal("0.08")


@pytest.mark.parametrize("currency", ["JPY", "EUR"])
@pytest.mark.parametrize("rounding", ["ROUND_HALF_UP", "ROUND_DOWN", "ROUND_FLOOR", "ROUND_CEILING"])
def test_b2_tax_in_sql_is_the_python_tax(db, settings, currency, rounding):
    """500 amounts (halves included, negatives for credit notes) at three rates: every one the same."""
    settings.PORTAL_MONEY_ROUNDING = rounding
    draw = random.Random(7)
    cases = [(Decimal(draw.randint(-10**7, 10**7)) / 100, rate) for _ in range(500)
             for rate in [Decimal("0.10")]] + [(Decimal("5"), Decimal("0.10")), (Decimal("-5"), Decimal("0.10")),
                                               (Decimal("12.5"), Decimal("0.08")), (Decimal("0.05"), Decimal("0.10"))]
    values = ", ".join(f"({amount}::numeric, {rate}::numeric)" for amount, rate in cases)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tax_amount_sql('v.a', 'v.r', 'c.c')} FROM (VALUES {values}) v(a, r) "
                       "CROSS JOIN (SELECT %s::text AS c) c", [currency])
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [tax_amount(amount, rate, currency) for amount, rate in cases]
