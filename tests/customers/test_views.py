"""C-3 list and filters, C-4 detail, C-5 PA form, the invitation pages and the console."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import Customer, LicenceAssignment, PAStatus, PurchaseAuthorization
from customers.services import invitation_token
from portal.dates import local_today
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import (
    CustomerFactory,
    PALineFactory,
    PurchaseAuthorizationFactory,
    SubscriptionFactory,
    UserFactory,
)


def _counts(client, **params):
    return client.get(reverse("customers_home"), params).context["counts"]


def test_c3_filters_and_their_counts(partner, manager_client, manager_user):
    today = local_today(partner.time_zone)
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
    assert _counts(manager_client) == {"all": 4, "no_products": 1, "pending": 1, "overdue": 1, "upcoming": 1,
                                       "ready": 2}
    names = [c.name for c in manager_client.get(reverse("customers_home"), {"filter": "ready"}).context[
        "page"].object_list]
    assert names == ["Late", "Overdue"]
    assert _counts(manager_client, mine="1")["all"] == 1


def test_c3_list_and_counts_take_a_constant_number_of_queries(partner, manager_client,
                                                             django_assert_max_num_queries):
    for _ in range(30):
        PurchaseAuthorizationFactory(customer=CustomerFactory(partner=partner))
    with django_assert_max_num_queries(12):
        manager_client.get(reverse("customers_home"))


def test_c3_search_by_name_email_or_vip_id(partner, manager_client):
    hit = CustomerFactory(partner=partner, name="Sakura Films", contact_email="boss@sakura.test")
    CustomerFactory(partner=partner, name="Other")
    for query in ("sakura f", "BOSS@sakura", hit.vip_id):
        found = manager_client.get(reverse("customers_home"), {"q": query}).context["page"].object_list
        assert [c.pk for c in found] == [hit.pk]


def test_t2_reseller_user_lists_only_its_resellers_customers(partner, reseller):
    from tests.factories import ResellerFactory

    mine = CustomerFactory(partner=partner, reseller=reseller)
    CustomerFactory(partner=partner, reseller=ResellerFactory(partner=partner))
    CustomerFactory(partner=partner)
    client = client_for(member(partner, Role.RESELLER_USER, reseller=reseller))
    assert [c.pk for c in client.get(reverse("customers_home")).context["page"].object_list] == [mine.pk]


def test_c1_c2_add_customer_is_reviewed_then_invites(partner, manager_client, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    page = manager_client.get(reverse("customer_new")).content.decode()
    assert "cannot be edited later" in page
    data = {"name": "Kobe Works", "market_segment": "education", "offer_type": "enterprise", "region": "Kansai",
            "address": "1 Port", "postal_code": "650-0001", "contact_name": "Ken", "contact_email": "ken@kobe.test"}
    review = manager_client.post(reverse("customer_new"), data)
    assert review.templates[0].name == "customers/new_confirm.html"
    assert "The invitation is e-mailed to ken@kobe.test." in review.content.decode()
    assert not Customer.objects.for_partner(partner).exists() and mailoutbox == []
    edit = manager_client.post(reverse("customer_new"), data | {"edit": "1"})
    assert edit.templates[0].name == "customers/new.html" and edit.context["form"]["name"].value() == "Kobe Works"
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("customer_new"), data | {"confirm": "1"})
    customer = Customer.objects.for_partner(partner).get()
    assert response.url == reverse("customer", args=[customer.pk])
    assert [m.to for m in mailoutbox] == [["ken@kobe.test"]]


def test_c1_bad_input_names_the_field(partner, manager_client):
    response = manager_client.post(reverse("customer_new"), {"name": "X", "contact_email": "nope"})
    assert {"contact_email", "market_segment", "region"} <= set(response.context["form"].errors)
    assert not Customer.objects.for_partner(partner).exists()


def test_c4_detail_shows_sections_and_c9_duration(partner, manager_client):
    """C-4: the information, the pending PA (with its status), the products with their licence
    counts and the authorization history with every PA's status."""
    from customers.models import PAStatus
    from tests.factories import SubscriptionFactory

    customer = CustomerFactory(partner=partner, name="Tanaka Design KK", address="2-2 Shibuya",
                               market_segment="education")
    pending = PurchaseAuthorizationFactory(customer=customer,
                                           deployment_date=customer.anniversary - timedelta(days=45))
    PALineFactory(authorization=pending, licences=7)
    ordered = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.ORDERED, vendor_order_number="VO-88")
    SubscriptionFactory(customer=customer, licences=12)
    response = manager_client.get(reverse("customer", args=[customer.pk]))
    page = response.content.decode()
    for text in (customer.vip_id, "Tanaka Design KK", "2-2 Shibuya", "Education", "12 licences", "7 ×", "VO-88"):
        assert text in page
    assert [pa.pk for pa in response.context["open_pas"]] == [pending.pk]
    history = page[page.index("Authorization history"):]
    assert f'<td>{pending.pk}</td>' in history and f'<td>{ordered.pk}</td>' in history
    assert sorted(re.findall(r'<span class="status status-(\w+)">', history)) == ["ordered", "pending"]
    assert re.search(r"1 months 1[45] days", page)


def test_c5_pa_form_refuses_excluded_products_on_the_line(partner, manager_client, excluded_product):
    customer = CustomerFactory(partner=partner, anniversary=local_today(partner.time_zone) + timedelta(days=300))
    response = manager_client.post(reverse("pa_new", args=[customer.pk]), {
        "licence_type": "team", "deployment_date": local_today(partner.time_zone).isoformat(),
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "20", "lines-0-product": excluded_product.pk, "lines-0-licences": "3"})
    errors = response.context["lines"].forms[0].errors["product"]
    assert "order this product directly from the vendor" in errors[0]
    assert not customer.authorizations.exists()


