"""Redemption (V-8) and the operator's review of certificate requests (V-9).

A code becomes Used by a conditional UPDATE (status Active and not past expiry → Used): of two
concurrent redemptions exactly one changes the row, the other sees zero rows and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.catalogue.models import ProductKind
from portal.dates import anniversary, local_date, local_today
from portal.errors import Forbidden, PortalError
from portal.tenancy.models import User
from portal.transitions import transition_apply, transition_apply_many

from ..codes import normalise
from ..models import CODE_MOVES, REQUEST_MOVES, CertificateRequest, CodeStatus, RequestStatus, VoucherCode

REACTIVATE_WITHIN_DAYS = 30
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def is_fqdn(name: str) -> bool:
    labels = name.split(".")
    return (len(name) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)
            and not labels[-1].isdigit())


def is_wildcard(name: str) -> bool:
    return name.startswith("*.") and is_fqdn(name[2:])


@dataclass(frozen=True)
class CertificateRequestInput:
    """What the end customer submits. A TLS voucher takes the names (common name, additional
    FQDNs, wildcards) and the organisation; a code-signing or token voucher takes the
    organisation's legal name, address and contact (and a shipping address where a token
    ships) and no domain names (V-8)."""

    organisation: str
    common_name: str = ""
    additional_names: list[str] = field(default_factory=list)
    wildcard_names: list[str] = field(default_factory=list)
    server_licences: int = 1
    organisation_address: str = ""
    contact_name: str = ""
    contact_email: str = ""
    shipping_address: str = ""


def token_ships(line) -> bool:
    """Whether redeeming this line's voucher ships a hardware token (an address is needed)."""
    return line.product.kind == ProductKind.HARDWARE_TOKEN or bool(line.shipping_method)


def voucher_code_for_redemption(value: str) -> VoucherCode | None:
    """The code a public redemption URL names, or None. Replaced codes answer like unknown ones."""
    return (VoucherCode.unscoped.filter(value=normalise(value)).exclude(status=CodeStatus.REPLACED)
            .select_related("partner", "line__product", "order").first())


def redemption_refusal(code: VoucherCode | None, today: date | None = None) -> PortalError | None:
    """Why this code cannot be redeemed now, or None. Expiry is checked against the partner's
    date even before the daily job has marked the code Expired."""
    if code is None:
        return PortalError("code_unknown", _("This voucher code is not valid. Check that you copied the whole "
                                             "link."), status=404)
    today = today or local_today(code.partner.time_zone)
    if code.status == CodeStatus.CANCELLED:
        return PortalError("code_cancelled", _("This voucher was cancelled and can no longer be used."), status=409)
    if code.status == CodeStatus.USED:
        return PortalError("code_used", _("This voucher has already been used."), status=409)
    if code.status == CodeStatus.EXPIRED or code.expires_on < today:
        return PortalError("code_expired", _("This voucher expired on %(date)s.") % {"date": code.expires_on},
                           status=409)
    return None


def _check_request(code: VoucherCode, data: CertificateRequestInput) -> None:
    if code.line.product.requests_organisation:
        _check_organisation(code, data)
    else:
        _check_names(code, data)
    if not data.organisation:
        raise PortalError("organisation_required", _("Enter the organisation."), field="organisation")
    if not 1 <= data.server_licences <= 500:
        raise PortalError("server_licences_out_of_range", _("Server licences must be between 1 and 500."),
                          field="server_licences")


def _check_organisation(code: VoucherCode, data: CertificateRequestInput) -> None:
    """V-8: code signing certifies an organisation, not domain names."""
    if data.common_name or data.additional_names or data.wildcard_names:
        raise PortalError("names_not_allowed", _("A code-signing voucher takes no domain names."),
                          field="common_name")
    required = [("organisation_address", data.organisation_address, _("Enter the organisation's address.")),
                ("contact_name", data.contact_name, _("Enter the contact's name.")),
                ("contact_email", data.contact_email, _("Enter the contact's e-mail address."))]
    if token_ships(code.line):
        required.append(("shipping_address", data.shipping_address, _("Enter where the token is shipped.")))
    for name, value, message in required:
        if not value:
            raise PortalError(f"{name}_required", message, field=name)
    if "@" not in data.contact_email:
        raise PortalError("contact_email_invalid", _("Enter a valid e-mail address."), field="contact_email")


def _check_names(code: VoucherCode, data: CertificateRequestInput) -> None:
    line = code.line
    if not data.common_name:
        raise PortalError("common_name_required", _("Enter the common name."), field="common_name")
    names = [data.common_name, *data.additional_names, *data.wildcard_names]
    for name_field, values in (("common_name", [data.common_name]), ("additional_names", data.additional_names),
                               ("wildcard_names", data.wildcard_names)):
        for name in values:
            valid = is_wildcard(name) if name_field == "wildcard_names" else (is_fqdn(name) or (
                name_field == "common_name" and is_wildcard(name)))
            if not valid:
                raise PortalError("invalid_name", _("%(name)s is not a valid domain name.") % {"name": name},
                                  field=name_field)
    if len(set(names)) != len(names):
        raise PortalError("duplicate_name", _("Each name may appear only once."), field="additional_names")
    fqdn_count = sum(1 for name in names if not name.startswith("*."))
    wildcard_count = len(names) - fqdn_count
    if fqdn_count > line.fqdns:
        raise PortalError("too_many_fqdns", _("This voucher covers at most %(count)s FQDN(s).")
                          % {"count": line.fqdns}, field="additional_names")
    if wildcard_count > line.wildcards:
        raise PortalError("too_many_wildcards", _("This voucher covers at most %(count)s wildcard name(s).")
                          % {"count": line.wildcards}, field="wildcard_names")


