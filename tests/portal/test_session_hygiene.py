"""Session hygiene (issue 10 item 4): a new session key on entering and leaving a partner's
account (T-4), operator sessions end sooner when idle, and sign-up never tells whether an address
has an account."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.middleware import IdleTimeoutMiddleware
from portal.tenancy.models import User
from tests.conftest import client_for, member
from tests.factories import DelegationConsentFactory, OperatorFactory, UserFactory


def test_t4_entering_and_leaving_a_partner_account_rotates_the_session_key(partner):
    DelegationConsentFactory(partner=partner)
    client = client_for(OperatorFactory())
    client.get(reverse("operator_home"))
    before = client.session.session_key
    client.post(reverse("enter_partner", args=[partner.pk]))
    inside = client.session.session_key
    assert inside != before and client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("leave_partner"))
    assert client.session.session_key not in (before, inside)
    assert client.get(reverse("operator_home")).status_code == 200  # still signed in, outside the account


def _idle(client, seconds):
    session = client.session
    session[IdleTimeoutMiddleware.SEEN] = int(timezone.now().timestamp()) - seconds
    session.save()


@pytest.mark.parametrize(("is_operator", "idle", "signed_in"), [
    (True, 29 * 60, True), (True, 31 * 60, False),  # operators: 30 minutes
    (False, 31 * 60, True), (False, 8 * 3600 + 60, False),  # partner users: 8 hours
])
def test_t4_operator_sessions_end_sooner_when_idle(partner, settings, is_operator, idle, signed_in):
    settings.PORTAL_OPERATOR_IDLE_SECONDS, settings.PORTAL_SESSION_IDLE_SECONDS = 30 * 60, 8 * 3600
    user = OperatorFactory() if is_operator else member(partner)
    client = client_for(user)
    client.get(reverse("dashboard"))
    _idle(client, idle)
    response = client.get(reverse("dashboard"))
    assert (response.status_code != 302 or "/accounts/login/" not in response.url) == signed_in
    if not signed_in:
        page = client.get(response.url).content.decode()
        assert "You were signed out after a while without activity." in page


def _sign_up(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("signup"), {"email": email, "first_name": "Erin", "last_name": "Doe",
                                               "password1": "a-Strong-pass-77", "password2": "a-Strong-pass-77",
                                               "next": "/my/requests/"})


def test_t3_sign_up_answers_the_same_for_a_new_and_an_existing_address(db, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    existing = UserFactory(email="taken@example.test")
    pages = {}
    for email in ("taken@example.test", "new@example.test"):
        response = _sign_up(Client(), email, django_capture_on_commit_callbacks)
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        pages[email] = (response.status_code, text.replace(email, "<address>"))
    assert pages["taken@example.test"] == pages["new@example.test"]
    assert pages["new@example.test"][0] == 200
    # The owners learn which by e-mail: a reminder for the account, a confirmation link for the new one.
    to_taken, to_new = mailoutbox
    assert to_taken.to == ["taken@example.test"] and "You already have one" in to_taken.body
    assert to_new.to == ["new@example.test"] and "/accounts/signup/confirm/" in to_new.body
    existing.refresh_from_db()
    assert existing.check_password("pw-test-123")  # the existing account is untouched
    assert not User.objects.get(email="new@example.test").is_active


def test_t3_the_confirmation_link_activates_and_signs_in_once(db, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    _sign_up(client, "new@example.test", django_capture_on_commit_callbacks)
    link = re.search(r"http://\S+(/accounts/signup/confirm/\S+/)", mailoutbox[0].body)[1]
    response = client.get(link)
    assert response.status_code == 302 and response.url == "/my/requests/"
    assert client.get("/my/requests/").status_code == 200
    assert User.objects.get(email="new@example.test").is_active
    assert Client().get(link[:-3] + "xx/").status_code == 404
