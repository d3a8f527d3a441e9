"""T-1 organisations, T-2 isolation, T-3 roles."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.catalogue.models import PriceTable
from portal.tenancy.models import Membership, Reseller
from portal.tenancy.roles import ROLE_PERMISSIONS, Perm, Role
from portal.tenancy.scoping import UnscopedQueryError
from tests.conftest import client_for, member, tenant_for
from tests.factories import MembershipFactory, PriceTableFactory, ResellerFactory, UserFactory


def test_t1_partner_has_resellers_and_users_belong_to_several_partners(partner, other_partner):
    north = ResellerFactory(partner=partner, name="North")
    user = UserFactory()
    MembershipFactory(user=user, partner=partner, role=Role.RESELLER_USER, reseller=north)
    MembershipFactory(user=user, partner=other_partner, role=Role.READ_ONLY)
    assert list(Reseller.objects.for_partner(partner)) == [north]
    assert sorted(m.partner.name for m in user.memberships.all()) == ["Alpha KK", "Beta SAS"]


def test_t1_reseller_user_must_name_a_reseller_in_the_database(partner):
    with pytest.raises(IntegrityError):
        MembershipFactory(partner=partner, role=Role.RESELLER_USER, reseller=None)


def test_t2_unscoped_query_on_a_tenant_model_raises(partner):
    with pytest.raises(UnscopedQueryError):
        list(PriceTable.objects.all())
    with pytest.raises(UnscopedQueryError):
        PriceTable.objects.filter(pk=1).exists()
    with pytest.raises(UnscopedQueryError):
        PriceTable.objects.count()


def test_t2_scoped_queryset_returns_only_the_partners_rows(partner, other_partner):
    mine = PriceTableFactory(partner=partner)
    PriceTableFactory(partner=other_partner)
    assert list(PriceTable.objects.for_partner(partner)) == [mine]
    assert PriceTable.objects.for_partner(partner).filter(pk__in=PriceTable.unscoped.values("pk")).count() == 1


def test_t2_reseller_user_sees_only_its_reseller(partner, reseller):
    other_reseller = ResellerFactory(partner=partner, name="South")
    user = member(partner, Role.RESELLER_USER, reseller=reseller)
    member(partner, Role.RESELLER_USER, reseller=other_reseller)
    tenant = tenant_for(user, partner)
    assert list(Reseller.objects.for_tenant(tenant)) == [reseller]
    assert {m.reseller_id for m in Membership.objects.for_tenant(tenant)} == {reseller.pk}


def test_t2_reseller_user_sees_no_partner_level_rows(partner, reseller):
    PriceTableFactory(partner=partner)
    user = member(partner, Role.RESELLER_USER, reseller=reseller)
    assert PriceTable.objects.for_tenant(tenant_for(user, partner)).count() == 0


def test_t2_current_partner_switch(partner, other_partner):
    user = member(partner, Role.PARTNER_ADMIN)
    MembershipFactory(user=user, partner=other_partner, role=Role.READ_ONLY)
    client = client_for(user)
    assert client.get(reverse("dashboard")).context["tenant"].partner == partner
    response = client.post(reverse("switch_partner"), {"partner": other_partner.pk})
    assert response.status_code == 302
    tenant = client.get(reverse("dashboard")).context["tenant"]
    assert (tenant.partner, tenant.role) == (other_partner, Role.READ_ONLY)


def test_t2_switch_to_a_foreign_partner_is_refused(partner, other_partner):
    client = client_for(member(partner))
    client.post(reverse("switch_partner"), {"partner": other_partner.pk})
    assert client.get(reverse("dashboard")).context["tenant"].partner == partner
    client.post(reverse("switch_partner"), {"partner": "not-a-number"})
    assert client.get(reverse("dashboard")).context["tenant"].partner == partner


def test_t3_role_table_matches_the_spec():
    assert ROLE_PERMISSIONS[Role.PARTNER_ADMIN] >= {Perm.USERS_MANAGE, Perm.SETTINGS_MANAGE, Perm.VOUCHERS_MANAGE}
    finance = ROLE_PERMISSIONS[Role.PARTNER_FINANCE]
    assert {Perm.VOUCHERS_MANAGE, Perm.QUOTES_MANAGE, Perm.BALANCE_VIEW, Perm.INVOICES_VIEW,
            Perm.BILLING_CONTACT_MANAGE} <= finance
    assert Perm.CUSTOMERS_MANAGE not in finance
    manager = ROLE_PERMISSIONS[Role.ACCOUNT_MANAGER]
    assert {Perm.CUSTOMERS_MANAGE, Perm.RENEWALS_MANAGE} <= manager and Perm.VOUCHERS_VIEW not in manager
    assert all(p.value.endswith(".view") for p in ROLE_PERMISSIONS[Role.READ_ONLY])
    assert Perm.AUDIT_VIEW in ROLE_PERMISSIONS[Role.READ_ONLY]


@pytest.mark.parametrize(("role", "url_name", "status"), [
    (Role.ACCOUNT_MANAGER, "vouchers_home", 403),
    (Role.PARTNER_FINANCE, "vouchers_home", 200),
    (Role.PARTNER_FINANCE, "customers_home", 403),
    (Role.ACCOUNT_MANAGER, "customers_home", 200),
    (Role.READ_ONLY, "users", 403),
    (Role.PARTNER_FINANCE, "audit_log", 403),
    (Role.READ_ONLY, "audit_log", 200),
    (Role.PARTNER_ADMIN, "users", 200),
    (Role.ACCOUNT_MANAGER, "api_keys", 403),
])
def test_t3_forbidden_pages_answer_403(partner, role, url_name, status):
    client = client_for(member(partner, role))
    assert client.get(reverse(url_name)).status_code == status


def test_t3_read_only_cannot_change_settings(partner):
    client = client_for(member(partner, Role.READ_ONLY))
    before = partner.time_zone
    response = client.post(reverse("partner_settings"), {"currency": "JPY", "language": "en",
                                                          "time_zone": "UTC", "low_balance_threshold": "1"})
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.time_zone == before
    assert AuditEntry.objects.for_partner(partner).count() == 0


def test_t3_user_without_membership_sees_no_partner(db):
    client = client_for(UserFactory())
    response = client.get(reverse("partner_settings"))
    assert response.status_code == 403
    assert b"No partner account" in response.content
    assert client.get(reverse("dashboard")).url == reverse("my_requests")  # an end customer's home


def test_t3_partner_admin_adds_a_user_who_gets_a_password_link(admin_client, partner, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("users"), {"email": "New.Person@Example.test", "role": Role.READ_ONLY})
    assert response.status_code == 302
    membership = Membership.objects.for_partner(partner).get(user__email="new.person@example.test")
    assert membership.role == Role.READ_ONLY
    assert [m.to for m in mailoutbox] == [["new.person@example.test"]]
    assert "/accounts/reset/" in mailoutbox[0].body
    assert AuditEntry.objects.for_partner(partner).get(action="user.added").after["role"] == Role.READ_ONLY


def test_t3_adding_a_reseller_user_without_reseller_names_the_field(admin_client, partner):
    response = admin_client.post(reverse("users"), {"email": "r@example.test", "role": Role.RESELLER_USER})
    assert response.status_code == 200
    assert response.context["form"].errors["reseller"] == ["A reseller user needs a reseller."]
    assert not Membership.objects.for_partner(partner).filter(user__email="r@example.test").exists()


def test_t7_pages_show_times_in_the_partners_time_zone(admin_client, partner):
    from zoneinfo import ZoneInfo

    from django.utils.formats import date_format

    from tests.factories import AuditEntryFactory

    entry = AuditEntryFactory(partner=partner)
    page = admin_client.get(reverse("audit_entry", args=[entry.pk])).content.decode()
    tokyo = date_format(entry.created_at.astimezone(ZoneInfo("Asia/Tokyo")), "DATETIME_FORMAT")
    utc = date_format(entry.created_at.astimezone(ZoneInfo("UTC")), "DATETIME_FORMAT")
    assert tokyo in page and utc not in page
