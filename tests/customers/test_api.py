"""SPEC A for customers: /api/v1/customers/ (C-1…C-4), /api/v1/authorizations/ (C-5…C-9) and the
customer admin's console under /api/v1/console/ (C-2, C-5, C-8)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from customers.models import Customer, InvitationStatus, LicenceAssignment, PAStatus, PurchaseAuthorization
from customers.services import order_duration
from portal.api.services import api_key_create
from portal.dates import add_years, local_today
from portal.tenancy.roles import Role
from renewals.models import Subscription
from tests.conftest import client_for, member
from tests.factories import (
    CustomerFactory,
    LicenceAssignmentFactory,
    PALineFactory,
    PurchaseAuthorizationFactory,
    ResellerFactory,
    SubscriptionFactory,
    UserFactory,
)

CUSTOMERS = "/api/v1/customers/"
AUTHORIZATIONS = "/api/v1/authorizations/"
CONSOLE = "/api/v1/console/"
COUNT_KEYS = {"all", "no_products", "pending", "overdue", "upcoming", "ready"}


def _post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


def _key(tenant, role) -> Client:
    _row, raw = api_key_create(tenant=tenant, name=f"{role} key", role=role)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _time(value, time_zone="UTC") -> str:
    """A time as the API writes it: in UTC, for a session and an API key alike."""
    with timezone.override(ZoneInfo(time_zone)):
        return serializers.DateTimeField().to_representation(value)


def _today(partner):
    return local_today(partner.time_zone)


def _customers(partner):
    return Customer.objects.for_partner(partner)


def _pas(partner):
    return PurchaseAuthorization.objects.for_partner(partner)


def _body(**changes):
    return {"name": "Kobe Works", "market_segment": "education", "offer_type": "enterprise", "region": "Kansai",
            "address": "1 Port", "postal_code": "650-0001", "contact_name": "Ken", "contact_email": "Ken@Kobe.test",
            **changes}


def _pa_body(product, **changes):
    return {"licence_type": "team", "deployment_date": local_today("Asia/Tokyo").isoformat(),
            "lines": [{"product": product.pk, "licences": 3}], **changes}


def _errors(response) -> list[tuple]:
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


@pytest.fixture
def customer(partner, manager_user):
    """Invited a month ago; its anniversary is 300 days away."""
    return CustomerFactory(partner=partner, name="Tanaka Design KK", account_manager=manager_user,
                           anniversary=_today(partner) + timedelta(days=300))


@pytest.fixture
def customer_admin(customer):
    """The customer's admin: signed in, no partner membership."""
    user = UserFactory(email="it@tanaka.test")
    Customer.unscoped.filter(pk=customer.pk).update(admin_user=user, invitation_status=InvitationStatus.ACCEPTED)
    return user


@pytest.fixture
def console(customer_admin):
    return client_for(customer_admin)


def _expected_line(line, assigned=0) -> dict:
    return {"id": line.pk, "product": line.product_id, "product_sku": line.product.sku,
            "product_name": line.product.name, "licences": line.licences, "assigned": assigned}


def _expected_pa(pa, assigned=None) -> dict:
    pa.refresh_from_db()
    months, days = order_duration(deployment_date=pa.deployment_date, anniversary=pa.customer.anniversary)
    return {
        "id": pa.pk, "customer": pa.customer_id, "customer_name": pa.customer.name, "status": pa.status,
        "licence_type": pa.licence_type, "po_number": pa.po_number, "deployment_date": pa.deployment_date.isoformat(),
        "created_on": pa.created_on.isoformat(), "ordered_on": pa.ordered_on and pa.ordered_on.isoformat(),
        "vendor_order_number": pa.vendor_order_number, "requested_by_customer": pa.requested_by_customer,
        "order_duration": {"months": months, "days": days},
        "lines": [_expected_line(line, (assigned or {}).get(line.pk, 0)) for line in pa.lines.order_by("id")],
    }


# --- C-1, C-2: add and invite --------------------------------------------------------------------

