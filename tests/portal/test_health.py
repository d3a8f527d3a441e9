"""U-5 operations: /healthz and /readyz, and the compose file's healthchecks that use them."""

from pathlib import Path

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_u5_healthz_answers_without_the_database_a_session_or_an_allowed_host(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert (response.status_code, response.content) == (200, b"")
    assert "sessionid" not in response.cookies


def test_u5_readyz_answers_200_when_database_migrations_and_broker_are_ready(client, db):
    response = client.get("/readyz", HTTP_HOST="localhost")
    assert (response.status_code, response.content) == (200, b"")


def test_u5_readyz_answers_503_when_a_migration_is_not_applied(client, db):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DELETE FROM django_migrations WHERE app = 'catalogue' AND name = "
                       "'0004_price_table_periods_do_not_overlap'")
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"")


def test_u5_readyz_answers_503_when_the_broker_is_unreachable(client, db, monkeypatch):
    from portal.celery import app

    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"")


def test_u5_readyz_is_not_a_page_of_the_portal(client, db):
    assert client.get("/readyz/").status_code in (301, 302, 404)  # only the exact paths answer


@pytest.fixture
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_u5_compose_web_is_healthy_when_readyz_says_so(compose):
    check = compose["web"]["healthcheck"]
    assert "http://127.0.0.1:8000/readyz" in " ".join(check["test"])
    assert check["start_period"] and check["retries"] >= 3


def test_u5_compose_starts_each_service_once_what_it_needs_is_healthy(compose):
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in compose[name], name
    assert set(compose["web"]["depends_on"]) == {"postgres", "redis"}
    for role in ("worker", "beat"):
        assert set(compose[role]["depends_on"]) == {"postgres", "redis", "web"}
    for name, service in compose.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)
