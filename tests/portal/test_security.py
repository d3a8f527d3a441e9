"""Security defaults: rate limits on public endpoints, CSRF, production settings, no 500s."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limits(settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "login": (3, 60)}
    from django.core.cache import cache

    cache.clear()


def test_login_is_rate_limited_per_client(limits, db):
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.post(reverse("login"), {"username": "x@example.test", "password": "wrong"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Too many attempts" in client.post(reverse("login"), {}).content.decode()
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert other.post(reverse("login"), {"username": "x@example.test", "password": "wrong"}).status_code == 200


def test_login_works_and_csrf_is_enforced(db):
    user = UserFactory(email="person@example.test")
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(reverse("login"), {"username": user.email, "password": "pw-test-123"})
    assert refused.status_code == 403
    ok = Client().post(reverse("login"), {"username": "Person@example.test".lower(), "password": "pw-test-123"})
    assert ok.status_code == 302


def test_password_reset_mails_a_link(db, mailoutbox):
    UserFactory(email="person@example.test")
    response = Client().post(reverse("password_reset"), {"email": "person@example.test"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["person@example.test"]]
    assert "/accounts/reset/" in mailoutbox[0].body


def test_unknown_url_is_a_404_page_not_a_500(admin_client):
    assert admin_client.get("/account/users/99999999999999999999/").status_code == 404
    assert admin_client.get("/no/such/page/").status_code == 404


def test_check_deploy_is_clean_with_production_settings():
    # (The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, never a deployment's.)
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DJANGO_SETTINGS_MODULE": "portal.settings.production",
           "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
           "DJANGO_ALLOWED_HOSTS": "portal.example", "DATABASE_URL": os.environ["DATABASE_URL"]}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_cookies_are_secure():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "s" * 60}
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True", "False"], result.stderr


def test_u2_signing_in_switches_to_the_persons_language(db):
    UserFactory(email="hanako@example.test", language="ja")
    client = Client()
    client.post(reverse("login"), {"username": "hanako@example.test", "password": "pw-test-123"})
    assert client.cookies["django_language"].value == "ja"