def test_c1_api_create_customer_returns_201_with_vip_id_and_invites(partner, manager_client, manager_user,
                                                                    mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(manager_client, CUSTOMERS, _body())
    assert response.status_code == 201
    customer = _customers(partner).get()
    assert response.json() == {
        "id": customer.pk, "vip_id": customer.vip_id, "name": "Kobe Works", "market_segment": "education",
        "offer_type": "enterprise", "region": "Kansai", "address": "1 Port", "postal_code": "650-0001",
        "contact_name": "Ken", "contact_email": "ken@kobe.test",
        "anniversary": add_years(_today(partner), 1).isoformat(), "custom_anniversary": False,
        "invitation_status": "sent", "account_manager": manager_user.email, "reseller": None, "reseller_name": None,
        "created_at": _time(customer.created_at), "subscriptions": [], "authorizations": [],
    }
    assert customer.vip_id.startswith("VIP") and len(customer.vip_id) == 13
    assert [m.to for m in mailoutbox] == [["ken@kobe.test"]]


def test_c1_api_custom_anniversary_kept_or_refused_on_its_field(partner, manager_client):
    later = add_years(_today(partner), 1) + timedelta(days=90)
    response = _post(manager_client, CUSTOMERS, _body(anniversary=later.isoformat()))
    assert (response.status_code, response.json()["anniversary"], response.json()["custom_anniversary"]) == (
        201, later.isoformat(), True)
    refused = _post(manager_client, CUSTOMERS, _body(anniversary=(_today(partner) + timedelta(days=200)).isoformat()))
    assert (refused.status_code, _errors(refused)) == (400, [("anniversary", "anniversary_out_of_range")])
    assert _customers(partner).count() == 1


def test_c1_api_bad_input_names_every_field(partner, manager_client):
    response = _post(manager_client, CUSTOMERS, {"name": "X", "offer_type": "solo", "contact_email": "nope"})
    assert response.status_code == 400
    assert sorted(_errors(response)) == [
        ("address", "required"), ("contact_email", "invalid"), ("contact_name", "required"),
        ("market_segment", "required"), ("offer_type", "invalid_choice"), ("postal_code", "required"),
        ("region", "required")]
    assert not _customers(partner).exists()


def test_c1_api_reseller_must_be_one_of_the_partners(partner, other_partner, manager_client, reseller):
    foreign = ResellerFactory(partner=other_partner)
    refused = _post(manager_client, CUSTOMERS, _body(reseller=foreign.pk))
    assert (refused.status_code, _errors(refused)) == (400, [("reseller", "does_not_exist")])
    assert not _customers(partner).exists()
    response = _post(manager_client, CUSTOMERS, _body(reseller=reseller.pk))
    assert (response.status_code, response.json()["reseller"], response.json()["reseller_name"]) == (
        201, reseller.pk, "North")


def test_c1_api_reseller_user_cannot_choose_the_reseller(partner, reseller):
    client = client_for(member(partner, Role.RESELLER_USER, reseller=reseller))
    other = ResellerFactory(partner=partner, name="South")
    refused = _post(client, CUSTOMERS, _body(reseller=other.pk))
    assert (refused.status_code, _errors(refused)) == (400, [("reseller", "not_allowed")])
    response = _post(client, CUSTOMERS, _body())
    assert (response.status_code, response.json()["reseller"]) == (201, reseller.pk)
    assert list(_customers(partner).values_list("reseller", flat=True)) == [reseller.pk]


def test_a_api_customer_create_is_idempotent(partner, manager_client):
    first = _post(manager_client, CUSTOMERS, _body(), HTTP_IDEMPOTENCY_KEY="add-kobe")
    again = _post(manager_client, CUSTOMERS, _body(), HTTP_IDEMPOTENCY_KEY="add-kobe")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replay"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert _customers(partner).count() == 1


def test_t3_api_customer_permissions_follow_the_roles(partner, admin_tenant, customer):
    readonly = _key(admin_tenant, Role.READ_ONLY)
    assert readonly.get(CUSTOMERS).status_code == 200
    assert readonly.get(f"{CUSTOMERS}{customer.pk}/").status_code == 200
    assert _post(readonly, CUSTOMERS, _body()).status_code == 403
    finance = _key(admin_tenant, Role.PARTNER_FINANCE)
    assert finance.get(CUSTOMERS).status_code == 403
    assert _customers(partner).count() == 1


# --- C-3: list, filters, counts ------------------------------------------------------------------

def _list_names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_c3_api_filters_with_counts(partner, manager_client, manager_user):
    today = _today(partner)
    CustomerFactory(partner=partner, name="No PA", anniversary=today + timedelta(days=200))
    pending = CustomerFactory(partner=partner, name="Pending", anniversary=today + timedelta(days=60),
                              account_manager=manager_user)
    PurchaseAuthorizationFactory(customer=pending, status=PAStatus.PENDING)
    overdue = CustomerFactory(partner=partner, name="Overdue", anniversary=today + timedelta(days=10))
    PurchaseAuthorizationFactory(customer=overdue, status=PAStatus.OVERDUE)
    late = CustomerFactory(partner=partner, name="Late", anniversary=today - timedelta(days=14))
    PurchaseAuthorizationFactory(customer=late, status=PAStatus.ORDERED)
    for renewing in (pending, overdue, late):  # R-6 windows count customers with licences to renew
        SubscriptionFactory(customer=renewing)
    CustomerFactory(partner=ResellerFactory().partner, name="Someone else's")

    everything = manager_client.get(CUSTOMERS)
    assert everything.status_code == 200
    assert (everything.json()["count"], _list_names(everything)) == (4, ["Late", "No PA", "Overdue", "Pending"])
    assert everything.json()["counts"] == {"all": 4, "no_products": 1, "pending": 1, "overdue": 1, "upcoming": 1,
                                           "ready": 2}
    ready = manager_client.get(CUSTOMERS, {"filter": "ready"})
    assert (_list_names(ready), ready.json()["counts"]) == (["Late", "Overdue"], everything.json()["counts"])
    for name, expected in [("no_products", ["No PA"]), ("pending", ["Pending"]), ("overdue", ["Overdue"]),
                           ("upcoming", ["Pending"])]:
        assert _list_names(manager_client.get(CUSTOMERS, {"filter": name})) == expected
    mine = manager_client.get(CUSTOMERS, {"mine": "1"})
    assert (_list_names(mine), mine.json()["counts"]) == (["Pending"], {"all": 1, "no_products": 0, "pending": 1,
                                                                       "overdue": 0, "upcoming": 1, "ready": 0})


def test_c3_api_list_row_shows_the_c3_columns(partner, customer, manager_user):
    PurchaseAuthorizationFactory(customer=customer, status=PAStatus.OVERDUE)
    response = client_for(manager_user).get(CUSTOMERS)
    assert response.json()["results"] == [{
        "id": customer.pk, "vip_id": customer.vip_id, "name": "Tanaka Design KK",
        "contact_email": customer.contact_email, "anniversary": customer.anniversary.isoformat(),
        "market_segment": "commercial", "offer_type": "team", "account_manager": manager_user.email,
        "invitation_status": "sent", "reseller": None, "has_overdue_requests": True, "renewal_colour": "",
    }]


@pytest.mark.parametrize(("params", "field", "code"), [
    ({"filter": "vip"}, "filter", "invalid_choice"),
    ({"mine": "perhaps"}, "mine", "invalid"),
    ({"q": "x" * 101}, "q", "max_length"),
])
def test_c3_api_invalid_filter_is_a_400_naming_it(manager_client, params, field, code):
    response = manager_client.get(CUSTOMERS, params)
    assert (response.status_code, _errors(response)) == (400, [(field, code)])


def test_c3_api_search_by_name_email_or_vip_id(partner, manager_client):
    hit = CustomerFactory(partner=partner, name="Sakura Films", contact_email="boss@sakura.test")
    CustomerFactory(partner=partner, name="Other")
    for query in ("sakura f", "BOSS@sakura", hit.vip_id):
        response = manager_client.get(CUSTOMERS, {"q": query})
        assert [row["id"] for row in response.json()["results"]] == [hit.pk]
    assert manager_client.get(CUSTOMERS, {"q": "sakura"}).json()["counts"]["all"] == 2  # counts ignore q


def test_t2_api_reseller_user_lists_only_its_resellers_customers(partner, reseller):
    mine = CustomerFactory(partner=partner, reseller=reseller)
    CustomerFactory(partner=partner, reseller=ResellerFactory(partner=partner))
    CustomerFactory(partner=partner)
    response = client_for(member(partner, Role.RESELLER_USER, reseller=reseller)).get(CUSTOMERS)
    assert ([row["id"] for row in response.json()["results"]], response.json()["counts"]["all"]) == ([mine.pk], 1)


def _many_customers(partner, manager_user, count):
    for number in range(count):
        customer = CustomerFactory(partner=partner, account_manager=member(partner, Role.ACCOUNT_MANAGER)
                                   if number % 2 else manager_user)
        PALineFactory(authorization=PurchaseAuthorizationFactory(customer=customer))


def test_a_api_customers_list_takes_constant_queries(partner, admin_tenant, manager_user,
                                                     django_assert_max_num_queries):
    api = _key(admin_tenant, Role.ACCOUNT_MANAGER)
    _many_customers(partner, manager_user, 30)
    # The API key (3: the key, its last use, its creator) + the count, the page, its overdue
    # customers and the renewal colours of its customers, the PA counts and the R-6 window counts.
    with django_assert_max_num_queries(9):
        response = api.get(CUSTOMERS, {"mine": "0"})
    assert (response.json()["count"], len(response.json()["results"])) == (30, 30)


def test_a_api_customer_detail_and_authorizations_list_take_constant_queries(partner, customer, manager_client,
                                                                             django_assert_max_num_queries):
    for _ in range(10):
        pa = PurchaseAuthorizationFactory(customer=customer)
        for _ in range(3):
            PALineFactory(authorization=pa)
        SubscriptionFactory(customer=customer)
    # session, user, memberships + customer, subscriptions, authorizations, lines
    with django_assert_max_num_queries(7):
        detail = manager_client.get(f"{CUSTOMERS}{customer.pk}/")
    assert (len(detail.json()["authorizations"]), len(detail.json()["subscriptions"])) == (10, 10)
    # session, user, memberships + count, page, lines
    with django_assert_max_num_queries(6):
        listed = manager_client.get(AUTHORIZATIONS)
    assert listed.json()["count"] == 10


def test_a_api_console_list_takes_constant_queries(partner, customer, customer_admin, console,
                                                   django_assert_max_num_queries):
    for _ in range(10):
        company = CustomerFactory(partner=partner, admin_user=customer_admin)
        SubscriptionFactory(customer=company)
        LicenceAssignmentFactory(line=PALineFactory(authorization=PurchaseAuthorizationFactory(customer=company)))
    # session, user, memberships + the first customer's partner (its calendar colours the
    # subscriptions), count, page, subscriptions, authorizations, lines, assignments
    with django_assert_max_num_queries(10):
        response = console.get(f"{CONSOLE}customers/")
    assert (response.json()["count"], sum(len(row["assignments"]) for row in response.json()["results"])) == (11, 10)


# --- C-4, C-9: detail ----------------------------------------------------------------------------

def test_c4_api_detail_with_products_and_authorizations_and_c9_duration(partner, customer, manager_client,
                                                                        manager_user, team_product):
    subscription = SubscriptionFactory(customer=customer, product=team_product, licences=8,
                                       start_date=_today(partner), end_date=customer.anniversary)
    older = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.ORDERED, vendor_order_number="VO-1",
                                         deployment_date=customer.anniversary - timedelta(days=45))
    PALineFactory(authorization=older, product=team_product, licences=8)
    newer = PurchaseAuthorizationFactory(customer=customer, deployment_date=_today(partner), po_number="PO-9")
    line = PALineFactory(authorization=newer, licences=2)
    LicenceAssignmentFactory(line=line)

    body = manager_client.get(f"{CUSTOMERS}{customer.pk}/").json()

    assert body["subscriptions"] == [{
        "id": subscription.pk, "product": team_product.pk, "product_sku": team_product.sku,
        "product_name": "Creative Cloud for teams — All Apps", "start_date": _today(partner).isoformat(),
        "end_date": customer.anniversary.isoformat(), "duration_years": 1, "licences": 8,
        "current_end": customer.anniversary.isoformat(), "colour": "none", "status": "active"}]
    assert body["authorizations"] == [_expected_pa(newer, assigned={line.pk: 1}), _expected_pa(older)]
    assert body["authorizations"][1]["order_duration"] in ({"months": 1, "days": 14}, {"months": 1, "days": 15})
    assert (body["vip_id"], body["account_manager"], body["invitation_status"]) == (
        customer.vip_id, manager_user.email, "sent")


