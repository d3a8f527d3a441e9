"""Sign-in throttling per account (issue 10 item 3, django-axes): wrong passwords from many
addresses lock the account for a while; the lockout says nothing about whether the account
exists; operator staff unlock it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from tests.conftest import client_for
from tests.factories import OperatorFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_address_limit(settings):
    settings.PORTAL_RATE_LIMIT_ENABLED = False  # the per-address limit is tested elsewhere


def _sign_in(address: str, username: str, password: str):
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


def test_t3_wrong_passwords_from_thirty_addresses_lock_the_account(db, settings):
    UserFactory(email="person@example.test")
    for n in range(30):
        _sign_in(f"198.51.100.{n}", "person@example.test", "wrong")
    locked = _sign_in("198.51.100.200", "Person@Example.test ", "pw-test-123")  # the right one, any spelling
    assert locked.status_code == 429
    assert "Too many failed sign-ins." in locked.content.decode()


def test_t3_lockout_page_is_the_same_for_an_unknown_address(db, settings):
    UserFactory(email="person@example.test")
    pages = {}
    for username in ("person@example.test", "nobody@example.test"):
        for n in range(settings.AXES_FAILURE_LIMIT):
            _sign_in(f"203.0.113.{n}", username, "wrong")
        response = _sign_in("203.0.113.250", username, "wrong")
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        pages[username] = (response.status_code, text)
    assert pages["person@example.test"] == pages["nobody@example.test"]
    assert pages["person@example.test"][0] == 429
    assert "person@example.test" not in pages["person@example.test"][1]


def test_t3_a_right_password_before_the_limit_resets_the_count(db, settings):
    UserFactory(email="person@example.test")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(f"192.0.2.{n}", "person@example.test", "wrong")
    assert _sign_in("192.0.2.100", "person@example.test", "pw-test-123").status_code == 302
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(f"192.0.2.{n}", "person@example.test", "wrong")
    assert _sign_in("192.0.2.101", "person@example.test", "pw-test-123").status_code == 302


def test_t3_operator_unlocks_a_locked_account_and_it_is_audited(db, settings):
    UserFactory(email="person@example.test")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(f"192.0.2.{n}", "person@example.test", "wrong")
    assert _sign_in("192.0.2.99", "person@example.test", "pw-test-123").status_code == 429
    operator = OperatorFactory()
    console = client_for(operator)
    page = console.get(reverse("operator_lockouts")).content.decode()
    assert "person@example.test" in page and "Paused" in page
    assert client_for(UserFactory()).post(reverse("operator_lockouts"),
                                          {"username": "person@example.test"}).status_code == 403
    console.post(reverse("operator_lockouts"), {"username": "person@example.test"})
    assert _sign_in("192.0.2.99", "person@example.test", "pw-test-123").status_code == 302
    entry = AuditEntry.unscoped.get(action="signin.unlocked")
    assert (entry.actor, entry.after) == (operator, {"username": "person@example.test"})
