"""T-8: partner onboarding in the operator console, commercial settings with a reason, the first
partner admin's invitation (signed, expiring, once, for the invited address only); T-5 audit."""

import re
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.tenancy import onboarding
from portal.tenancy.models import BillingContact, Membership, Partner, PartnerInvitation
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import OperatorFactory, PartnerInvitationFactory, UserFactory

NEW_PARTNER = {
    "name": "Nordic Reseller AB", "account_number": "se-0007", "currency": "SEK", "language": "sv",
    "time_zone": "Europe/Stockholm", "contract_type": "ongoing", "payment_terms": "NET45", "credit_limit": "250000",
    "low_balance_threshold": "20000", "vouchers_enabled": "on", "contact_name": "Sara Lind",
    "organisation": "Nordic Reseller AB", "country": "se", "address_line1": "Drottninggatan 1", "address_line2": "",
    "city": "Stockholm", "state": "Stockholm", "postal_code": "111 51", "emails": "faktura@nordic.test",
    "phone": "+46 8 000 00 00", "admin_email": "Sara@Nordic.test", "admin_first_name": "Sara",
    "admin_last_name": "Lind",
}


@pytest.fixture
def operator_client(operator):
    return client_for(operator)


def _create(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("operator_partner_new"), NEW_PARTNER | changes)


def test_t8_operator_onboards_a_partner_with_settings_contact_and_first_admin(
        operator_client, operator, django_capture_on_commit_callbacks):
    response = _create(operator_client, django_capture_on_commit_callbacks)
    partner = Partner.objects.get(account_number="SE-0007")
    assert response.status_code == 302 and response.url == reverse("operator_partner", args=[partner.pk])
    assert (partner.name, partner.currency, partner.language, partner.time_zone, partner.contract_type,
            partner.payment_terms, partner.credit_limit, partner.low_balance_threshold, partner.vouchers_enabled) == (
        "Nordic Reseller AB", "SEK", "sv", "Europe/Stockholm", "ongoing", "NET45", Decimal("250000"),
        Decimal("20000"), True)
    contact = BillingContact.objects.for_partner(partner).get()
    assert (contact.organisation, contact.country, contact.emails) == ("Nordic Reseller AB", "SE",
                                                                       ["faktura@nordic.test"])
    invitation = PartnerInvitation.objects.for_partner(partner).get()
    assert (invitation.email, invitation.invited_by, invitation.accepted_at) == ("sara@nordic.test", operator, None)
    [message] = mail.outbox
    assert message.to == ["sara@nordic.test"]
    assert message.subject == "Du är inbjuden att hantera Nordic Reseller AB i partnerportalen"  # partner's language
    assert "Länken fungerar en gång och i 7 dagar." in message.body
    assert re.search(r"/invitation/partner/[^/\s]+/", message.body)
    actions = list(AuditEntry.objects.for_partner(partner).order_by("id").values_list("action", "actor"))
    assert actions == [("partner.created", operator.pk), ("billing_contact.changed", operator.pk),
                       ("user.invited", operator.pk)]
    assert operator_client.get(response.url).status_code == 200


