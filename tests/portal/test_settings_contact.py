"""T-6 billing contact, T-7 partner settings."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.tenancy import services
from portal.tenancy.models import BillingContact, Partner
from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for
from tests.factories import PartnerFactory


def test_t6_missing_required_fields_refuse_ordering_naming_them(db):
    partner = PartnerFactory()
    with pytest.raises(PortalError) as refused:
        services.billing_contact_require_complete(partner=partner)
    assert refused.value.code == "billing_contact_incomplete"
    message = str(refused.value.message)
    assert "organisation name" in message and "state/province/region" in message and "postal code" in message


def test_t6_complete_contact_allows_ordering(partner):
    services.billing_contact_require_complete(partner=partner)  # no error


def test_t6_only_the_missing_field_is_named(partner):
    BillingContact.objects.for_partner(partner).update(postal_code="")
    with pytest.raises(PortalError) as refused:
        services.billing_contact_require_complete(partner=partner)
    assert refused.value.field == "postal_code"
    assert "organisation" not in str(refused.value.message)


def test_t6_billing_contact_form_saves_every_field_and_several_emails(partner):
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    data = {"contact_name": "Kenji", "organisation": "Alpha KK", "country": "jp", "address_line1": "1-2-3",
            "address_line2": "5F", "city": "Osaka", "state": "Osaka", "postal_code": "530-0001",
            "emails": "a@example.test; b@example.test", "phone": "+81 6 0000 0000"}
    assert client.post(reverse("billing_contact"), data).status_code == 302
    contact = BillingContact.objects.for_partner(partner).get()
    assert (contact.country, contact.emails, contact.address_line2) == ("JP", ["a@example.test", "b@example.test"],
                                                                       "5F")


def test_t6_bad_email_names_the_field_and_changes_nothing(partner):
    client = client_for(member(partner, Role.PARTNER_ADMIN))
    response = client.post(reverse("billing_contact"), {"organisation": "X", "emails": "a@example.test, nope"})
    assert response.status_code == 200
    assert response.context["form"].errors["emails"] == ["nope is not a valid e-mail address."]
    assert BillingContact.objects.for_partner(partner).get().organisation == "Alpha KK KK"


def test_t7_partner_admin_changes_settings_and_it_is_audited(admin_client, partner):
    response = admin_client.post(reverse("partner_settings"), {
        "currency": "JPY", "language": "sv", "time_zone": "Europe/Stockholm", "low_balance_threshold": "5000"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.language, partner.time_zone, partner.low_balance_threshold) == (
        "sv", "Europe/Stockholm", Decimal("5000"))
    entry = AuditEntry.objects.for_partner(partner).get(action="partner.settings_changed")
    assert entry.after["time_zone"] == "Europe/Stockholm"


def test_t7_unknown_time_zone_names_the_field(admin_client, partner):
    response = admin_client.post(reverse("partner_settings"), {
        "currency": "JPY", "language": "ja", "time_zone": "Mars/Olympus", "low_balance_threshold": "0"})
    assert "time_zone" in response.context["form"].errors
    partner.refresh_from_db()
    assert partner.time_zone == "Asia/Tokyo"


def test_t7_currency_is_fixed_once_orders_exist(admin_tenant, partner):
    Partner.objects.filter(pk=partner.pk).update(currency_locked=True)
    partner.refresh_from_db()
    tenant = tenant_for(admin_tenant.user, partner)
    with pytest.raises(PortalError) as refused:
        services.partner_settings_update(tenant=tenant, values={"currency": "EUR"})
    assert refused.value.field == "currency"
    partner.refresh_from_db()
    assert partner.currency == "JPY"


def test_t7_operator_acting_in_the_account_cannot_change_commercial_settings_there(operator, partner):
    """Commercial settings are changed in the operator console, with a reason (T-8)."""
    from portal.tenancy.context import Tenant

    tenant = Tenant(partner=partner, role=Role.OPERATOR, user=operator, delegated=True)
    services.partner_settings_update(tenant=tenant, values={"credit_limit": Decimal("1"), "language": "fr"})
    partner.refresh_from_db()
    assert (partner.credit_limit, partner.language) == (Decimal("1000000"), "fr")


def test_t7_partner_admin_cannot_change_its_own_credit_limit(admin_client, partner):
    admin_client.post(reverse("partner_settings"), {"currency": "JPY", "language": "ja", "time_zone": "Asia/Tokyo",
                                                    "low_balance_threshold": "0", "credit_limit": "999999999"})
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("1000000")


def test_t7_operator_sets_credit_limit_audited(operator, partner):
    services.partner_contract_update(actor=operator, partner=partner, values={"credit_limit": Decimal("250000")},
                                     reason="Annual review")
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("250000")
    entry = AuditEntry.objects.for_partner(partner).get(action="partner.credit_limit_changed")
    assert (entry.before, entry.after, entry.actor) == (
        {"credit_limit": "1000000.00"}, {"credit_limit": "250000", "reason": "Annual review"}, operator)


def test_t7_negative_credit_limit_refused(operator, partner):
    with pytest.raises(PortalError) as refused:
        services.partner_contract_update(actor=operator, partner=partner, values={"credit_limit": Decimal("-1")},
                                         reason="typo")
    assert refused.value.field == "credit_limit"


def test_t8_commercial_change_without_a_reason_is_refused(operator, partner):
    with pytest.raises(PortalError) as refused:
        services.partner_contract_update(actor=operator, partner=partner, values={"payment_terms": "NET60"},
                                         reason="  ")
    assert refused.value.field == "reason"
    partner.refresh_from_db()
    assert partner.payment_terms == "NET30"


def test_t7_new_partner_time_zone_defaults_from_settings(db, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    partner = Partner.objects.create(name="New", account_number="N-1")
    assert partner.time_zone == "Europe/Stockholm"
