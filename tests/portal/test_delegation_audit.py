"""T-4 delegated access, T-5 audit log."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from portal.audit.models import AppendOnlyError, AuditEntry
from portal.audit.services import audit_record
from portal.tenancy.models import DelegationConsent
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import AuditEntryFactory


def _give_consent(client):
    return client.post(reverse("consent"), {"decision": "grant"})


def test_t4_operator_cannot_enter_without_consent(operator, partner):
    client = client_for(operator)
    response = client.post(reverse("enter_partner", args=[partner.pk]))
    assert response.status_code == 403
    assert client.get(reverse("dashboard")).status_code == 302  # back to the operator console


def test_t4_operator_enters_with_consent_and_actions_are_audited_with_both_identities(
        operator, partner, admin_client):
    assert _give_consent(admin_client).status_code == 302
    client = client_for(operator)
    assert client.post(reverse("enter_partner", args=[partner.pk])).status_code == 302
    page = client.get(reverse("dashboard"))
    assert page.context["tenant"].delegated is True
    assert b"with its consent" in page.content  # the banner
    client.post(reverse("billing_contact"), {"organisation": "Alpha KK", "state": "Osaka", "postal_code": "530-0001",
                                             "emails": "a@example.test", "country": "JP"})
    entry = AuditEntry.objects.for_partner(partner).get(action="billing_contact.changed")
    assert (entry.actor, entry.delegated, entry.partner) == (operator, True, partner)
    assert AuditEntry.objects.for_partner(partner).filter(action="delegation.entered", actor=operator).count() == 1


def test_t4_revoking_consent_ends_the_operators_access_at_once(operator, partner, admin_client):
    _give_consent(admin_client)
    client = client_for(operator)
    client.post(reverse("enter_partner", args=[partner.pk]))
    admin_client.post(reverse("consent"), {"decision": "revoke"})
    assert DelegationConsent.objects.for_partner(partner).get().revoked_at is not None
    response = client.get(reverse("partner_settings"))
    assert response.status_code == 302 and response.url == reverse("operator_home")
    actions = list(AuditEntry.objects.for_partner(partner).values_list("action", flat=True))
    assert "consent.granted" in actions and "consent.revoked" in actions


def test_t4_only_partner_admin_gives_consent(partner):
    client = client_for(member(partner, Role.PARTNER_FINANCE))
    assert _give_consent(client).status_code == 403
    assert DelegationConsent.objects.for_partner(partner).count() == 0


def test_t4_a_partner_user_cannot_use_the_operator_console(admin_client, partner):
    assert admin_client.get(reverse("operator_home")).status_code == 403
    assert admin_client.post(reverse("enter_partner", args=[partner.pk])).status_code == 403


def test_t5_audit_entry_cannot_be_changed_or_deleted_through_the_orm(partner):
    entry = AuditEntryFactory(partner=partner)
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.for_partner(partner).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.unscoped.all().delete()
    assert AuditEntry.objects.for_partner(partner).get().action == "test.action"


def test_t5_audit_entry_cannot_be_changed_in_sql_either(partner):
    entry = AuditEntryFactory(partner=partner)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.for_partner(partner).get().action == "test.action"


def test_t5_audit_record_keeps_when_who_partner_action_object_and_summaries(admin_tenant, partner):
    entry = audit_record(action="partner.settings_changed", obj=partner, tenant=admin_tenant,
                         before={"time_zone": "UTC"}, after={"time_zone": "Asia/Tokyo"})
    assert entry.created_at is not None
    assert (entry.actor, entry.partner, entry.object_type, entry.object_id) == (
        admin_tenant.user, partner, "tenancy.Partner", str(partner.pk))
    assert (entry.before, entry.after) == ({"time_zone": "UTC"}, {"time_zone": "Asia/Tokyo"})


def test_t5_partner_admin_sees_its_log_filtered_and_never_another_partners(admin_client, partner, other_partner):
    AuditEntryFactory(partner=partner, action="price.updated", object_repr="mine-1")
    AuditEntryFactory(partner=partner, action="user.added", object_repr="mine-2")
    AuditEntryFactory(partner=other_partner, action="price.updated", object_repr="theirs")
    page = admin_client.get(reverse("audit_log"))
    assert [e.object_repr for e in page.context["page"].object_list] == ["mine-2", "mine-1"]
    filtered = admin_client.get(reverse("audit_log"), {"action": "price.updated"})
    assert [e.object_repr for e in filtered.context["page"].object_list] == ["mine-1"]
    assert b"theirs" not in page.content


def test_t5_bad_audit_filter_names_the_field_and_shows_everything(admin_client, partner):
    AuditEntryFactory(partner=partner)
    response = admin_client.get(reverse("audit_log"), {"date_from": "2026-13-45"})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors
    assert len(response.context["page"].object_list) == 1
