"""Writes for partners, users, memberships, billing contacts and consents. Each is audited."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record, changes, snapshot
from portal.errors import Conflict, Forbidden, PortalError
from portal.money import Money, format_money

from .context import Tenant
from .models import BillingContact, DelegationConsent, Membership, Partner, Reseller, User
from .roles import Role

PARTNER_SETTINGS_FIELDS = ["currency", "language", "time_zone", "low_balance_threshold"]
CONTRACT_FIELDS = ["contract_type", "payment_terms", "credit_limit", "vouchers_enabled"]
# What operator staff change, with a reason, in the operator console (T-8) and the admin.
COMMERCIAL_FIELDS = [*CONTRACT_FIELDS, "low_balance_threshold"]
BILLING_CONTACT_FIELDS = ["contact_name", "organisation", "country", "address_line1", "address_line2", "city",
                          "state", "postal_code", "emails", "phone"]
# T-6: needed before the partner can order vouchers.
BILLING_FIELDS_REQUIRED_TO_ORDER = {
    "organisation": _("organisation name"),
    "state": _("state/province/region"),
    "postal_code": _("postal code"),
}


def _apply(instance, fields: list[str], values: dict) -> tuple[dict, dict]:
    old = snapshot(instance, fields)
    for name in fields:
        if name in values:
            setattr(instance, name, values[name])
    return changes(instance, fields, old)


@transaction.atomic
def partner_settings_update(*, tenant: Tenant, values: dict) -> Partner:
    """T-7 settings a partner admin keeps; the currency is fixed once the partner has ordered.
    Commercial settings are the operator's, with a reason (`partner_contract_update`)."""
    partner = Partner.objects.select_for_update().get(pk=tenant.partner.pk)
    if "currency" in values and values["currency"] != partner.currency and partner_has_orders(partner):
        raise PortalError("currency_fixed", _("The account currency cannot change once orders exist."),
                          field="currency")
    before, after = _apply(partner, PARTNER_SETTINGS_FIELDS, values)
    if after:
        partner.save(update_fields=list(after))
        audit_record(action="partner.settings_changed", obj=partner, tenant=tenant, before=before, after=after)
    return partner


@transaction.atomic
def partner_contract_update(*, actor: User, partner: Partner, values: dict, reason: str) -> Partner:
    """Operator staff change a partner's commercial settings (T-7, T-8): contract type, payment
    terms, credit limit, low-balance threshold, vouchers feature; audited with the reason.

    B-7: a credit limit is never lowered below the credit the partner uses now (its negative
    balance); such a change is refused. The check locks the partner's balance row first, as every
    ledger posting does, so an order running at the same time either waits and sees the new limit
    or commits first and is counted as use."""
    if not actor.is_operator:
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise PortalError("reason_required", _("Say why the commercial settings change."), field="reason")
    values = {name: value for name, value in values.items() if name in COMMERCIAL_FIELDS}
    for name in ("credit_limit", "low_balance_threshold"):
        if name in values and Decimal(values[name]) < 0:
            raise PortalError(f"{name}_negative", _("Enter zero or more."), field=name)
    in_use = partner_credit_in_use_locked(partner) if "credit_limit" in values else None
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if in_use is not None:
        credit_limit_check(partner=partner, credit_limit=Decimal(values["credit_limit"]), in_use=in_use)
    before, after = _apply(partner, COMMERCIAL_FIELDS, values)
    if after:
        partner.save(update_fields=list(after))
        action = "partner.credit_limit_changed" if "credit_limit" in after else "partner.contract_changed"
        audit_record(action=action, obj=partner, actor=actor, partner=partner, before=before,
                     after={**after, "reason": reason})
    return partner


def credit_limit_check(*, partner: Partner, credit_limit: Decimal, in_use: Decimal) -> None:
    """B-7: a lower credit limit must still cover the credit in use (a higher one always may)."""
    if credit_limit < min(in_use, partner.credit_limit):
        used = format_money(Money(in_use, partner.currency), translation.get_language() or "en")
        raise PortalError("credit_limit_below_use",
                          _("The partner uses %(used)s of its credit now: the credit limit cannot be set below "
                            "that.") % {"used": used}, field="credit_limit", status=409)


def partner_credit_in_use_locked(partner: Partner) -> Decimal:
    """B-7: the credit the partner uses now, its balance row locked until the end of the
    transaction. Billing owns the balance and provides this (settings.PORTAL_CREDIT_IN_USE), so
    tenancy never imports billing."""
    return import_string(settings.PORTAL_CREDIT_IN_USE)(partner)


def partner_has_orders(partner: Partner) -> bool:
    """Orders lock the currency; ordering services set `currency_locked` on the partner."""
    return partner.currency_locked