def test_t8_taken_account_number_names_the_field_and_creates_nothing(
        operator_client, partner, django_capture_on_commit_callbacks):
    response = _create(operator_client, django_capture_on_commit_callbacks, account_number=partner.account_number)
    assert response.status_code == 200
    assert response.context["form"].errors["account_number"] == ["Another partner has this account number."]
    assert Partner.objects.filter(name="Nordic Reseller AB").count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(("field", "value"), [
    ("time_zone", "Mars/Olympus"), ("credit_limit", "-1"), ("currency", "XXX"), ("account_number", "JP 0001!"),
    ("emails", "not-an-address"), ("admin_email", "nope"), ("name", ""), ("credit_limit", "1e999"),
])
def test_t8_bad_input_names_the_field_and_changes_nothing(operator_client, field, value,
                                                           django_capture_on_commit_callbacks):
    response = _create(operator_client, django_capture_on_commit_callbacks, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Partner.objects.filter(name="Nordic Reseller AB").exists()


@pytest.mark.parametrize("url_name", ["operator_partner_new", "operator_home"])
def test_t3_partner_users_cannot_open_the_operator_console(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == 403
    assert admin_client.post(reverse(url_name), NEW_PARTNER).status_code == 403
    assert not Partner.objects.filter(name="Nordic Reseller AB").exists()


# --- commercial settings -------------------------------------------------------------------------

def _commercial(client, partner, **changes):
    data = {"contract_type": "ongoing", "payment_terms": partner.payment_terms, "credit_limit": partner.credit_limit,
            "low_balance_threshold": partner.low_balance_threshold, "vouchers_enabled": "on", "reason": ""}
    return client.post(reverse("operator_partner_commercial", args=[partner.pk]), data | changes)


def test_t5_t8_commercial_change_is_audited_with_before_after_and_reason(operator_client, operator, partner):
    response = _commercial(operator_client, partner, payment_terms="NET60EOM", vouchers_enabled="",
                           reason="New contract signed 2026-11-30")
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.payment_terms, partner.vouchers_enabled) == ("NET60EOM", False)
    entry = AuditEntry.objects.for_partner(partner).get(action="partner.contract_changed")
    assert (entry.actor, entry.before) == (operator, {"payment_terms": "NET30", "vouchers_enabled": True})
    assert entry.after == {"payment_terms": "NET60EOM", "vouchers_enabled": False,
                           "reason": "New contract signed 2026-11-30"}


def test_t8_commercial_change_without_reason_is_refused_on_the_form(operator_client, partner):
    response = _commercial(operator_client, partner, payment_terms="NET60")
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    partner.refresh_from_db()
    assert partner.payment_terms == "NET30"


def test_b7_credit_limit_below_use_is_refused_on_the_form(operator_client, partner):
    from django.db import transaction

    from billing.services import balance_charge

    with transaction.atomic():
        balance_charge(partner=partner, amount=Decimal("400000"), reference="VO-9")
    response = _commercial(operator_client, partner, credit_limit="300000", reason="Risk review")
    assert response.status_code == 200
    assert response.context["form"].errors["credit_limit"] == [
        "The partner uses ¥400,000 of its credit now: the credit limit cannot be set below that."]
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("1000000")


def test_t5_operator_billing_contact_change_is_audited(operator_client, operator, partner):
    url = reverse("operator_partner_billing_contact", args=[partner.pk])
    data = {"organisation": "Alpha KK", "state": "Osaka", "postal_code": "530-0001", "emails": "ap@alpha.test"}
    assert operator_client.post(url, data).status_code == 302
    entry = AuditEntry.objects.for_partner(partner).get(action="billing_contact.changed")
    assert (entry.actor, entry.after["state"], entry.after["emails"]) == (operator, "Osaka", "['ap@alpha.test']")


# --- the first admin's invitation ------------------------------------------------------------------

def _token(invitation):
    return onboarding.partner_invitation_token(invitation)


def test_t8_invited_person_accepts_and_becomes_partner_admin(partner, client):
    invitation = PartnerInvitationFactory(partner=partner, email="new.admin@alpha.test")
    url = reverse("partner_invitation", args=[_token(invitation)])
    assert "new.admin@alpha.test" in client.get(url).content.decode()  # signed out: sign in or sign up
    user = UserFactory(email="new.admin@alpha.test")
    client.force_login(user)
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    membership = Membership.objects.for_partner(partner).get(user=user)
    assert membership.role == Role.PARTNER_ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    entry = AuditEntry.objects.for_partner(partner).get(action="user.invitation_accepted")
    assert (entry.actor, entry.after) == (user, {"email": "new.admin@alpha.test", "role": Role.PARTNER_ADMIN})
    assert client.get(reverse("users")).status_code == 200  # the new admin manages the partner's users


def test_t8_invitation_works_once(partner, client):
    invitation = PartnerInvitationFactory(partner=partner, email="new.admin@alpha.test")
    client.force_login(UserFactory(email="new.admin@alpha.test"))
    url = reverse("partner_invitation", args=[_token(invitation)])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 409 and "accepted already" in response.content.decode()
    assert Membership.objects.for_partner(partner).count() == 1


def test_t8_invitation_is_only_for_the_invited_address(partner, client):
    invitation = PartnerInvitationFactory(partner=partner, email="new.admin@alpha.test")
    intruder = UserFactory(email="someone.else@example.test")
    client.force_login(intruder)
    response = client.post(reverse("partner_invitation", args=[_token(invitation)]))
    assert response.status_code == 403 and "new.admin@alpha.test" in response.content.decode()
    assert not Membership.objects.for_partner(partner).filter(user=intruder).exists()


def test_t8_expired_or_tampered_invitation_is_refused(partner, client, monkeypatch):
    invitation = PartnerInvitationFactory(partner=partner, email="new.admin@alpha.test")
    token = _token(invitation)
    client.force_login(UserFactory(email="new.admin@alpha.test"))
    assert client.get(reverse("partner_invitation", args=[token[:-2] + "xx"])).status_code == 404
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 7 * 86400 + 1)  # a week and a second later
    response = client.post(reverse("partner_invitation", args=[token]))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not Membership.objects.for_partner(partner).exists()


def test_t8_invitation_link_is_valid_for_seven_days(partner, client, monkeypatch):
    invitation = PartnerInvitationFactory(partner=partner, email="new.admin@alpha.test")
    token = _token(invitation)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 7 * 86400 - 60)
    assert client.get(reverse("partner_invitation", args=[token])).status_code == 200


def test_t8_inviting_an_existing_user_of_the_partner_names_the_field(operator_client, partner):
    user = member(partner, Role.READ_ONLY)
    response = operator_client.post(reverse("operator_partner_invite", args=[partner.pk]), {"email": user.email})
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert not PartnerInvitation.objects.for_partner(partner).exists()


def test_t3_only_operator_staff_invite(partner):
    with pytest.raises(Exception, match="permission"):
        onboarding.partner_admin_invite(actor=UserFactory(), partner=partner,
                                        invite=onboarding.InviteInput(email="x@example.test"))
    assert OperatorFactory().is_operator
