"""Operator back office (T-8): a partner onboarded in the browser, its billing contact, and the
e-mailed invitation of its first admin. Every write is audited with the operator as its author.

The invitation link carries a signed, expiring token naming a PartnerInvitation row (like the
customers' invitation, C-2); it works once, and only for the person it was sent to: accepting
needs an account with the invited e-mail address.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.errors import Conflict, Forbidden, NotFound, PortalError
from portal.money import CURRENCY_DECIMALS
from portal.outbox import outbox_enqueue

from .models import BillingContact, ContractType, Membership, Partner, PartnerInvitation, PaymentTerms, User
from .roles import Role
from .services import BILLING_CONTACT_FIELDS, _apply

INVITATION_MAX_AGE = timedelta(days=7)
_INVITATION_SALT = "tenancy.partner_invitation"
ACCOUNT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")


@dataclass(frozen=True)
class PartnerInput:
    name: str
    account_number: str
    currency: str
    language: str
    time_zone: str
    contract_type: str
    payment_terms: str
    credit_limit: Decimal
    low_balance_threshold: Decimal
    vouchers_enabled: bool


@dataclass(frozen=True)
class InviteInput:
    email: str
    first_name: str = ""
    last_name: str = ""


def _require_operator(actor: User) -> None:
    if not actor.is_operator:
        raise Forbidden()


def _check_partner(data: PartnerInput) -> None:
    checks = [
        ("name", bool(data.name.strip()), _("Enter the partner's name.")),
        ("account_number", bool(ACCOUNT_NUMBER.match(data.account_number.strip())),
         _("Up to 20 letters, digits and hyphens, such as JP-0002.")),
        ("currency", data.currency in CURRENCY_DECIMALS, _("Choose a currency.")),
        ("language", data.language in dict(settings.LANGUAGES), _("Choose a language.")),
        ("time_zone", data.time_zone in available_timezones(), _("Choose a time zone.")),
        ("contract_type", data.contract_type in ContractType.values, _("Choose a contract type.")),
        ("payment_terms", data.payment_terms in PaymentTerms.values, _("Choose payment terms.")),
        ("credit_limit", data.credit_limit >= 0, _("Enter zero or more.")),
        ("low_balance_threshold", data.low_balance_threshold >= 0, _("Enter zero or more.")),
    ]
    for name, ok, message in checks:
        if not ok:
            raise PortalError(f"invalid_{name}", message, field=name)


@transaction.atomic
def partner_create(*, actor: User, data: PartnerInput, billing_contact: dict,
                   first_admin: InviteInput | None = None) -> Partner:
    """T-8: a new partner with its settings (T-7) and billing contact (T-6), and optionally the
    invitation of its first partner admin; all or nothing."""
    _require_operator(actor)
    _check_partner(data)
    values = asdict(data) | {"name": data.name.strip(), "account_number": data.account_number.strip().upper()}
    try:
        with transaction.atomic():
            partner = Partner.objects.create(**values)
    except IntegrityError:
        raise Conflict("account_number_taken", _("Another partner has this account number."),
                       field="account_number") from None
    audit_record(action="partner.created", obj=partner, actor=actor, partner=partner, after=values)
    contact = BillingContact.objects.create(partner=partner, **{name: billing_contact[name]
                                                                for name in BILLING_CONTACT_FIELDS
                                                                if name in billing_contact})
    audit_record(action="billing_contact.changed", obj=contact, actor=actor, partner=partner,
                 after={name: getattr(contact, name) for name in BILLING_CONTACT_FIELDS})
    if first_admin is not None:
        partner_admin_invite(actor=actor, partner=partner, invite=first_admin)
    return partner


@transaction.atomic
def partner_billing_contact_update(*, actor: User, partner: Partner, values: dict) -> BillingContact:
    """Operator staff keep a partner's billing contact (T-6) from the operator console."""
    _require_operator(actor)
    contact, _created = BillingContact.objects.for_partner(partner).select_for_update().get_or_create(
        partner=partner)
    before, after = _apply(contact, BILLING_CONTACT_FIELDS, values)
    if after:
        contact.save()
        audit_record(action="billing_contact.changed", obj=contact, actor=actor, partner=partner, before=before,
                     after=after)
    return contact


# --- the first partner admin's invitation --------------------------------------------------------

@transaction.atomic
def partner_admin_invite(*, actor: User, partner: Partner, invite: InviteInput) -> PartnerInvitation:
    """E-mail `invite.email` a link to become the partner's admin (signed, valid 7 days, once)."""
    _require_operator(actor)
    email = invite.email.strip().lower()
    if Membership.objects.for_partner(partner).filter(user__email=email).exists():
        raise Conflict("already_member", _("This person is already a user of this account."), field="email")
    invitation = PartnerInvitation.objects.create(partner=partner, email=email, invited_by=actor,
                                                  first_name=invite.first_name.strip(),
                                                  last_name=invite.last_name.strip())
    audit_record(action="user.invited", obj=invitation, actor=actor, partner=partner,
                 after={"email": email, "role": Role.PARTNER_ADMIN})
    from .tasks import send_partner_invitation_email

    outbox_enqueue(send_partner_invitation_email, invitation.pk)
    return invitation


def partner_invitation_token(invitation: PartnerInvitation) -> str:
    return signing.TimestampSigner(salt=_INVITATION_SALT).sign(str(invitation.pk))


def partner_invitation_for_token(token: str) -> PartnerInvitation:
    """The invitation a signed, unexpired, unused link names."""
    try:
        invitation_id = signing.TimestampSigner(salt=_INVITATION_SALT).unsign(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise PortalError("invitation_expired", _("This invitation has expired. Ask the operator to send a new one."),
                          status=410) from None
    except signing.BadSignature:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid") from None
    invitation = PartnerInvitation.unscoped.select_related("partner").filter(pk=int(invitation_id)).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.accepted_at is not None:
        raise Conflict("invitation_used", _("This invitation has been accepted already."), status=409)
    return invitation


@transaction.atomic
def partner_invitation_accept(*, token: str, user: User) -> Membership:
    """The signed-in person, if the invitation was sent to their address, becomes the partner's
    admin. The invitation is taken with a conditional UPDATE: two clicks accept it once."""
    invitation = partner_invitation_for_token(token)
    if user.email.lower() != invitation.email:
        raise Forbidden(_("This invitation was sent to %(email)s: sign in with that address to accept it.")
                        % {"email": invitation.email}, code="invitation_other_person")
    taken = PartnerInvitation.unscoped.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_by=user)
    if not taken:
        raise Conflict("invitation_used", _("This invitation has been accepted already."), status=409)
    partner = invitation.partner
    membership = Membership.objects.for_partner(partner).filter(user=user).first()
    before = {"role": membership.role} if membership else {}
    if membership is None:
        membership = Membership.objects.create(partner=partner, user=user, role=Role.PARTNER_ADMIN)
    elif membership.role != Role.PARTNER_ADMIN:
        membership.role, membership.reseller = Role.PARTNER_ADMIN, None
        membership.save(update_fields=["role", "reseller"])
    if not user.first_name and invitation.first_name:
        user.first_name, user.last_name = invitation.first_name, invitation.last_name
        user.save(update_fields=["first_name", "last_name"])
    audit_record(action="user.invitation_accepted", obj=membership, actor=user, partner=partner, before=before,
                 after={"email": user.email, "role": Role.PARTNER_ADMIN})
    return membership
