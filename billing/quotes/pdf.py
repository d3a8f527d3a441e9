"""The quote PDF (B-9), rendered from `pdf/quote.html` in the partner's language.

The template gets plain values only, never the Quote itself: the memo is an internal description
("not printed on the quote"), so it is simply not there to print.
"""

from __future__ import annotations

from django.conf import settings

from portal.pdf import render_pdf
from portal.tenancy.models import BillingContact, Partner

from ..models import Quote, QuoteKind

TEMPLATE = "pdf/quote.html"


def quote_number(quote: Quote) -> str:
    return f"Q{quote.pk}"


def quote_organisation(partner: Partner) -> str:
    """Who the quote is for: the billing contact's organisation, or the partner's name."""
    contact = BillingContact.objects.for_partner(partner).first()
    return (contact.organisation if contact else "") or partner.name


def quote_pdf(quote: Quote) -> bytes:
    """The quote as PDF bytes. The caller has already scoped `quote` to the tenant."""
    partner = quote.partner
    contact = BillingContact.objects.for_partner(partner).first()
    lines = [
        {"product_name": line.product.name, "years": line.years, "fqdns": line.fqdns, "wildcards": line.wildcards,
         "quantity": line.quantity, "unit_price": line.unit_price, "line_price": line.line_price}
        for line in quote.lines.select_related("product").order_by("position", "id")
    ]
    context = {
        "number": quote_number(quote),
        "account_credit": quote.kind == QuoteKind.ACCOUNT_CREDIT,
        "currency": quote.currency,
        "total": quote.total,
        "saved_on": quote.saved_on,
        "expires_on": quote.expires_on,
        "lines": lines,
        "organisation": (contact.organisation if contact else "") or partner.name,
        "contact_name": contact.contact_name if contact else "",
        "account_number": partner.account_number,
        "issuer": dict(settings.PORTAL_ISSUER),
        "language": partner.language,
    }
    return render_pdf(TEMPLATE, context, language=partner.language)
