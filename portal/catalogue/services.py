from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError

from .models import LicenceProduct


def licence_product_check_pa_allowed(*, product: LicenceProduct) -> None:
    """P-4: some licence products can only be bought from the vendor directly."""
    if product.not_available_through_pa:
        raise PortalError(
            "product_not_available_through_pa",
            _("%(product)s cannot be put on a purchase authorization: order this product directly from "
              "the vendor.") % {"product": product.name},
            field="product",
        )