def voucher_redeem(*, value: str, requester: User, data: CertificateRequestInput,
                   renewal: bool = False) -> CertificateRequest:
    code = voucher_code_for_redemption(value)
    if (refusal := redemption_refusal(code)) is not None:
        raise refusal
    data = CertificateRequestInput(
        common_name=data.common_name.strip().lower(), organisation=data.organisation.strip(),
        additional_names=[n.strip().lower() for n in data.additional_names if n.strip()],
        wildcard_names=[n.strip().lower() for n in data.wildcard_names if n.strip()],
        server_licences=data.server_licences, organisation_address=data.organisation_address.strip(),
        contact_name=data.contact_name.strip(), contact_email=data.contact_email.strip().lower(),
        shipping_address=data.shipping_address.strip())
    _check_request(code, data)
    today = local_today(code.partner.time_zone)
    with transaction.atomic():
        claimed = transition_apply_many(queryset=VoucherCode.unscoped.filter(pk=code.pk, expires_on__gte=today),
                                        to=CodeStatus.USED, moves=CODE_MOVES, action="voucher_code.used",
                                        changes={"used_at": timezone.now()})
        if claimed != 1:
            code.refresh_from_db()
            raise redemption_refusal(code, today) or PortalError("code_used", _("This voucher has already been "
                                                                               "used."), status=409)
        certificate_request = CertificateRequest.objects.create(
            partner=code.partner, code=code, requester=requester, is_renewal=renewal, common_name=data.common_name,
            additional_names=data.additional_names, wildcard_names=data.wildcard_names,
            organisation=data.organisation, server_licences=data.server_licences,
            organisation_address=data.organisation_address, contact_name=data.contact_name,
            contact_email=data.contact_email, shipping_address=data.shipping_address)
        audit_record(action="voucher_code.used", obj=code, actor=requester, partner=code.partner,
                     before={"status": CodeStatus.ACTIVE},
                     after={"status": CodeStatus.USED, "request": certificate_request.pk, "renewal": renewal})
    return certificate_request


def certificate_request_approve(*, actor: User, certificate_request: CertificateRequest) -> CertificateRequest:
    """V-9: operator staff validate and issue. The certificate order runs for the voucher's
    validity years from today; this certificate for at most the TLS lifetime in force, never past
    the order's end."""
    if not actor.is_operator:
        raise Forbidden()
    with transaction.atomic():
        certificate_request = CertificateRequest.unscoped.select_related("code__line", "partner").get(
            pk=certificate_request.pk)
        today = local_today(certificate_request.partner.time_zone)
        order_till = anniversary(today, certificate_request.code.line.years) - timedelta(days=1)
        lifetime = timedelta(days=settings.PORTAL_MAX_TLS_LIFETIME_DAYS - 1)
        transition_apply(obj=certificate_request, to=RequestStatus.ISSUED, moves=REQUEST_MOVES,
                         action="certificate_request.issued", actor=actor, audit_after={"order_valid_till": order_till},
                         changes={"reviewed_at": timezone.now(), "reviewed_by": actor, "order_valid_from": today,
                                  "order_valid_till": order_till, "cert_valid_from": today,
                                  "cert_valid_till": min(today + lifetime, order_till),
                                  "certificate_order_id": f"CO-{certificate_request.pk:08d}"})
    return certificate_request


WITHDRAWALS = (RequestStatus.REJECTED, RequestStatus.CANCELLED, RequestStatus.REVOKED)


def certificate_request_withdraw(*, actor: User, certificate_request: CertificateRequest,
                                 outcome: str) -> CertificateRequest:
    """V-9: reject (during review), cancel or revoke. Within 30 days of the request the voucher is
    Active again with its original expiry date; after 30 days it stays Used."""
    if not actor.is_operator:
        raise Forbidden()
    if outcome not in WITHDRAWALS:
        raise PortalError("invalid_outcome", _("Choose reject, cancel or revoke."), field="outcome")
    with transaction.atomic():
        certificate_request = CertificateRequest.unscoped.select_related("partner").get(pk=certificate_request.pk)
        time_zone = certificate_request.partner.time_zone
        days = (local_today(time_zone) - local_date(certificate_request.requested_at, time_zone)).days
        reactivate = days <= REACTIVATE_WITHIN_DAYS
        transition_apply(obj=certificate_request, to=outcome, moves=REQUEST_MOVES,
                         action=f"certificate_request.{outcome}", actor=actor,
                         changes={"reviewed_at": timezone.now(), "reviewed_by": actor},
                         audit_after={"voucher_reactivated": reactivate})
        if reactivate:
            transition_apply_many(queryset=VoucherCode.unscoped.filter(pk=certificate_request.code_id),
                                  to=CodeStatus.ACTIVE, moves=CODE_MOVES, action="voucher_code.reactivated",
                                  changes={"used_at": None})
    return certificate_request
