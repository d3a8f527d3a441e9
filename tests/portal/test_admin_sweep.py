"""T-8: no admin page fails; history records are read-only in the admin; T-5: admin saves and
deletes are audited with before and after."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import path, reverse

from billing.models import LedgerEntry
from portal.appendonly import is_history_record
from portal.audit.models import AuditEntry
from portal.tenancy.models import DelegationConsent, Membership, Partner, Reseller
from portal.tenancy.roles import Role
from tests.conftest import client_for
from tests.factories import DelegationConsentFactory, LedgerEntryFactory, MembershipFactory, OperatorFactory
from tests.portal.admin_sweep import admin_object, admin_sweep


@pytest.fixture
def operator_client(db):
    return client_for(OperatorFactory())


def test_t8_every_admin_page_of_every_registered_model_answers_below_500(operator_client, partner):
    assert admin_sweep(operator_client, partner) == []


def test_t8_the_sweep_covers_every_registered_model_and_the_models_the_issue_names(partner):
    from billing.models import Invoice
    from portal.catalogue.models import PriceTable
    from renewals.models import PoolEntry

    registered = set(admin.site._registry)
    assert {Partner, Membership, PriceTable, AuditEntry, DelegationConsent, LedgerEntry, PoolEntry,
            Invoice} <= registered
    assert all(admin_object(model, partner) is not None for model in registered)


def test_t8_history_records_are_read_only_by_declaration():
    from billing.models import Invoice, LedgerItem, Payment
    from portal.catalogue.models import PriceEntry
    from renewals.models import PoolEntry

    assert all(is_history_record(m) for m in (AuditEntry, LedgerEntry, LedgerItem, DelegationConsent, Invoice,
                                              Payment, PoolEntry))
    assert not is_history_record(PriceEntry)


# --- the sweep must catch what it is for: proved once with a plain admin site -------------------

plain_site = admin.AdminSite(name="plain")
plain_site.register(Reseller)  # a plain ModelAdmin: the fail-closed manager answers 500
plain_site.register(LedgerEntry)  # and an append-only model that a plain admin would let change
urlpatterns = [path("plain/", plain_site.urls)]


def test_t8_sweep_fails_on_an_admin_outside_the_shared_base(operator_client, partner):
    with override_settings(ROOT_URLCONF=__name__):
        failures = admin_sweep(operator_client, partner, site=plain_site)
    assert any("tenancy/reseller/" in failure and "UnscopedQueryError" in failure for failure in failures)
    assert any("billing/ledgerentry/" in failure for failure in failures)


# --- who may use it --------------------------------------------------------------------------

def test_t3_partner_users_and_staff_without_operator_role_are_sent_to_the_admin_sign_in(admin_client, db):
    assert admin_client.get("/admin/").status_code == 302
    staff = client_for(OperatorFactory(is_operator=False))
    response = staff.get("/admin/tenancy/partner/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_t8_consent_history_cannot_be_added_changed_or_deleted(operator_client, partner):
    consent = DelegationConsentFactory(partner=partner)
    url = reverse("admin:tenancy_delegationconsent_change", args=[consent.pk])
    assert operator_client.get(url).status_code == 200
    assert operator_client.post(url, {"revoked_at_0": "2026-11-01", "revoked_at_1": "10:00"}).status_code == 403
    assert operator_client.post(reverse("admin:tenancy_delegationconsent_delete", args=[consent.pk]),
                                {"post": "yes"}).status_code == 403
    assert operator_client.get(reverse("admin:tenancy_delegationconsent_add")).status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_t5_consent_rows_are_never_deleted_in_the_model_or_in_sql(partner):
    from django.db import connection, transaction

    from portal.appendonly import AppendOnlyError

    consent = DelegationConsentFactory(partner=partner)
    with pytest.raises(AppendOnlyError):
        consent.delete()
    with pytest.raises(Exception, match="never deleted"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_delegationconsent WHERE id = %s", [consent.pk])
    assert DelegationConsent.objects.for_partner(partner).filter(pk=consent.pk).exists()


def test_t8_ledger_is_read_only_in_the_admin(operator_client, partner):
    entry = LedgerEntryFactory(partner=partner)
    assert operator_client.get(reverse("admin:billing_ledgerentry_change", args=[entry.pk])).status_code == 200
    assert operator_client.post(reverse("admin:billing_ledgerentry_delete", args=[entry.pk]),
                                {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.for_partner(partner).filter(pk=entry.pk).exists()


# --- T-5: every admin save and delete writes an audit entry ---------------------------------

def test_t5_admin_role_change_is_audited_with_before_and_after(operator_client, partner):
    membership = MembershipFactory(partner=partner, role=Role.READ_ONLY)
    url = reverse("admin:tenancy_membership_change", args=[membership.pk])
    response = operator_client.post(url, {"user": membership.user_id, "partner": partner.pk,
                                          "role": Role.PARTNER_FINANCE, "reseller": ""})
    assert response.status_code == 302
    entry = AuditEntry.objects.for_partner(partner).get(action="admin.changed")
    assert (entry.object_type, entry.object_id, entry.before, entry.after) == (
        "tenancy.Membership", str(membership.pk), {"role": Role.READ_ONLY}, {"role": Role.PARTNER_FINANCE})
    assert entry.actor.is_operator


def test_t5_admin_delete_is_audited_with_the_row_before(operator_client, partner):
    membership = MembershipFactory(partner=partner, role=Role.READ_ONLY)
    response = operator_client.post(reverse("admin:tenancy_membership_delete", args=[membership.pk]),
                                    {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.for_partner(partner).filter(pk=membership.pk).exists()
    entry = AuditEntry.objects.for_partner(partner).get(action="admin.deleted")
    assert entry.object_id == str(membership.pk) and entry.before["role"] == Role.READ_ONLY


def test_t5_admin_inline_rows_are_audited_and_take_the_parents_partner(operator_client, partner, price_table):
    from portal.catalogue.models import PriceEntry

    url = reverse("admin:catalogue_pricetable_change", args=[price_table.pk])
    from tests.portal.admin_sweep import change_form_data

    data = change_form_data(operator_client.get(url))
    first = PriceEntry.objects.for_partner(partner).filter(table=price_table).order_by("position", "id").first()
    index = next(key.split("-")[1] for key, value in data.items()
                 if key.startswith("entries-") and key.endswith("-id") and value == str(first.pk))
    data[f"entries-{index}-offered_price"] = "1200"
    assert operator_client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert first.offered_price == Decimal("1200")
    entry = AuditEntry.objects.for_partner(partner).get(action="admin.changed", object_type="catalogue.PriceEntry")
    assert (entry.before, entry.after) == ({"offered_price": "995.00"}, {"offered_price": "1200"})


def test_t5_admin_credit_limit_change_needs_a_reason_and_goes_through_the_service(operator_client, partner):
    url = reverse("admin:tenancy_partner_change", args=[partner.pk])
    from tests.portal.admin_sweep import change_form_data

    data = change_form_data(operator_client.get(url)) | {"credit_limit": "300000"}
    response = operator_client.post(url, data)
    assert response.status_code == 200 and "change_reason" in response.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("1000000")
    assert operator_client.post(url, data | {"change_reason": "Annual review"}).status_code == 302
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("300000")
    entry = AuditEntry.objects.for_partner(partner).get(action="partner.credit_limit_changed")
    assert entry.after == {"credit_limit": "300000", "reason": "Annual review"}
