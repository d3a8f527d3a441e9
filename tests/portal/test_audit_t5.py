"""T-5: what the operator and the jobs do is audited — one test per kind of action (partner,
price-table and admin changes are in test_onboarding, test_price_tables and test_admin_sweep)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.models import Invoice
from billing.services import invoice_credit, invoice_flag_overdue, invoices_issue_month, payment_record
from portal.api.services import api_key_create, api_key_revoke
from portal.audit.models import AuditEntry
from portal.tenancy import services
from portal.tenancy.roles import Role
from tests.billing.conftest import post
from tests.conftest import member, tenant_for


def _entries(partner, action):
    return list(AuditEntry.objects.for_partner(partner).filter(action=action).order_by("id"))


def _issued(partner):
    post(partner, "charge", "10000", datetime(2026, 10, 5, tzinfo=UTC))
    invoices_issue_month(year=2026, month=10, time_zone=partner.time_zone)
    return Invoice.objects.for_partner(partner).get()


def test_t5_the_monthly_job_audits_each_issued_invoice(partner):
    invoice = _issued(partner)
    [entry] = _entries(partner, "invoice.issued")
    assert (entry.actor, entry.object_type, entry.object_id) == (None, "billing.Invoice", str(invoice.pk))
    assert entry.after == {"number": invoice.number, "kind": "invoice", "period": "2026-10", "total": "11000.00",
                           "currency": "JPY"}


def test_t5_a_credit_note_is_audited_with_its_author(partner, operator):
    invoice = _issued(partner)
    note = invoice_credit(actor=operator, invoice=invoice, amount=Decimal("1000"), reason="Goodwill")
    [entry] = _entries(partner, "invoice.credited")
    assert (entry.actor, entry.object_id, entry.after["credit_note"], entry.after["reason"]) == (
        operator, str(note.pk), note.number, "Goodwill")


def test_t5_the_overdue_job_audits_each_invoice_it_flags(partner):
    invoice = _issued(partner)
    assert invoice_flag_overdue(partner=partner, today=invoice.due_date) == 0
    assert _entries(partner, "invoice.overdue") == []
    assert invoice_flag_overdue(partner=partner, today=date.fromordinal(invoice.due_date.toordinal() + 1)) == 1
    [entry] = _entries(partner, "invoice.overdue")
    assert (entry.actor, entry.object_id, entry.before, entry.after) == (
        None, str(invoice.pk), {"status": "issued"}, {"status": "overdue", "due_date": str(invoice.due_date)})
    assert invoice_flag_overdue(partner=partner, today=date(2027, 6, 1)) == 0  # flagged once
    assert len(_entries(partner, "invoice.overdue")) == 1


def test_t5_a_recorded_payment_is_audited(partner, operator):
    invoice = _issued(partner)
    payment_record(actor=operator, invoice=invoice, amount=Decimal("11000"), received_on=date(2026, 11, 20),
                   reference="BANK-1")
    [entry] = _entries(partner, "invoice.payment_recorded")
    assert (entry.actor, entry.before, entry.after) == (
        operator, {"amount_paid": "0.00", "status": "issued"},
        {"amount_paid": "11000.00", "status": "paid", "payment": "11000"})


def test_t5_membership_role_change_and_removal_are_audited(admin_tenant, partner):
    user = member(partner, Role.READ_ONLY)
    membership = user.memberships.get(partner=partner)
    services.membership_change_role(tenant=admin_tenant, membership=membership, role=Role.PARTNER_FINANCE)
    [changed] = _entries(partner, "user.role_changed")
    assert (changed.actor, changed.before["role"], changed.after["role"]) == (
        admin_tenant.user, Role.READ_ONLY, Role.PARTNER_FINANCE)
    services.membership_remove(tenant=admin_tenant, membership=membership)
    [removed] = _entries(partner, "user.removed")
    assert removed.before == {"email": user.email, "role": Role.PARTNER_FINANCE}


def test_t5_api_key_creation_and_revocation_are_audited(admin_tenant, partner):
    key, _raw = api_key_create(tenant=admin_tenant, name="ERP", role=Role.PARTNER_FINANCE)
    api_key_revoke(tenant=admin_tenant, key=key)
    [created] = _entries(partner, "api_key.created")
    [revoked] = _entries(partner, "api_key.revoked")
    assert (created.after, revoked.before, revoked.after) == (
        {"name": "ERP", "role": Role.PARTNER_FINANCE}, {"active": True}, {"active": False})


def test_t5_consent_given_and_withdrawn_are_audited(admin_user, partner):
    tenant = tenant_for(admin_user, partner)
    consent = services.consent_grant(tenant=tenant)
    services.consent_revoke(tenant=tenant)
    assert [(e.action, e.object_id, e.actor) for e in AuditEntry.objects.for_partner(partner).order_by("id")] == [
        ("consent.granted", str(consent.pk), admin_user), ("consent.revoked", str(consent.pk), admin_user)]