# --- C-5, P-4, C-7: create a PA ------------------------------------------------------------------

def test_c5_api_pa_created_and_the_customer_emailed(partner, customer, manager_client, manager_user, team_product,
                                                    mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(manager_client, f"{CUSTOMERS}{customer.pk}/authorizations/",
                         _pa_body(team_product, po_number=" PO-7 "))
    assert response.status_code == 201
    pa = _pas(partner).get()
    assert response.json() == _expected_pa(pa)
    assert (pa.status, pa.po_number, pa.created_by, pa.requested_by_customer) == (
        PAStatus.PENDING, "PO-7", manager_user, False)
    assert [(line.product, line.licences) for line in pa.lines.all()] == [(team_product, 3)]
    assert [m.to for m in mailoutbox] == [[customer.contact_email]]


def test_c5_api_pa_refused_for_excluded_product(partner, customer, manager_client, team_product, excluded_product):
    response = _post(manager_client, f"{CUSTOMERS}{customer.pk}/authorizations/", _pa_body(
        team_product, lines=[{"product": team_product.pk, "licences": 1},
                             {"product": excluded_product.pk, "licences": 2}]))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("lines[1].product", "product_not_available_through_pa")
    assert "order this product directly from the vendor" in error["message"]
    assert not _pas(partner).exists()


@pytest.mark.parametrize(("lines", "field", "code"), [
    (lambda product: [], "lines", "no_lines"),
    (lambda product: "all of them", "lines", "not_a_list"),
    (lambda product: [{"product": product, "licences": 1}] * 21, "lines", "too_many_lines"),
    (lambda product: ["one"], "lines", "invalid"),
    (lambda product: [{"product": product, "licences": 0}], "lines[0].licences", "min_value"),
    (lambda product: [{"product": product, "licences": 1}, {"product": product, "licences": 10001}],
     "lines[1].licences", "max_value"),
    (lambda product: [{"licences": 1}], "lines[0].product", "required"),
])
def test_c5_api_pa_line_errors_name_the_line(partner, customer, manager_client, team_product, lines, field, code):
    response = _post(manager_client, f"{CUSTOMERS}{customer.pk}/authorizations/",
                     _pa_body(team_product, lines=lines(team_product.pk)))
    assert (response.status_code, _errors(response)) == (400, [(field, code)])
    assert not _pas(partner).exists()


def test_c5_api_pa_service_refusals_name_the_field(partner, customer, manager_client, team_product):
    url = f"{CUSTOMERS}{customer.pk}/authorizations/"
    missing = _post(manager_client, url, _pa_body(team_product, lines=[{"product": team_product.pk + 1000,
                                                                         "licences": 1}]))
    assert (missing.status_code, _errors(missing)) == (400, [("lines[0].product", "unknown_product")])
    late = (customer.anniversary + timedelta(days=1)).isoformat()
    too_late = _post(manager_client, url, _pa_body(team_product, deployment_date=late))
    assert (too_late.status_code, _errors(too_late)) == (400, [("deployment_date", "deployment_out_of_range")])
    bad_type = _post(manager_client, url, _pa_body(team_product, licence_type="solo"))
    assert (bad_type.status_code, _errors(bad_type)) == (400, [("licence_type", "invalid_choice")])
    assert not _pas(partner).exists()


def test_c7_api_overdue_customer_refused(partner, customer, manager_client, team_product):
    overdue = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.OVERDUE)
    url = f"{CUSTOMERS}{customer.pk}/authorizations/"
    response = _post(manager_client, url, _pa_body(team_product))
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (None, "customer_overdue")
    assert list(_pas(partner)) == [overdue]
    assert _post(manager_client, f"{AUTHORIZATIONS}{overdue.pk}/cancel/").status_code == 200
    assert _post(manager_client, url, _pa_body(team_product)).status_code == 201


