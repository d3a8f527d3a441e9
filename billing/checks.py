"""Start-up checks (Django's system checks): `manage.py check`, `migrate`, the development
server and `python -m portal.serve` (web, worker, beat) refuse to start on an Error."""

from django.conf import settings
from django.core import checks


@checks.register("portal")
def issuer_registration_number(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """B-2: every invoice prints the issuer's qualified-invoice registration number; a wrong one
    would make every invoice unusable for the customer's tax credit."""
    from .services.invoices import qualified_invoice_number_valid

    number = str(settings.PORTAL_ISSUER.get("registration_number", ""))
    if qualified_invoice_number_valid(number):
        return []
    return [checks.Error(
        f"The invoice issuer's registration number {number!r} is not a valid qualified-invoice "
        "registration number: T followed by 13 digits whose first is the check digit (B-2).",
        hint="Set PORTAL_ISSUER_REGISTRATION_NUMBER, for example T8010001078218.",
        obj="settings.PORTAL_ISSUER",
        id="billing.E001",
    )]
