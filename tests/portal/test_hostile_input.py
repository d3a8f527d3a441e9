"""U-4 under hostile input (issue 10 item 10): NUL characters, oversized formsets and bodies,
CR/LF and markup in names that end up in e-mail subjects."""

import time

import pytest
from django.test import Client

from customers.services import CustomerInput, PALineInput, customer_add, pa_create
from portal.dates import local_today
from tests.factories import LicenceProductFactory


def test_u4_nul_in_a_search_is_a_400_naming_the_parameter(manager_client):
    response = manager_client.get("/customers/", {"q": "\x00"})
    assert response.status_code == 400
    assert "q: null characters are not allowed." in response.content.decode()


def test_u4_nul_in_an_api_query_is_a_400_in_the_error_format(manager_client):
    response = manager_client.get("/api/v1/customers/", {"search": "a\x00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "search"


def test_u4_nul_in_a_posted_form_changes_nothing(manager_client, partner):
    from customers.models import Customer

    response = manager_client.post("/customers/new/", "name=A%00B&market_segment=commercial",
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and b"name: null characters" in response.content
    # A multipart body reaches the form, whose fields refuse NUL themselves.
    response = manager_client.post("/customers/new/", {"name": "A\x00B", "market_segment": "commercial"})
    assert response.status_code == 200 and "Null characters are not allowed." in response.content.decode()
    assert Customer.objects.for_partner(partner).count() == 0


def test_u4_nul_in_the_url_path_is_a_400(db):
    assert Client().get("/redeem/AB%00CD/").status_code == 400


def test_u4_a_formset_count_of_100000_builds_no_more_than_the_largest_order(finance_client, price_table):
    started = time.monotonic()
    response = finance_client.post("/vouchers/new/", {"lines-TOTAL_FORMS": "100000", "lines-INITIAL_FORMS": "0",
                                                      "preview": "1"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert len(response.context["lines"].forms) == 1  # the rows posted (none) and one more: portal.formsets
    assert elapsed < 5 and len(response.content) < 600_000


@pytest.mark.parametrize("count", ["abc", "", "-1", "100000"])
def test_c5_pa_form_add_line_with_a_broken_count_shows_the_form(manager_client, partner, count):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(partner=partner)
    response = manager_client.post(f"/customers/{customer.pk}/authorizations/new/", {
        "lines-TOTAL_FORMS": count, "lines-INITIAL_FORMS": "0", "add_line": "1"})
    assert response.status_code == 200
    assert len(response.context["lines"].forms) <= 20


def test_u4_a_body_over_the_request_limit_is_a_400(manager_client):
    response = manager_client.generic("POST", "/customers/new/", b"name=" + b"x" * (2 * 1024 * 1024),
                                      content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_c5_products_added_email_survives_crlf_and_shows_ampersands(manager, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    product = LicenceProductFactory(name="Acrobat & Sign")
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_add(tenant=manager, data=CustomerInput(
            name="Tanaka & Sons\r\nBcc: victim@example.test", market_segment="commercial", offer_type="team",
            region="Kanto", address="1-1", postal_code="100-0001", contact_name="Aiko <Tanaka>",
            contact_email="aiko@tanaka.test"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                  lines=[PALineInput(product.pk, 2)], deployment_date=local_today(customer.partner.time_zone))
    [message] = mailoutbox
    # The partner writes in Japanese; the name stays on the subject's one line, unescaped.
    assert message.subject == "製品追加のお知らせ（Tanaka & Sons Bcc: victim@example.test 御中）"
    assert message.to == ["aiko@tanaka.test"] and message.bcc == []
    assert "2 × Acrobat & Sign" in message.body and "&amp;" not in message.body
    assert "Aiko <Tanaka>" in message.body