def test_t3_api_pa_changes_need_customers_manage(partner, admin_tenant, customer, team_product):
    readonly = _key(admin_tenant, Role.READ_ONLY)
    pa = PurchaseAuthorizationFactory(customer=customer)
    assert _post(readonly, f"{CUSTOMERS}{customer.pk}/authorizations/", _pa_body(team_product)).status_code == 403
    for action in ("order", "cancel", "return"):
        assert _post(readonly, f"{AUTHORIZATIONS}{pa.pk}/{action}/", {"vendor_order_number": "VO"}).status_code == 403
    pa.refresh_from_db()
    assert (pa.status, _pas(partner).count()) == (PAStatus.PENDING, 1)
    assert readonly.get(f"{AUTHORIZATIONS}{pa.pk}/").status_code == 200


def test_c5_api_pa_created_with_an_api_key_is_the_keys_creators(partner, admin_tenant, admin_user, customer,
                                                                 team_product):
    api = _key(admin_tenant, Role.ACCOUNT_MANAGER)
    response = _post(api, f"{CUSTOMERS}{customer.pk}/authorizations/", _pa_body(team_product))
    assert response.status_code == 201
    assert _pas(partner).get().created_by == admin_user


# --- C-6, C-8: order, cancel, return --------------------------------------------------------------

