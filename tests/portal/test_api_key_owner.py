"""T-3 for API keys: a key acts with at most its creator's current role and stops with the
creator's membership (issue: a demoted, then removed admin kept using an admin key)."""

import pytest
from django.test import Client

from portal.api.models import ApiKey
from portal.api.services import api_key_create
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for


def api(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


@pytest.fixture
def creator(partner):
    return member(partner, Role.PARTNER_ADMIN)


@pytest.fixture
def admin_key(creator, partner):
    _key, raw = api_key_create(tenant=tenant_for(creator, partner), name="ERP", role=Role.PARTNER_ADMIN)
    return raw


def _set_role(user, partner, role):
    Membership.unscoped.filter(user=user, partner=partner).update(role=role)


def test_t3_key_of_a_creator_demoted_to_read_only_can_only_read(creator, partner, admin_key):
    _set_role(creator, partner, Role.READ_ONLY)
    me = api(admin_key).get("/api/v1/me/")
    assert me.status_code == 200
    assert "api_keys.manage" not in me.json()["permissions"] and "vouchers.view" in me.json()["permissions"]
    created = api(admin_key).post("/api/v1/api-keys/", {"name": "again", "role": "partner_admin"},
                                  content_type="application/json")
    assert created.status_code == 403
    assert ApiKey.objects.for_partner(partner).count() == 1


def test_t3_key_of_a_removed_creator_stops_working(creator, partner, admin_key):
    _set_role(creator, partner, Role.READ_ONLY)
    Membership.unscoped.filter(user=creator, partner=partner).delete()
    assert api(admin_key).get("/api/v1/me/").status_code == 401
    created = api(admin_key).post("/api/v1/api-keys/", {"name": "again", "role": "partner_admin"},
                                  content_type="application/json")
    assert created.status_code == 401
    assert ApiKey.objects.for_partner(partner).count() == 1


def test_t3_key_of_a_deactivated_creator_stops_working(creator, admin_key):
    creator.is_active = False
    creator.save(update_fields=["is_active"])
    assert api(admin_key).get("/api/v1/me/").status_code == 401


def test_t3_key_is_capped_by_a_disjoint_current_role(creator, partner):
    _key, raw = api_key_create(tenant=tenant_for(creator, partner), name="Finance", role=Role.PARTNER_FINANCE)
    _set_role(creator, partner, Role.ACCOUNT_MANAGER)
    permissions = api(raw).get("/api/v1/me/").json()["permissions"]
    # Finance's vouchers and the manager's customers: the key has neither any more.
    assert "vouchers.view" not in permissions and "customers.view" not in permissions
    assert "prices.view" in permissions
    assert api(raw).get("/api/v1/voucher-orders/").status_code == 403


def test_t3_key_of_a_creator_made_reseller_user_sees_that_reseller_only(creator, partner, reseller):
    from tests.factories import CustomerFactory

    ours = CustomerFactory(partner=partner, reseller=reseller)
    CustomerFactory(partner=partner)  # the partner's own customer
    _key, raw = api_key_create(tenant=tenant_for(creator, partner), name="CRM", role=Role.ACCOUNT_MANAGER)
    Membership.unscoped.filter(user=creator, partner=partner).update(role=Role.RESELLER_USER, reseller=reseller)
    listed = api(raw).get("/api/v1/customers/").json()["results"]
    assert [row["id"] for row in listed] == [ours.pk]


def test_t3_a_key_cannot_create_a_key_above_its_own_role(creator, partner, admin_key):
    _key, raw = api_key_create(tenant=tenant_for(creator, partner), name="ro", role=Role.READ_ONLY)
    response = api(raw).post("/api/v1/api-keys/", {"name": "up", "role": "partner_admin"},
                             content_type="application/json")
    assert response.status_code == 403
    assert ApiKey.objects.for_partner(partner).count() == 2


def test_t3_key_list_shows_keys_whose_owner_is_gone(creator, partner, admin_key, admin_client):
    other_admin = member(partner, Role.PARTNER_ADMIN)
    api_key_create(tenant=tenant_for(other_admin, partner), name="Kept", role=Role.READ_ONLY)
    Membership.unscoped.filter(user=creator, partner=partner).delete()
    rows = {row["name"]: row["owner_active"] for row in admin_client.get("/api/v1/api-keys/").json()["results"]}
    assert rows == {"ERP": False, "Kept": True}
    page = admin_client.get("/account/api-keys/").content.decode()
    assert page.count("Owner gone") == 1 and creator.email in page


def test_t3_session_of_the_demoted_creator_is_refused_too(creator, partner):
    _set_role(creator, partner, Role.READ_ONLY)
    assert client_for(creator).get("/account/api-keys/").status_code == 403
