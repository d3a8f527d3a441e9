"""Tax (B-2), in one place: which rate a partner pays and how an amount's tax is rounded.

The rate is the partner's own (`Partner.tax_rate`) or else the standard rate
(`PORTAL_TAX_RATE`); the tax of an amount is amount × rate rounded once in the currency's
precision (`portal.money.quantize`). SQL that needs tax (the monthly invoice run, the orders
CSV) takes its expressions from `tax_rate_sql` and `tax_amount_sql`, generated from the same
definitions, never a copy of them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from portal.money import quantize, quantize_sql
from portal.tenancy.models import Partner


def standard_tax_rate() -> Decimal:
    return Decimal(str(settings.PORTAL_TAX_RATE))


def tax_rate(partner: Partner) -> Decimal:
    """The rate the partner is invoiced at: its own if it has one, else the standard rate."""
    return partner.tax_rate if partner.tax_rate is not None else standard_tax_rate()


def tax_amount(subtotal: Decimal, rate: Decimal, currency: str) -> Decimal:
    """B-2: tax once per rate per document, rounded once in the currency's precision."""
    return quantize(subtotal * rate, currency)


def tax_rate_sql(partner: str) -> str:
    """`tax_rate` as SQL for the tenancy_partner row aliased `partner`."""
    return f"COALESCE({partner}.tax_rate, {standard_tax_rate()}::numeric)"


def tax_amount_sql(subtotal: str, rate: str, currency: str) -> str:
    """`tax_amount` as SQL over the SQL expressions `subtotal`, `rate` and `currency`."""
    return quantize_sql(f"({subtotal}) * ({rate})", currency)