def test_c6_record_the_vendor_order_from_the_detail_page(partner, manager_client):
    customer = CustomerFactory(partner=partner)
    pa = PurchaseAuthorizationFactory(customer=customer)
    PALineFactory(authorization=pa, licences=2)
    manager_client.post(reverse("pa_action", args=[pa.pk, "order"]), {"vendor_order_number": "VO-55"})
    pa.refresh_from_db()
    assert (pa.status, pa.vendor_order_number) == (PAStatus.ORDERED, "VO-55")


def test_c2_invitation_page_then_sign_up_and_accept(partner, mailoutbox, django_capture_on_commit_callbacks):
    import re

    customer = CustomerFactory(partner=partner)
    url = reverse("customer_invitation", args=[invitation_token(customer)])
    client = Client()
    assert "Sign in or create an account" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {"email": "admin@kobe.test", "first_name": "A", "last_name": "B",
                                        "password1": "a-Strong-pass-77", "password2": "a-Strong-pass-77", "next": url})
    assert client.get(re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mailoutbox[-1].body)[1]).url == url
    response = client.post(url)
    assert response.url == reverse("console_customer", args=[customer.pk])
    customer.refresh_from_db()
    assert customer.admin_user.email == "admin@kobe.test"
    assert client.get(reverse("console_customer", args=[customer.pk])).status_code == 200


def test_c2_broken_invitation_link_is_a_clear_page(db):
    response = Client().get(reverse("customer_invitation", args=["not-a-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_t2_customer_admin_never_reaches_another_customer_of_the_same_partner(partner):
    admin = UserFactory()
    mine = CustomerFactory(partner=partner, admin_user=admin)
    other = CustomerFactory(partner=partner)
    other_line = PALineFactory(authorization=PurchaseAuthorizationFactory(customer=other))
    client = client_for(admin)
    assert client.get(reverse("console_customer", args=[mine.pk])).status_code == 200
    assert client.get(reverse("console_customer", args=[other.pk])).status_code == 404
    assert client.post(reverse("console_assign", args=[other_line.pk]), {"email": "x@y.test"}).status_code == 404
    assert client.get(reverse("customers_home")).status_code == 403  # no partner role at all


@pytest.mark.parametrize("role", [Role.PARTNER_FINANCE])
def test_t3_finance_cannot_see_customers(partner, role):
    assert client_for(member(partner, role)).get(reverse("customers_home")).status_code == 403


def test_c3_counts_follow_writes_at_once(partner, manager, manager_client, team_product,
                                        django_capture_on_commit_callbacks):
    from customers.services import PALineInput, pa_create

    customer = CustomerFactory(partner=partner, anniversary=local_today(partner.time_zone) + timedelta(days=300))
    assert _counts(manager_client)["pending"] == 0
    with django_capture_on_commit_callbacks(execute=True):  # the cached counts are dropped when the PA commits
        pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                  lines=[PALineInput(team_product.pk, 1)], deployment_date=local_today(partner.time_zone))
    assert _counts(manager_client)["pending"] == 1


def test_c8_console_admin_takes_a_licence_back_after_confirming(partner):
    from portal.audit.models import AuditEntry
    from tests.factories import LicenceAssignmentFactory

    admin = UserFactory()
    customer = CustomerFactory(partner=partner, admin_user=admin)
    line = PALineFactory(authorization=PurchaseAuthorizationFactory(customer=customer, status="ordered"), licences=2)
    assignment = LicenceAssignmentFactory(line=line, email="leaver@example.test")
    client = client_for(admin)
    console = client.get(reverse("console_customer", args=[customer.pk])).content.decode()
    url = reverse("console_unassign", args=[assignment.pk])
    assert url in console
    page = client.get(url).content.decode()
    assert "leaver@example.test can no longer use" in page
    assert LicenceAssignment.objects.for_partner(partner).filter(pk=assignment.pk).exists()
    response = client.post(url, {"confirm": "1"})
    assert response.url == reverse("console_customer", args=[customer.pk])
    assert not LicenceAssignment.objects.for_partner(partner).filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.for_partner(partner).filter(action="licence.unassigned").count() == 1
    assert client_for(UserFactory()).post(url, {"confirm": "1"}).status_code == 404


def test_c5_console_asks_for_several_products_in_one_request(partner, team_product):
    from tests.factories import LicenceProductFactory

    second = LicenceProductFactory(offer_type=team_product.offer_type)
    admin = UserFactory()
    customer = CustomerFactory(partner=partner, admin_user=admin, offer_type=team_product.offer_type)
    client = client_for(admin)
    data = {"licence_type": team_product.offer_type, "deployment_date": local_today(partner.time_zone).isoformat(),
            "po_number": "", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "20", "lines-0-product": team_product.pk, "lines-0-licences": "3"}
    more = client.post(reverse("console_customer", args=[customer.pk]), data | {"add_line": "1"})
    assert 'name="lines-1-product"' in more.content.decode()
    client.post(reverse("console_customer", args=[customer.pk]), data | {
        "lines-TOTAL_FORMS": "2", "lines-1-product": second.pk, "lines-1-licences": "2"})
    pa = PurchaseAuthorization.objects.for_partner(partner).get(customer=customer)
    assert sorted((line.product_id, line.licences) for line in pa.lines.all()) == sorted(
        [(team_product.pk, 3), (second.pk, 2)])