def test_c6_api_order_records_the_vendor_order_and_adds_licences(partner, customer, manager_client, team_product):
    pa = PurchaseAuthorizationFactory(customer=customer)
    PALineFactory(authorization=pa, product=team_product, licences=4)
    blank = _post(manager_client, f"{AUTHORIZATIONS}{pa.pk}/order/", {"vendor_order_number": "  "})
    assert (blank.status_code, _errors(blank)) == (400, [("vendor_order_number", "blank")])
    response = _post(manager_client, f"{AUTHORIZATIONS}{pa.pk}/order/", {"vendor_order_number": "VO-55"})
    assert response.status_code == 200
    assert response.json() == _expected_pa(pa)
    assert (response.json()["status"], response.json()["vendor_order_number"], response.json()["ordered_on"]) == (
        "ordered", "VO-55", _today(partner).isoformat())
    subscription = Subscription.objects.for_partner(partner).get(customer=customer)
    assert (subscription.product, subscription.licences, subscription.end_date) == (
        team_product, 4, customer.anniversary)
    again = _post(manager_client, f"{AUTHORIZATIONS}{pa.pk}/order/", {"vendor_order_number": "VO-56"})
    assert (again.status_code, _errors(again)) == (409, [(None, "pa_state")])
    subscription.refresh_from_db()
    assert subscription.licences == 4


