"""U-4: no input gives a 500. Every HTML form of the portal (found by crawling the demo as each
kind of person) is posted with hostile values: NUL, CR/LF, huge numbers, non-numeric and huge
management-form counts, bytes that are not UTF-8, 10 MB fields. Issue 10 item 10."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from portal.tenancy.models import User
from tests.portal.formfuzz import BIG, big_field, crawl, fuzz_form

PEOPLE = ["admin.ja@portal.example", "finance.fr@portal.example", "reseller.fr@portal.example",
          "operator@portal.example", "customer@portal.example", None]
START = ["/", "/customers/", "/customers/new/", "/vouchers/", "/vouchers/new/", "/billing/", "/billing/quotes/",
         "/billing/quotes/new/", "/account/settings/", "/account/users/", "/account/api-keys/", "/account/consent/",
         "/operator/", "/my/requests/", "/console/", "/accounts/login/", "/accounts/signup/",
         "/accounts/password-reset/"]


@pytest.fixture
def demo(db, settings):
    settings.PORTAL_RATE_LIMIT_ENABLED = False  # the fuzz posts each form hundreds of times
    call_command("seed_demo", stdout=io.StringIO())
    from vouchers.models import CodeStatus, VoucherCode

    code = VoucherCode.unscoped.filter(status=CodeStatus.ACTIVE).order_by("pk").first()
    return [*START, f"/redeem/{code.value}/", f"/redeem/{code.value}/renew/"]


def _client(email):
    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def test_u4_no_form_of_the_portal_answers_a_server_error_to_hostile_input(demo):
    failures, covered = [], {}
    for email in PEOPLE:
        forms, errors = crawl(_client(email), demo)
        failures += errors
        for form in forms:
            covered.setdefault(form.key, (email, form))
    for email, form in covered.values():
        failures += fuzz_form(_client(email), form)
    paths = {key[0] for key in covered}
    # The crawl must reach the forms that move money and the hostile-input suspects of the issue.
    assert {"/vouchers/new/", "/billing/quotes/new/", "/customers/new/", "/customers/<id>/authorizations/new/",
            "/accounts/login/", "/accounts/signup/"} <= paths, sorted(paths)
    assert failures == []


def test_u4_a_10_mb_field_is_refused_without_a_server_error(demo):
    client = _client("admin.ja@portal.example")
    for path, name in (("/customers/new/", "name"), ("/vouchers/new/", "notes"), ("/accounts/login/", "username")):
        assert big_field(client, path, name) == 400, path
    assert BIG == 10 * 1024 * 1024