@transaction.atomic
def billing_contact_update(*, tenant: Tenant, values: dict) -> BillingContact:
    contact, _created = BillingContact.objects.for_tenant(tenant).select_for_update().get_or_create(
        partner=tenant.partner
    )
    before, after = _apply(contact, BILLING_CONTACT_FIELDS, values)
    if after:
        contact.save()
        audit_record(action="billing_contact.changed", obj=contact, tenant=tenant, before=before, after=after)
    return contact


def billing_contact_missing_fields(partner: Partner) -> list[str]:
    contact = BillingContact.objects.for_partner(partner).first()
    return [name for name in BILLING_FIELDS_REQUIRED_TO_ORDER if not (contact and getattr(contact, name).strip())]


def billing_contact_require_complete(*, partner: Partner) -> None:
    """T-6: refuse to order until the billing contact names organisation, state and postal code."""
    missing = billing_contact_missing_fields(partner)
    if missing:
        labels = ", ".join(str(BILLING_FIELDS_REQUIRED_TO_ORDER[name]) for name in missing)
        raise PortalError("billing_contact_incomplete",
                          _("Complete the billing contact before ordering; missing: %(fields)s.") % {"fields": labels},
                          field=missing[0])


# --- users and memberships -------------------------------------------------------------------

SIGNUP_SALT = "tenancy.signup"
SIGNUP_MAX_AGE = 3 * 24 * 3600


@transaction.atomic
def user_sign_up(*, email: str, first_name: str, last_name: str, password: str, language: str,
                 next_path: str, time_zone: str = "") -> None:
    """An end customer's own account: no partner membership, so it reaches no partner's data. The
    language and time zone are the ones the person signed up in (their pages show times there).

    The answer is an e-mail to the address, never a page that differs: a new address gets a link
    that activates the account (and signs in, going on to `next_path`); an address with an account
    gets a reminder to sign in or choose a new password. Until the link is followed the account is
    inactive, and a second sign-up with the address replaces the pending one's details."""
    from portal.outbox import outbox_enqueue

    from .tasks import send_signup_email

    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None and (user.is_active or user.last_login is not None):
        make_password(password)  # as long as creating one takes: the timing tells nothing either
        outbox_enqueue(send_signup_email, user.pk, "signup_existing", next_path)
        return
    if user is None:
        user = User(email=email)
    user.first_name, user.last_name, user.language, user.is_active = first_name, last_name, language, False
    user.time_zone = time_zone
    user.set_password(password)
    user.save()
    audit_record(action="user.signed_up", obj=user, actor=user)
    outbox_enqueue(send_signup_email, user.pk, "signup_confirm", next_path)


def signup_token(user: User, next_path: str) -> str:
    return signing.dumps({"user": user.pk, "next": next_path}, salt=SIGNUP_SALT)


