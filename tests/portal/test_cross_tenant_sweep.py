"""T-2: every URL and API route that takes an object id, tried with another partner's user."""

import re

import pytest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.views import View

from portal.audit.models import AuditEntry
from portal.tenancy.roles import Role
from portal.tenancy.scoping import TenantModel
from tests.conftest import client_for, member
from tests.factories import FACTORY_MODELS
from tests.portal.sweep import id_routes, sweep, view_model


def _every_tenant_model():
    from django.apps import apps

    return {m for m in apps.get_models() if issubclass(m, TenantModel)}


def test_t2_every_tenant_model_has_a_factory():
    assert _every_tenant_model() <= FACTORY_MODELS


def test_t2_sweep_covers_the_routes_it_should():
    names = {route.name for route in id_routes()}
    assert {"user_detail", "api_key_revoke", "audit_entry", "enter_partner", "api-key-detail",
            "api-key-revoke"} <= names


@pytest.mark.parametrize("attacker_role", [Role.PARTNER_ADMIN, Role.READ_ONLY])
def test_t2_other_partners_user_gets_404_or_403_on_every_id_route(partner, other_partner, attacker_role):
    attacker = client_for(member(other_partner, attacker_role))
    assert sweep(attacker, partner) == []


def test_t2_reseller_user_of_another_reseller_gets_404_or_403_everywhere(partner, reseller):
    from tests.factories import ResellerFactory

    south = ResellerFactory(partner=partner, name="South")
    attacker = client_for(member(partner, Role.RESELLER_USER, reseller=south))
    assert sweep(attacker, partner) == []


def test_t2_api_key_of_another_partner_gets_404_or_403_everywhere(partner, other_partner, other_admin):
    from django.test import Client

    from portal.api.services import api_key_create
    from tests.conftest import tenant_for

    _key, raw = api_key_create(tenant=tenant_for(other_admin, other_partner), name="k", role=Role.PARTNER_ADMIN)
    # An API key authenticates API calls only; HTML pages send it to the sign-in page.
    assert sweep(Client(HTTP_AUTHORIZATION=f"Api-Key {raw}"), partner, prefix="/api/") == []


# --- the sweep must catch an unscoped view: proved once with a deliberately broken one ---------

class LeakyAuditEntryView(View):
    """Deliberately wrong: loads any partner's entry by id."""

    model = AuditEntry

    def get(self, request, pk):
        return HttpResponse(get_object_or_404(AuditEntry.unscoped, pk=pk).object_repr)


class TellingAuditEntryView(View):
    """Deliberately wrong: scoped, but tells a foreign id (403) from a missing one (404)."""

    model = AuditEntry

    def get(self, request, pk):
        entry = get_object_or_404(AuditEntry.unscoped, pk=pk)
        if entry.partner_id != request.tenant.partner.pk:
            return HttpResponse("not yours", status=403)
        return HttpResponse(entry.object_repr)


urlpatterns = [
    path("leaky/<int:pk>/", LeakyAuditEntryView.as_view(), name="leaky_audit_entry"),
    path("telling/<int:pk>/", TellingAuditEntryView.as_view(), name="telling_audit_entry"),
    path("", include("portal.urls")),
]


def test_t2_sweep_fails_when_an_unscoped_view_is_added(partner, other_partner):
    attacker = client_for(member(other_partner, Role.PARTNER_ADMIN))
    from django.test import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        failures = sweep(attacker, partner, urlconf=__name__)
    assert any("[leaky_audit_entry] answered 200" in failure for failure in failures)
    assert all("leaky" in failure or "telling" in failure for failure in failures)


def test_t2_sweep_fails_when_a_foreign_id_answers_otherwise_than_a_missing_one(partner, other_partner):
    """T-2: "a foreign id answers 404, exactly as a missing one": a 403 that tells another
    partner's object from a missing one fails the sweep."""
    attacker = client_for(member(other_partner, Role.PARTNER_ADMIN))
    from django.test import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        failures = sweep(attacker, partner, urlconf=__name__)
    telling = [f.split(" (")[0] for f in failures if "telling" in f and f.startswith("GET")]
    assert len(telling) == 1
    assert re.fullmatch(r"GET /telling/\d+/ \[telling_audit_entry\] answered 403, a missing id 404: a foreign id "
                        r"must answer exactly the same", telling[0])


def test_t2_route_without_a_model_fails_the_sweep_unless_exempted():
    routes = {route.name: route for route in id_routes()}
    undeclared = [name for name, route in routes.items() if view_model(route.callback) is None]
    from tests.portal.sweep import exemption

    assert [name for name in undeclared if not exemption(routes[name])] == []


def test_admin_refuses_partner_users(admin_client):
    response = admin_client.get("/admin/tenancy/partner/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_t2_customer_admin_of_another_company_gets_404_on_every_console_route(partner, other_partner):
    """The console is scoped by the person: another company's customer or licence line answers
    exactly as a missing one, on the pages and in the API."""
    from customers.models import Customer
    from tests.factories import CustomerFactory, UserFactory

    admin = UserFactory()
    CustomerFactory(partner=other_partner, admin_user=admin)
    assert Customer.unscoped.filter(admin_user=admin).count() == 1
    client = client_for(admin)
    assert sweep(client, partner, prefix="/console/") == []
    assert sweep(client, partner, prefix="/api/v1/console/") == []


# --- write probes: ids in a form or a body -----------------------------------------------------

def test_t2_write_probes_refuse_another_partners_objects_in_a_body(partner, other_partner):
    from tests.portal.sweep import write_sweep

    attacker = client_for(member(other_partner, Role.PARTNER_ADMIN))
    assert write_sweep(attacker, partner) == []


def test_t2_customer_add_refuses_a_reseller_of_another_partner(partner, other_partner):
    """The service itself, whoever calls it (a form, the API, a script): issue 10 item 5."""
    from customers.models import Customer
    from customers.services import customer_add
    from portal.errors import PortalError
    from tests.conftest import tenant_for
    from tests.factories import ResellerFactory
    from tests.portal.sweep import CUSTOMER_BODY

    foreign = ResellerFactory(partner=partner)
    user = member(other_partner, Role.PARTNER_ADMIN)
    from customers.services import CustomerInput

    with pytest.raises(PortalError) as refused:
        customer_add(tenant=tenant_for(user, other_partner), data=CustomerInput(**CUSTOMER_BODY), reseller=foreign)
    assert (refused.value.code, refused.value.field) == ("unknown_reseller", "reseller")
    assert Customer.unscoped.count() == 0


def test_t2_customer_add_refuses_an_account_manager_of_another_partner(partner, other_partner):
    from customers.models import Customer
    from customers.services import CustomerInput, customer_add
    from portal.errors import PortalError
    from tests.conftest import tenant_for
    from tests.portal.sweep import CUSTOMER_BODY

    outsider = member(partner, Role.ACCOUNT_MANAGER)
    user = member(other_partner, Role.PARTNER_ADMIN)
    with pytest.raises(PortalError) as refused:
        customer_add(tenant=tenant_for(user, other_partner), data=CustomerInput(**CUSTOMER_BODY),
                     account_manager=outsider)
    assert refused.value.field == "account_manager"
    assert Customer.unscoped.count() == 0
