"""T-5 / U-2: audit entries are stored with stable codes (`voucher_order.created`,
`vouchers.VoucherOrder`, field names, status values) and shown in the viewer's language at display
time: never a summary frozen in the language of whoever acted."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "admin.changed": _("Changed in the operator admin"),
    "admin.deleted": _("Deleted in the operator admin"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    "billing_contact.changed": _("Billing contact changed"),
    "certificate_request.issued": _("Certificate issued"),
    "certificate_request.rejected": _("Certificate request rejected"),
    "certificate_request.cancelled": _("Certificate request cancelled"),
    "certificate_request.revoked": _("Certificate revoked"),
    "consent.granted": _("Operator access granted"),
    "consent.revoked": _("Operator access withdrawn"),
    "customer.added": _("Customer added and invited"),
    "customer.invitation_accepted": _("Customer invitation accepted"),
    "customer.renewed": _("Customer renewed"),
    "signin.unlocked": _("Sign-in lockout lifted"),
    "user.signup_confirmed": _("Sign-up confirmed"),
    "delegation.entered": _("Operator entered the account"),
    "delegation.left": _("Operator left the account"),
    "invoice.credited": _("Credit note issued"),
    "invoice.issued": _("Invoice issued"),
    "invoice.overdue": _("Invoice overdue"),
    "invoice.paid": _("Invoice paid"),
    "invoice.payment_recorded": _("Payment recorded"),
    "licence.assigned": _("Licence assigned"),
    "licence.unassigned": _("Licence unassigned"),
    "pa.cancelled": _("Purchase authorization cancelled"),
    "pa.created": _("Purchase authorization created"),
    "pa.flagged_overdue": _("Purchase authorization overdue"),
    "pa.ordered": _("Purchase authorization ordered"),
    "pa.return_requested": _("Return requested"),
    "pa.returned": _("Purchase authorization returned"),
    "partner.contract_changed": _("Contract changed"),
    "partner.created": _("Partner created"),
    "partner.credit_limit_changed": _("Credit limit changed"),
    "partner.settings_changed": _("Settings changed"),
    "pool.allocated": _("Licence-years allocated"),
    "pool.corrected": _("Licence pool corrected"),
    "pool.purchased": _("Licence-years bought"),
    "price.created": _("Price added"),
    "price.deleted": _("Price removed"),
    "price.updated": _("Price changed"),
    "price_table.created": _("Price table created"),
    "price_table.prices_saved": _("Prices saved"),
    "price_table.validity_changed": _("Price table validity changed"),
    "quote.created": _("Quote saved"),
    "quote.deleted": _("Quote deleted"),
    "quote.emailed": _("Quote e-mailed"),
    "subscription.deactivated": _("Licences deactivated (not renewed)"),
    "subscription.reactivated": _("Licences active again (renewed)"),
    "user.added": _("User added"),
    "user.invitation_accepted": _("Invitation accepted"),
    "user.invited": _("Partner admin invited"),
    "user.removed": _("User removed"),
    "user.role_changed": _("Role changed"),
    "user.signed_up": _("Account created"),
    "voucher_code.reactivated": _("Voucher code active again"),
    "voucher_code.reissued": _("Voucher code reissued"),
    "voucher_code.replaced": _("Voucher code replaced"),
    "voucher_code.used": _("Voucher code redeemed"),
    "voucher_codes.cancelled": _("Voucher codes cancelled"),
    "voucher_codes.expired": _("Voucher codes expired"),
    "voucher_order.cancelled": _("Voucher order cancelled"),
    "voucher_order.created": _("Voucher order placed"),
}


def action_label(code: str) -> str:
    """The action in the active language; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_label(entry) -> str:
    """"Voucher order 8" in the active language, from the stored model label and id."""
    model = _model(entry.object_type)
    if model is None:
        return f"{entry.object_type} {entry.object_id}"
    return _now("%(kind)s %(id)s") % {"kind": capfirst(model._meta.verbose_name), "id": entry.object_id}


def change_rows(entry) -> list[tuple[str, object, object]]:
    """(field, before, after) rows: a model field's name and a choice's label in the active
    language; other keys and values as recorded."""
    model = _model(entry.object_type)
    keys = list(entry.after) + [key for key in entry.before if key not in entry.after]
    return [(_field_label(model, key), _value(model, key, entry.before.get(key, "")),
             _value(model, key, entry.after.get(key, "—"))) for key in keys]


def _field(model, key):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _field_label(model, key: str) -> str:
    field = _field(model, key)
    return capfirst(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else key


def _value(model, key: str, value):
    field = _field(model, key)
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    return choices.get(value, value)
