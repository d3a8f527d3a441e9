"""T-2 in depth (issue 10 item 13): PostgreSQL row-level security under the ORM scoping. In a
partner page or API call, even a deliberately unscoped query sees and changes nothing of another
partner; the application role cannot bypass it."""

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path
from django.views import View

from customers.models import Customer
from portal.api.base import TenantAPIView
from portal.api.services import api_key_create
from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.rls import app_role, tenant_tables
from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for
from tests.factories import CustomerFactory, MembershipFactory


class LeakyCustomersView(TenantRequiredMixin, View):
    """Deliberately wrong: every partner's customers, unscoped, and an attempt to write to another's."""

    def get(self, request):
        names = sorted(Customer.unscoped.values_list("name", flat=True))
        renamed = Customer.unscoped.exclude(partner=request.tenant.partner).update(name="taken over")
        try:
            with transaction.atomic():
                other = Customer.unscoped.exclude(partner=request.tenant.partner).model
                CustomerFactory._meta.model.unscoped.create(**_foreign_customer(request.GET["other"], other))
            created = True
        except DatabaseError:
            created = False
        return HttpResponse(json.dumps({"names": names, "renamed": renamed, "created": created}))


def _foreign_customer(partner_id, _model):
    return {"partner_id": int(partner_id), "vip_id": "VIP0000000042", "name": "planted", "market_segment": "commercial",
            "offer_type": "team", "region": "x", "address": "x", "postal_code": "x", "contact_name": "x",
            "contact_email": "x@x.test", "anniversary": "2030-01-01"}


class LeakyCustomersApiView(TenantAPIView):
    def get(self, request):
        from rest_framework.response import Response

        return Response({"names": sorted(Customer.unscoped.values_list("name", flat=True))})


urlpatterns = [
    path("leaky/customers/", LeakyCustomersView.as_view()),
    path("api/v1/leaky/customers/", LeakyCustomersApiView.as_view()),
    path("", include("portal.urls")),
]


@pytest.fixture
def two_partners(partner, other_partner):
    CustomerFactory(partner=partner, name="Ours KK")
    CustomerFactory(partner=other_partner, name="Theirs SAS")
    return partner, other_partner


@override_settings(ROOT_URLCONF=__name__)
def test_t2_an_unscoped_query_in_a_partner_page_sees_and_changes_nothing_of_another_partner(two_partners):
    partner, other = two_partners
    client = client_for(member(partner, Role.PARTNER_ADMIN))
    body = json.loads(client.get("/leaky/customers/", {"other": other.pk}).content)
    assert body == {"names": ["Ours KK"], "renamed": 0, "created": False}
    assert sorted(Customer.unscoped.values_list("name", flat=True)) == ["Ours KK", "Theirs SAS"]  # as the owner


@override_settings(ROOT_URLCONF=__name__)
def test_t2_an_unscoped_query_in_an_api_call_sees_nothing_of_another_partner(two_partners):
    partner, _other = two_partners
    _key, raw = api_key_create(tenant=tenant_for(member(partner, Role.PARTNER_ADMIN), partner), name="k",
                               role=Role.READ_ONLY)
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}").get("/api/v1/leaky/customers/")
    assert response.json() == {"names": ["Ours KK"]}


def test_t2_outside_partner_requests_the_connection_is_the_owner_again(two_partners, admin_client):
    admin_client.get("/customers/")
    assert Customer.unscoped.count() == 2  # the request's role ended with the request
    with connection.cursor() as cursor:
        assert cursor.execute("SELECT current_user = session_user").fetchone()[0] is True


def test_t2_every_tenant_table_is_under_row_security_and_the_role_cannot_bypass_it(db):
    tables = tenant_tables() + ["tenancy_partner"]
    with connection.cursor() as cursor:
        protected = dict(cursor.execute("SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)",
                                        [tables]).fetchall())
        role = cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
                              [app_role()]).fetchone()
        owners = {row[0] for row in cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = "
                                                   "ANY(%s)", [tables]).fetchall()}
    assert protected == dict.fromkeys(tables, True)
    assert len(tables) > 25 and "vouchers_vouchercode" in tables and "billing_ledgerentry" in tables
    assert role == (False, False) and app_role() not in owners


def test_t2_the_account_switcher_still_lists_every_partner_of_the_person(partner, other_partner):
    user = member(partner, Role.PARTNER_FINANCE)
    MembershipFactory(partner=other_partner, user=user, role=Role.READ_ONLY)
    page = client_for(user).get("/").content.decode()
    assert partner.name in page and other_partner.name in page