def test_c8_api_cancel_and_return(partner, customer, manager_client, team_product):
    pending = PurchaseAuthorizationFactory(customer=customer)
    cancelled = _post(manager_client, f"{AUTHORIZATIONS}{pending.pk}/cancel/")
    assert (cancelled.status_code, cancelled.json()) == (200, _expected_pa(pending))
    assert cancelled.json()["status"] == "cancelled"
    twice = _post(manager_client, f"{AUTHORIZATIONS}{pending.pk}/cancel/")
    assert (twice.status_code, _errors(twice)) == (409, [(None, "pa_state")])

    ordered = PurchaseAuthorizationFactory(customer=customer)
    PALineFactory(authorization=ordered, product=team_product, licences=2)
    _post(manager_client, f"{AUTHORIZATIONS}{ordered.pk}/order/", {"vendor_order_number": "VO-1"})
    refused = _post(manager_client, f"{AUTHORIZATIONS}{ordered.pk}/cancel/")
    assert (refused.status_code, _errors(refused)) == (409, [(None, "pa_state")])
    returned = _post(manager_client, f"{AUTHORIZATIONS}{ordered.pk}/return/")
    assert (returned.status_code, returned.json()["status"]) == (200, "return_requested")
    again = _post(manager_client, f"{AUTHORIZATIONS}{ordered.pk}/return/")
    assert (again.status_code, _errors(again)) == (409, [(None, "pa_state")])
    assert Subscription.objects.for_partner(partner).get(customer=customer).licences == 2  # until the operator


