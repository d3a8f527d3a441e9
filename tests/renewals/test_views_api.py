"""R-3 dashboard, R-4 list and CSV, R-5 renew form and pool pages, and the renewals API."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.api.services import api_key_create
from portal.onetime import new_token
from portal.tenancy.roles import Role
from renewals.models import PoolEntry, Renewal
from tests.conftest import client_for, member, tenant_for
from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    ResellerFactory,
    SubscriptionFactory,
    VoucherCodeFactory,
    voucher_code_for,
)
from tests.renewals.conftest import give, pool_balance, subscribed, subscription_of

TODAY = date(2026, 11, 30)


@pytest.fixture
def today(freeze):
    return freeze(TODAY)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- R-4 ---------------------------------------------------------------------------------------------


def test_r4_customers_to_renew_by_end_date_with_their_columns(partner, manager_user, product, today):
    north = ResellerFactory(partner=partner, name="North")
    later = subscribed(partner, product, anniversary=TODAY + timedelta(days=200), licences=3)
    soon = subscribed(partner, product, anniversary=TODAY + timedelta(days=20), licences=12, reseller=north)
    ended = subscribed(partner, product, anniversary=TODAY - timedelta(days=5), licences=1)
    CustomerFactory(partner=partner)  # nothing to renew
    page = client_for(manager_user).get(reverse("renewals_home"))
    rows = page.context["page"].object_list
    assert [(r.customer, r.product, r.current_start, r.current_end, r.current_years, r.licences, r.colour)
            for r in rows] == [
        (ended, product, TODAY - timedelta(days=5) - timedelta(days=365), TODAY - timedelta(days=5), 1, 1, "red"),
        (soon, product, date(2025, 12, 20), TODAY + timedelta(days=20), 1, 12, "orange"),
        (later, product, date(2026, 6, 18), TODAY + timedelta(days=200), 1, 3, "none"),
    ]
    html = page.content.decode()
    assert "North" in html and html.count('href="/renewals/customers/') == 2  # no Renew before A − 30


@pytest.mark.parametrize(("state", "names"), [
    ("to_renew", ["Ended", "Soon"]), ("red", ["Ended"]), ("orange", ["Soon"]), ("none", ["Later"]),
    ("ready", ["Ended", "Soon"]), ("upcoming", []), ("", ["Ended", "Soon", "Later"]),
])
def test_r4_filters_by_colour_and_window(partner, manager_user, product, today, state, names):
    for name, days in (("Later", 200), ("Soon", 20), ("Ended", -5)):
        customer = subscribed(partner, product, anniversary=TODAY + timedelta(days=days))
        customer.__class__.unscoped.filter(pk=customer.pk).update(name=name)
    rows = client_for(manager_user).get(reverse("renewals_home"), {"state": state}).context["page"].object_list
    assert [r.customer.name for r in rows] == names


def test_r4_filters_by_reseller_and_solution_and_reseller_users_see_their_own(partner, product, today):
    from tests.factories import LicenceProductFactory

    north, south = ResellerFactory(partner=partner, name="North"), ResellerFactory(partner=partner, name="South")
    acrobat = LicenceProductFactory(name="Acrobat")
    mine = subscribed(partner, product, anniversary=TODAY + timedelta(days=9), reseller=north)
    subscribed(partner, acrobat, anniversary=TODAY + timedelta(days=9), reseller=south)
    subscribed(partner, product, anniversary=TODAY + timedelta(days=9))
    manager = client_for(member(partner, Role.ACCOUNT_MANAGER))
    by_reseller = manager.get(reverse("renewals_home"), {"reseller": north.pk}).context["page"].object_list
    by_product = manager.get(reverse("renewals_home"), {"product": acrobat.pk}).context["page"].object_list
    assert ([r.customer for r in by_reseller], [r.product for r in by_product]) == ([mine], [acrobat])
    reseller_user = client_for(member(partner, Role.RESELLER_USER, reseller=north))
    assert [r.customer for r in reseller_user.get(reverse("renewals_home")).context["page"].object_list] == [mine]
    assert [row[0] for row in _csv(reseller_user.get(reverse("renewals_csv")))[1:]] == [mine.name]


def test_r4_u4_bad_filter_values_change_nothing_and_never_500(partner, manager_user, product, today):
    subscribed(partner, product, anniversary=TODAY + timedelta(days=9))
    client = client_for(manager_user)
    for params in ({"state": "purple"}, {"reseller": "abc"}, {"page": "-1"}):
        response = client.get(reverse("renewals_home"), params)
        assert response.status_code == 200, params
    # A NUL is refused for every page before any view (portal.middleware), naming the parameter.
    response = client.get(reverse("renewals_home"), {"product": "\x00"})
    assert response.status_code == 400 and "product: null characters are not allowed." in response.content.decode()


def test_r4_csv_export_is_filtered_formula_safe_with_a_bom(partner, manager_user, product, today):
    customer = subscribed(partner, product, anniversary=TODAY + timedelta(days=9), licences=4)
    customer.__class__.unscoped.filter(pk=customer.pk).update(name="=HYPERLINK(evil)")
    subscribed(partner, product, anniversary=TODAY + timedelta(days=200))
    rows = _csv(client_for(manager_user).get(reverse("renewals_csv"), {"state": "to_renew"}))
    assert rows[0] == ["customer", "vip_id", "solution", "sku", "reseller", "start_date", "end_date",
                       "duration_years", "licences_to_renew", "status", "renewed_until", "licences_active"]
    assert rows[1:] == [["'=HYPERLINK(evil)", customer.vip_id, product.name, product.sku, "",
                         "2025-12-09", "2026-12-09", "1", "4", "orange", "", "t"]]


def test_r4_list_takes_a_constant_number_of_queries(partner, manager_user, product, today,
                                                    django_assert_max_num_queries):
    for days in range(30):
        subscribed(partner, product, anniversary=TODAY + timedelta(days=days))
    client = client_for(manager_user)
    client.get(reverse("renewals_home"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("renewals_home"))
    assert len(response.context["page"].object_list) == 30


# --- the renew form ------------------------------------------------------------------------------------


def test_r5_renew_form_shows_the_numbers_asks_to_confirm_then_renews(partner, manager_user, product, freeze,
                                                                      mailoutbox):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager_user)
    give(partner, product, 50)
    client = client_for(manager_user)
    url = reverse("customer_renew", args=[customer.pk])
    field = f"licences_{subscription_of(customer, product).pk}"

    form = client.get(url)
    assert [(r["line"].available, r["line"].held, r["licences"], r["left"]) for r in form.context["rows"]] == [
        (50, 10, 10, 40)]
    review = client.post(url, {"years": "2", field: "8", "review": ""})
    assert review.templates[0].name == "renewals/renew_confirm.html"
    assert [r["left"] for r in review.context["rows"]] == [34]  # 50 − 8 × 2
    assert pool_balance(partner, product) == 50 and not Renewal.objects.for_partner(partner).exists()

    token = new_token()  # the confirmation page's one-time token (portal.onetime)
    done = client.post(url, {"years": "2", field: "8", "confirm": "", "once_token": token})
    assert done.status_code == 302 and done.url == reverse("customer", args=[customer.pk])
    assert pool_balance(partner, product) == 34
    assert subscription_of(customer, product).end_date == date(2029, 6, 1)
    again = client.post(url, {"years": "2", field: "8", "confirm": "", "once_token": token})  # a second click
    assert (again.status_code, again.url) == (302, done.url) and pool_balance(partner, product) == 34
    other_page = client.post(url, {"years": "2", field: "8", "confirm": "", "once_token": new_token()})
    assert other_page.status_code == 409 and pool_balance(partner, product) == 34  # renewed already: refused


def test_r5_renew_form_refusals_land_on_the_field(partner, manager_user, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=10, manager=manager_user)
    give(partner, product, 15)
    client = client_for(manager_user)
    url = reverse("customer_renew", args=[customer.pk])
    field = f"licences_{subscription_of(customer, product).pk}"
    short = client.post(url, {"years": "2", field: "10", "review": ""})
    assert short.status_code == 409
    assert "15 available, 20 needed" in str(short.context["form"].errors[field])
    for data, name in (({"years": "9", field: "1"}, "years"), ({"years": "1", field: "x"}, field),
                       ({"years": "1", field: "-3"}, field)):
        response = client.post(url, {**data, "confirm": "", "once_token": new_token()})
        assert response.status_code == 200 and name in response.context["form"].errors
    assert pool_balance(partner, product) == 15


def test_r5_no_renew_form_before_the_window(partner, manager_user, product, freeze):
    freeze(date(2027, 4, 1))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), manager=manager_user)
    page = client_for(manager_user).get(reverse("customer_renew", args=[customer.pk])).content.decode()
    assert "can be renewed from May 2, 2027" in page and "Review the renewal" not in page


def test_r5_t3_renew_page_needs_the_renewals_permission(partner, product, today):
    customer = subscribed(partner, product, anniversary=TODAY + timedelta(days=9))
    finance = client_for(member(partner, Role.PARTNER_FINANCE))
    assert finance.get(reverse("customer_renew", args=[customer.pk])).status_code == 403
    assert finance.get(reverse("renewals_home")).status_code == 403


# --- pool pages -------------------------------------------------------------------------------------------


def test_r5_pool_page_buy_allocate_and_filter_the_ledger(partner, finance_user, product, licence_prices, today):
    north = ResellerFactory(partner=partner, name="North")
    client = client_for(finance_user)
    buy = {"product": product.pk, "licence_years": "10", "once_token": new_token()}
    bought = client.post(reverse("pool_buy"), buy)
    assert bought.status_code == 302 and pool_balance(partner, product) == 10
    assert client.post(reverse("pool_buy"), buy).status_code == 302  # a double click buys once
    assert pool_balance(partner, product) == 10
    moved = client.post(reverse("pool_transfer"), {"direction": "allocate", "product": product.pk,
                                                   "reseller": north.pk, "licence_years": "4"})
    assert moved.status_code == 302 and pool_balance(partner, product, north) == 4
    short = client.post(reverse("pool_transfer"), {"direction": "take_back", "product": product.pk,
                                                   "reseller": north.pk, "licence_years": "5"})
    assert short.status_code == 400 and "4 available, 5 needed" in short.content.decode()
    page = client.get(reverse("pools"), {"kind": "allocation", "owner": str(north.pk)})
    assert [(e.kind, e.quantity) for e in page.context["page"].object_list] == [("allocation", 4)]
    html = client.get(reverse("pools")).content.decode()
    assert "¥10,800" in html and "Buy licence-years" in html


def test_r5_reseller_user_sees_only_its_own_pool_and_cannot_buy(partner, product):
    north = ResellerFactory(partner=partner, name="North")
    give(partner, product, 30)
    give(partner, product, 7, reseller=north)
    reseller = client_for(member(partner, Role.RESELLER_USER, reseller=north))
    page = reseller.get(reverse("pools"))
    assert [(p.reseller, p.balance) for p in page.context["pools"]] == [(north, 7)]
    assert "Buy licence-years" not in page.content.decode()
    assert reseller.post(reverse("pool_buy"), {"product": product.pk, "licence_years": "1",
                                               "once_token": new_token()}).status_code == 403


def test_r5_operator_corrects_a_pool_in_the_console(partner, operator, product):
    client = client_for(operator)
    done = client.post(reverse("operator_pools"), {"partner": partner.pk, "product": product.pk, "reseller": "",
                                                   "quantity": "25", "reason": "Migration"})
    assert done.status_code == 302 and pool_balance(partner, product) == 25
    refused = client.post(reverse("operator_pools"), {"partner": partner.pk, "product": product.pk,
                                                      "reseller": "", "quantity": "-30", "reason": "Too much"})
    assert refused.status_code == 400 and pool_balance(partner, product) == 25
    assert client_for(member(partner, Role.PARTNER_ADMIN)).get(reverse("operator_pools")).status_code == 403


# --- R-3 dashboard ---------------------------------------------------------------------------------------------


def test_r3_dashboard_tiles_count_and_link(partner, product, licence_prices, today):
    subscribed(partner, product, anniversary=TODAY + timedelta(days=20))
    subscribed(partner, product, anniversary=TODAY - timedelta(days=3))
    two = subscribed(partner, product, anniversary=TODAY + timedelta(days=40))
    SubscriptionFactory(customer=two)  # a second solution: still one company
    subscribed(partner, product, anniversary=TODAY + timedelta(days=200))
    voucher_code_for(partner, expires_on=date(2026, 11, 30))
    voucher_code_for(partner, expires_on=date(2026, 12, 1))
    InvoiceFactory(partner=partner, status="overdue")
    give(partner, product, 12)
    admin = client_for(member(partner, Role.PARTNER_ADMIN))
    tiles = admin.get(reverse("dashboard")).context["tiles"]
    assert (tiles["to_renew"], tiles["expiring"], tiles["pool"], tiles["invoices"]["overdue"]) == (3, 1, 12, 1)
    assert tiles["funds"]["available"] == Decimal("1000000")
    html = admin.get(reverse("dashboard")).content.decode()
    assert 'href="/renewals/?state=to_renew">View</a>' in html


@pytest.mark.parametrize(("role", "tiles"), [
    (Role.ACCOUNT_MANAGER, {"to_renew", "pas", "pool"}),
    (Role.PARTNER_FINANCE, {"expiring", "funds", "invoices", "pool"}),
    (Role.RESELLER_USER, {"to_renew", "pas", "pool"}),
    (Role.READ_ONLY, {"to_renew", "pas", "expiring", "funds", "invoices", "pool"}),
])
def test_r3_t3_each_role_sees_only_its_tiles(partner, role, tiles):
    reseller = ResellerFactory(partner=partner) if role == Role.RESELLER_USER else None
    client = client_for(member(partner, role, reseller=reseller))
    assert set(client.get(reverse("dashboard")).context["tiles"]) == tiles


def test_r3_dashboard_takes_a_constant_number_of_queries(partner, product, today, django_assert_max_num_queries):
    admin = client_for(member(partner, Role.PARTNER_ADMIN))
    for days in range(20):
        subscribed(partner, product, anniversary=TODAY + timedelta(days=days))
        VoucherCodeFactory.create_batch(1, line=voucher_code_for(partner).line)
    admin.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        admin.get(reverse("dashboard"))


# --- API ---------------------------------------------------------------------------------------------------


def _api(tenant_user, partner, role):
    from django.test import Client

    _key, raw = api_key_create(tenant=tenant_for(tenant_user, partner), name="k", role=role)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_a_r4_subscriptions_list_filters_and_detail_with_periods(partner, admin_user, product, today):
    soon = subscribed(partner, product, anniversary=TODAY + timedelta(days=20), licences=6)
    subscribed(partner, product, anniversary=TODAY + timedelta(days=200))
    api = _api(admin_user, partner, Role.PARTNER_ADMIN)
    listed = api.get("/api/v1/subscriptions/", {"state": "orange"}).json()
    assert [(row["customer"], row["colour"], row["colour_label"], row["licences"]) for row in listed["results"]] == [
        (soon.pk, "orange", "Ends within 3 months", 6)]
    detail = api.get(f"/api/v1/subscriptions/{listed['results'][0]['id']}/").json()
    assert [(p["kind"], p["start_date"], p["end_date"]) for p in detail["periods"]] == [
        ("initial", "2025-12-20", "2026-12-20")]
    bad = api.get("/api/v1/subscriptions/", {"state": "purple"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "state"


def test_a_r5_renew_with_an_idempotency_key_acts_once(partner, manager_user, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=5, manager=manager_user)
    give(partner, product, 20)
    api = _api(manager_user, partner, Role.ACCOUNT_MANAGER)
    options = api.get(f"/api/v1/customers/{customer.pk}/renewal/").json()
    assert (options["renewable"], options["renewable_from"], options["access_ends_on"]) == (
        True, "2027-05-02", "2027-06-15")
    assert [(line["available"], line["held"]) for line in options["lines"]] == [(20, 5)]
    body = {"years": 2, "lines": [{"subscription": options["lines"][0]["subscription"], "licences": 5}]}
    first = api.post(f"/api/v1/customers/{customer.pk}/renewal/", body, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="renew-1")
    again = api.post(f"/api/v1/customers/{customer.pk}/renewal/", body, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="renew-1")
    assert (first.status_code, again.status_code, first.json()) == (201, 201, again.json())
    assert first.json()["new_anniversary"] == "2029-06-01"
    assert (pool_balance(partner, product), Renewal.objects.for_partner(partner).count()) == (10, 1)
    short = api.post(f"/api/v1/customers/{customer.pk}/renewal/", body, content_type="application/json")
    assert short.status_code == 409 and short.json()["errors"][0]["code"] == "not_renewable"


def test_a_r5_renew_refused_when_the_pool_is_short(partner, manager_user, product, freeze):
    freeze(date(2027, 5, 20))
    customer = subscribed(partner, product, anniversary=date(2027, 6, 1), licences=5, manager=manager_user)
    api = _api(manager_user, partner, Role.ACCOUNT_MANAGER)
    body = {"years": 1, "lines": [{"subscription": subscription_of(customer, product).pk, "licences": 5}]}
    response = api.post(f"/api/v1/customers/{customer.pk}/renewal/", body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "lines[0].licences", "code": "pool_short",
                                          "message": "Not enough licence-years in the pool: 0 available, 5 needed."}]


def test_a_r5_pools_buy_allocate_take_back_and_ledger(partner, admin_user, product, licence_prices, today):
    north = ResellerFactory(partner=partner, name="North")
    api = _api(admin_user, partner, Role.PARTNER_ADMIN)
    bought = api.post("/api/v1/pools/purchase/", {"product": product.pk, "licence_years": 5},
                      content_type="application/json")
    assert (bought.status_code, bought.json()["balance_after"], bought.json()["kind"]) == (201, 5, "purchase")
    allocated = api.post("/api/v1/pools/allocate/", {"product": product.pk, "reseller": north.pk,
                                                     "licence_years": 2}, content_type="application/json")
    back = api.post("/api/v1/pools/take-back/", {"product": product.pk, "reseller": north.pk, "licence_years": 1},
                    content_type="application/json")
    assert (allocated.status_code, back.status_code) == (201, 201)
    pools = api.get("/api/v1/pools/").json()["results"]
    assert [(p["reseller_name"], p["balance"]) for p in pools] == [(None, 4), ("North", 1)]
    ledger = api.get("/api/v1/pools/ledger/", {"kind": "allocation"}).json()["results"]
    assert sorted(e["quantity"] for e in ledger) == [-2, 2]
    foreign = api.post("/api/v1/pools/allocate/", {"product": product.pk, "reseller": ResellerFactory().pk,
                                                   "licence_years": 1}, content_type="application/json")
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "reseller"
    assert PoolEntry.objects.for_partner(partner).count() == 5


def test_a_t3_pool_moves_need_pools_manage(partner, manager_user, product, licence_prices):
    api = _api(manager_user, partner, Role.ACCOUNT_MANAGER)
    assert api.get("/api/v1/pools/").status_code == 200
    assert api.post("/api/v1/pools/purchase/", {"product": product.pk, "licence_years": 1},
                    content_type="application/json").status_code == 403


def test_t2_another_customers_admin_reaches_no_renewal_route(partner, other_partner, product):
    """The cross-tenant sweep covers every id route for partner users and keys; a customer's admin
    (no partner membership) is refused on all of them too."""
    from tests.factories import UserFactory
    from tests.portal.sweep import sweep

    outsider = UserFactory()
    CustomerFactory(partner=other_partner, admin_user=outsider)
    SubscriptionFactory(customer=CustomerFactory(partner=partner))
    failures = [f for f in sweep(client_for(outsider), partner) if "renew" in f or "pool" in f or "subscription" in f]
    assert failures == []
