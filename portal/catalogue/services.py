from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.errors import PortalError
from portal.tenancy.models import User

from .models import LicenceProduct, PriceEntry


def licence_product_check_pa_allowed(*, product: LicenceProduct) -> None:
    """P-4: some licence products can only be bought from the vendor directly."""
    if product.not_available_through_pa:
        raise PortalError(
            "product_not_available_through_pa",
            _("%(product)s cannot be put on a purchase authorization: order this product directly from "
              "the vendor.") % {"product": product.name},
            field="product",
        )


@transaction.atomic
def price_entry_update(*, entry: PriceEntry, actor: User, list_price=None, discount_rate=None,
                       offered_price=None) -> PriceEntry:
    """Change a contract price (operator only); audited with before and after."""
    before = {"list_price": entry.list_price, "discount_rate": entry.discount_rate,
              "offered_price": entry.offered_price}
    for name, value in (("list_price", list_price), ("discount_rate", discount_rate),
                        ("offered_price", offered_price)):
        if value is not None:
            setattr(entry, name, value)
    entry.save(update_fields=["list_price", "discount_rate", "offered_price"])
    after = {"list_price": entry.list_price, "discount_rate": entry.discount_rate,
             "offered_price": entry.offered_price}
    audit_record(action="price.updated", obj=entry, actor=actor, partner=entry.partner, before=before, after=after)
    return entry