def test_c8_api_cancel_refused_once_a_licence_is_assigned(partner, customer, manager_client):
    pa = PurchaseAuthorizationFactory(customer=customer)
    LicenceAssignmentFactory(line=PALineFactory(authorization=pa))
    response = _post(manager_client, f"{AUTHORIZATIONS}{pa.pk}/cancel/")
    assert (response.status_code, _errors(response)) == (409, [(None, "licences_assigned")])
    pa.refresh_from_db()
    assert pa.status == PAStatus.PENDING


def test_a_api_authorizations_list_filters(partner, customer, manager_client):
    other = CustomerFactory(partner=partner)
    pending = PurchaseAuthorizationFactory(customer=customer)
    overdue = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.OVERDUE)
    elsewhere = PurchaseAuthorizationFactory(customer=other)
    PurchaseAuthorizationFactory(customer=CustomerFactory(partner=ResellerFactory().partner))

    def ids(**params):
        response = manager_client.get(AUTHORIZATIONS, params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [elsewhere.pk, overdue.pk, pending.pk]
    assert ids(status="overdue") == [overdue.pk]
    assert ids(customer=customer.pk) == [overdue.pk, pending.pk]
    assert ids(customer=customer.pk, status="pending") == [pending.pk]
    bad = manager_client.get(AUTHORIZATIONS, {"status": "lost", "customer": "x"})
    assert (bad.status_code, sorted(_errors(bad))) == (400, [("customer", "invalid"), ("status", "invalid_choice")])


# --- the customer admin's console ----------------------------------------------------------------

def test_c5_api_console_lists_the_admins_companies_with_products(partner, customer, console, team_product):
    subscription = SubscriptionFactory(customer=customer, product=team_product, licences=5)
    pa = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.ORDERED)
    line = PALineFactory(authorization=pa, product=team_product, licences=5)
    held = LicenceAssignmentFactory(line=line, email="designer@tanaka.test")
    CustomerFactory(partner=partner)  # not administered by this person

    response = console.get(f"{CONSOLE}customers/")

    assert response.status_code == 200
    assert response.json()["results"] == [{
        "id": customer.pk, "vip_id": customer.vip_id, "name": "Tanaka Design KK",
        "anniversary": customer.anniversary.isoformat(), "partner_name": "Alpha KK",
        "subscriptions": [{"id": subscription.pk, "product": team_product.pk, "product_sku": team_product.sku,
                           "product_name": team_product.name, "start_date": subscription.start_date.isoformat(),
                           "end_date": subscription.end_date.isoformat(), "duration_years": 1, "licences": 5,
                           "current_end": subscription.end_date.isoformat(), "colour": "none", "status": "active"}],
        "authorizations": [_expected_pa(pa, assigned={line.pk: 1})],
        "assignments": [{"id": held.pk, "line": line.pk, "email": "designer@tanaka.test",
                         "assigned_at": _time(held.assigned_at)}],
    }]