@transaction.atomic
def user_sign_up_confirm(*, token: str) -> tuple[User, str]:
    """Follow a sign-up link: the pending account becomes active. Returns it and where to go on."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
    except signing.SignatureExpired:
        raise PortalError("signup_link_expired", _("This link has expired: sign up again."), status=410) from None
    except signing.BadSignature:
        raise PortalError("signup_link_invalid", _("This link is not valid."), status=404) from None
    user = User.objects.select_for_update().filter(pk=data["user"]).first()
    if user is None or (not user.is_active and user.last_login is not None):  # deleted, or deactivated since
        raise PortalError("signup_link_invalid", _("This link is not valid."), status=404)
    if not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        audit_record(action="user.signup_confirmed", obj=user, actor=user)
    return user, data["next"]


@transaction.atomic
def membership_add(*, tenant: Tenant, email: str, role: str, first_name: str = "", last_name: str = "",
                   reseller: Reseller | None = None) -> Membership:
    """Add a user to the partner (creating the account if new) and e-mail a link to set a password."""
    if role == Role.RESELLER_USER and reseller is None:
        raise PortalError("reseller_required", _("A reseller user needs a reseller."), field="reseller")
    if role != Role.RESELLER_USER:
        reseller = None
    email = email.strip().lower()
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first_name,
                                                                      "last_name": last_name,
                                                                      "language": tenant.partner.language})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    try:
        with transaction.atomic():
            membership = Membership.objects.create(partner=tenant.partner, user=user, role=role, reseller=reseller)
    except IntegrityError:
        raise Conflict("already_member", _("This person is already a user of this account."), field="email") from None
    audit_record(action="user.added", obj=membership, tenant=tenant,
                 after={"email": email, "role": role, "reseller": reseller.name if reseller else ""})
    if created:
        from portal.outbox import outbox_enqueue

        from .tasks import send_welcome_email

        outbox_enqueue(send_welcome_email, user.pk)
    return membership


def user_send_welcome(user: User) -> int:
    """E-mail a new user, in their language, a link to choose a password."""
    form = PasswordResetForm({"email": user.email})
    form.is_valid()
    # PasswordResetForm skips users without a usable password; a new user needs the link anyway.
    form.get_users = lambda email: [user]
    site = urlsplit(settings.PORTAL_SITE_URL)
    with translation.override(user.language):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https",
                  subject_template_name="registration/welcome_subject.txt",
                  email_template_name="registration/welcome_email.txt")
    return 1


@transaction.atomic
def membership_change_role(*, tenant: Tenant, membership: Membership, role: str,
                           reseller: Reseller | None = None) -> Membership:
    if role == Role.RESELLER_USER and reseller is None:
        raise PortalError("reseller_required", _("A reseller user needs a reseller."), field="reseller")
    if membership.user_id == (tenant.user.pk if tenant.user else None) and role != membership.role:
        raise PortalError("own_role", _("You cannot change your own role."), field="role")
    before = {"role": membership.role, "reseller": membership.reseller.name if membership.reseller else ""}
    membership.role = role
    membership.reseller = reseller if role == Role.RESELLER_USER else None
    membership.save(update_fields=["role", "reseller"])
    after = {"role": role, "reseller": membership.reseller.name if membership.reseller else ""}
    audit_record(action="user.role_changed", obj=membership, tenant=tenant, before=before, after=after)
    return membership


@transaction.atomic
def membership_remove(*, tenant: Tenant, membership: Membership) -> None:
    if tenant.user and membership.user_id == tenant.user.pk:
        raise PortalError("own_membership", _("You cannot remove yourself."), field=None)
    audit_record(action="user.removed", obj=membership, tenant=tenant,
                 before={"email": membership.user.email, "role": membership.role})
    Membership.objects.for_tenant(tenant).filter(pk=membership.pk).delete()


# --- delegated access (T-4) ------------------------------------------------------------------

@transaction.atomic
def consent_grant(*, tenant: Tenant) -> DelegationConsent:
    active = DelegationConsent.objects.for_tenant(tenant).filter(revoked_at__isnull=True).first()
    if active:
        return active
    try:
        with transaction.atomic():
            consent = DelegationConsent.objects.create(partner=tenant.partner, granted_by=tenant.user)
    except IntegrityError:  # granted concurrently
        return DelegationConsent.objects.for_tenant(tenant).get(revoked_at__isnull=True)
    audit_record(action="consent.granted", obj=consent, tenant=tenant, after={"active": True})
    return consent


@transaction.atomic
def consent_revoke(*, tenant: Tenant) -> int:
    consents = list(DelegationConsent.objects.for_tenant(tenant).filter(revoked_at__isnull=True))
    DelegationConsent.objects.for_tenant(tenant).filter(revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=tenant.user
    )
    for consent in consents:
        audit_record(action="consent.revoked", obj=consent, tenant=tenant, before={"active": True},
                     after={"active": False})
    return len(consents)


def consent_is_active(partner: Partner) -> bool:
    return DelegationConsent.objects.for_partner(partner).filter(revoked_at__isnull=True).exists()


@transaction.atomic
def delegation_enter(*, operator: User, partner: Partner) -> None:
    """Operator staff enter a partner's account: only while the partner's consent stands."""
    if not operator.is_operator:
        raise Forbidden()
    if not consent_is_active(partner):
        raise Forbidden(_("This partner has not given consent to act in its account."), code="no_consent")
    audit_record(action="delegation.entered", obj=partner, actor=operator, partner=partner)


@transaction.atomic
def delegation_leave(*, tenant: Tenant) -> None:
    audit_record(action="delegation.left", obj=tenant.partner, tenant=tenant)


# --- sign-in lockouts (django-axes) ----------------------------------------------------------

def signin_lockouts() -> list[dict]:
    """Addresses with failed sign-ins still counting: `username`, `failures`, `last`, `locked`."""
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum

    rows = (AccessAttempt.objects.values("username").annotate(failures=Sum("failures_since_start"),
                                                               last=Max("attempt_time")).order_by("-last"))
    return [row | {"locked": row["failures"] >= settings.AXES_FAILURE_LIMIT} for row in rows]


@transaction.atomic
def signin_unlock(*, operator: User, username: str) -> int:
    """Operator staff let an address sign in again at once (T-5: audited)."""
    from axes.utils import reset

    if not operator.is_operator:
        raise Forbidden()
    removed = reset(username=username)
    if removed:
        audit_record(action="signin.unlocked", obj=operator, actor=operator, after={"username": username})
    return removed