def test_c5_api_console_request_creates_a_pa_and_emails_the_manager(partner, customer, console, customer_admin,
                                                                    manager_user, team_product, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(console, f"{CONSOLE}customers/{customer.pk}/requests/", _pa_body(team_product))
    assert response.status_code == 201
    pa = _pas(partner).get()
    assert response.json() == _expected_pa(pa)
    assert (pa.requested_by_customer, pa.created_by, pa.status) == (True, customer_admin, PAStatus.PENDING)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([customer.contact_email, manager_user.email])


def test_c7_api_console_request_refused_like_a_partners(partner, customer, console, team_product, excluded_product):
    url = f"{CONSOLE}customers/{customer.pk}/requests/"
    excluded = _post(console, url, _pa_body(excluded_product))
    assert (excluded.status_code, _errors(excluded)) == (
        400, [("lines[0].product", "product_not_available_through_pa")])
    PurchaseAuthorizationFactory(customer=customer, status=PAStatus.OVERDUE)
    overdue = _post(console, url, _pa_body(team_product))
    assert (overdue.status_code, _errors(overdue)) == (409, [(None, "customer_overdue")])
    assert _pas(partner).count() == 1


def test_a_api_console_request_is_idempotent(partner, customer, console, team_product):
    url = f"{CONSOLE}customers/{customer.pk}/requests/"
    first = _post(console, url, _pa_body(team_product), HTTP_IDEMPOTENCY_KEY="ask-once")
    again = _post(console, url, _pa_body(team_product), HTTP_IDEMPOTENCY_KEY="ask-once")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replay"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert _pas(partner).count() == 1


def test_c8_api_console_assigns_licences_up_to_the_line(partner, customer, console, manager_client):
    pa = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.ORDERED)
    line = PALineFactory(authorization=pa, licences=1)
    response = _post(console, f"{CONSOLE}licences/{line.pk}/assign/", {"email": " Designer@Tanaka.test "})
    assert response.status_code == 201
    held = LicenceAssignment.objects.for_partner(partner).get()
    assert response.json() == {"id": held.pk, "line": line.pk, "email": "designer@tanaka.test",
                               "assigned_at": _time(held.assigned_at)}
    full = _post(console, f"{CONSOLE}licences/{line.pk}/assign/", {"email": "other@tanaka.test"})
    assert (full.status_code, _errors(full)) == (400, [("email", "no_licence_left")])
    bad = _post(console, f"{CONSOLE}licences/{line.pk}/assign/", {"email": "nope"})
    assert (bad.status_code, _errors(bad)) == (400, [("email", "invalid")])
    assert LicenceAssignment.objects.for_partner(partner).count() == 1


def test_a_customer_admin_cannot_reach_another_customer(partner, other_partner, customer, console, team_product):
    neighbour = CustomerFactory(partner=partner, admin_user=UserFactory())  # same partner, another admin
    foreign = CustomerFactory(partner=other_partner)
    for victim in (neighbour, foreign):
        line = PALineFactory(authorization=PurchaseAuthorizationFactory(customer=victim))
        request = _post(console, f"{CONSOLE}customers/{victim.pk}/requests/", _pa_body(team_product))
        assign = _post(console, f"{CONSOLE}licences/{line.pk}/assign/", {"email": "spy@tanaka.test"})
        assert (request.status_code, _errors(request)) == (404, [(None, "not_found")])
        assert (assign.status_code, _errors(assign)) == (404, [(None, "not_found")])
        assert _pas(victim.partner).filter(customer=victim).count() == 1
    assert not LicenceAssignment.objects.for_partner(partner).exists()
    assert [row["id"] for row in console.get(f"{CONSOLE}customers/").json()["results"]] == [customer.pk]
    # A customer's admin is not a partner user: the partner API is closed to them.
    assert console.get(CUSTOMERS).status_code == 403
    assert console.get(f"{CUSTOMERS}{customer.pk}/").status_code == 403


def test_a_console_needs_a_signed_in_person_not_an_api_key(partner, admin_tenant, customer, team_product):
    api = _key(admin_tenant, Role.PARTNER_ADMIN)
    anonymous = Client()
    for client in (api, anonymous):
        assert client.get(f"{CONSOLE}customers/").status_code == 403
        response = _post(client, f"{CONSOLE}customers/{customer.pk}/requests/", _pa_body(team_product))
        assert (response.status_code, _errors(response)) == (403, [(None, "not_authenticated")])
    assert not _pas(partner).exists()



def test_c1_anniversary_cannot_be_changed_through_the_api_or_the_pages(partner, customer, manager_client):
    before = customer.anniversary
    for method in ("put", "patch"):
        response = getattr(manager_client, method)(f"/api/v1/customers/{customer.pk}/", {"anniversary": "2030-01-01"},
                                                   content_type="application/json")
        assert response.status_code == 405
    # There is no edit page at all: the detail page offers no form for the customer's details.
    page = manager_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="anniversary"' not in page
    customer.refresh_from_db()
    assert customer.anniversary == before
